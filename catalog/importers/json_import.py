"""JSON and JSON Lines readers (canonical shape, or any shape with a --map field mapping)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from catalog.importers.errors import BadRow, FieldError
from catalog.importers.mapping import apply_mapping
from catalog.importers.pipeline import RawRow

# Top-level keys that may hold the record list when the file is an object rather than a list.
_LIST_KEYS = ("items", "data", "records", "results", "entries")


def _records_in(data: Any, kind: str) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in (kind, *_LIST_KEYS):
            if isinstance(data.get(key), list):
                return data[key]
    raise FieldError("file", f"expected a list of {kind} or an object with a {kind!r} list")


def rows_from_records(records: list[Any], mapping: Mapping[str, str] | None = None) -> Iterator[RawRow]:
    """Number records from 1 and apply the mapping; a record that is not an object is a bad row."""
    for i, record in enumerate(records, start=1):
        try:
            yield i, apply_mapping(record, mapping or {})
        except FieldError as err:
            yield i, BadRow(i, err.field, err.reason)


def read_json(
    path: str | Path, kind: str = "products", mapping: Mapping[str, str] | None = None
) -> tuple[Iterator[RawRow], int]:
    """Rows of a JSON file (record index as row number) and their count."""
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return iter([(line, BadRow(line, "file", f"bad text encoding at byte {err.start} (expected UTF-8)"))]), 1
    except json.JSONDecodeError as err:
        return iter([(err.lineno, BadRow(err.lineno, "file", f"invalid JSON: {err.msg} (column {err.colno})"))]), 1
    except RecursionError:
        return iter([(1, BadRow(1, "file", "invalid JSON: nested too deeply"))]), 1
    try:
        records = _records_in(data, kind)
    except FieldError as err:
        return iter([(1, BadRow(1, err.field, err.reason))]), 1
    return rows_from_records(records, mapping), len(records)


def read_jsonl(path: str | Path, mapping: Mapping[str, str] | None = None) -> tuple[Iterator[RawRow], int]:
    """Rows of a JSON Lines file, numbered by line; blank lines are skipped."""
    lines = Path(path).read_bytes().splitlines()

    def rows() -> Iterator[RawRow]:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8-sig" if line_no == 1 else "utf-8"))
            except UnicodeDecodeError as err:
                yield line_no, BadRow(line_no, "line", f"bad text encoding at column {err.start + 1} (expected UTF-8)")
                continue
            except json.JSONDecodeError as err:
                yield line_no, BadRow(line_no, "line", f"invalid JSON: {err.msg} (column {err.colno})")
                continue
            except RecursionError:
                yield line_no, BadRow(line_no, "line", "invalid JSON: nested too deeply")
                continue
            try:
                yield line_no, apply_mapping(record, mapping or {})
            except FieldError as err:
                yield line_no, BadRow(line_no, err.field, err.reason)

    return rows(), sum(1 for line in lines if line.strip())
