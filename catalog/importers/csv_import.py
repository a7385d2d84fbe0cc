"""CSV/TSV reading shared by the Shopify, Merchant Center and generic importers, plus the generic one.

Generic CSV: one row per product or variant. Columns named like canonical fields (or mapped with
--map FIELD=COLUMN); size/color/colour/shade/material columns become variant options; rows sharing an id
with different SKUs are variants of one product, a repeated id without a new SKU is a duplicate.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from catalog.importers.errors import BadRow
from catalog.importers.mapping import apply_mapping
from catalog.importers.pipeline import RawRow

MAX_CELL_CHARS = 1_000_000  # no one field of a feed is longer; the limit keeps a broken quote from eating the file
csv.field_size_limit(MAX_CELL_CHARS)
OPTION_COLUMNS = ("size", "color", "colour", "shade", "material")
VARIANT_COLUMNS = ("sku", "price", "stock", "compare_at_price", "gtin")


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM). Undecodable bytes become U+FFFD, which validation then reports as
    "bad text encoding" on the exact row and field instead of failing the whole file."""
    return raw.decode("utf-8-sig", errors="replace")


def read_table(path: str | Path, delimiter: str = ",") -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """(line where each record starts, {column: value}) and the header; headers are stripped.

    Raises ValueError naming the file and line for what the csv module cannot read (a cell over
    MAX_CELL_CHARS, a NUL byte)."""
    text = decode(Path(path).read_bytes())
    if delimiter == "\t":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    records: list[tuple[int, dict[str, str]]] = []
    start = 1
    try:
        for values in reader:
            if not header:
                header = [h.strip() for h in values]
                start = reader.line_num + 1
                continue
            if any(v.strip() for v in values):
                row = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
                records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as err:
        raise ValueError(f"{Path(path).name}: line {reader.line_num + 1}: cannot read the table: {err}") from None
    return records, header


def _parse_json_cell(value: str) -> Any:
    text = value.strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value


def read_generic_csv(
    path: str | Path, kind: str = "products", mapping: Mapping[str, str] | None = None, delimiter: str = ","
) -> tuple[Iterator[RawRow], int]:
    records, _ = read_table(path, delimiter)
    mapping = mapping or {}
    if kind != "products":
        rows = [
            (line, apply_mapping({k: _parse_json_cell(v) for k, v in rec.items()}, mapping)) for line, rec in records
        ]
        return iter(rows), len(rows)
    products: dict[str, dict[str, Any]] = {}
    out: list[RawRow] = []
    for line, rec in records:
        flat = apply_mapping(rec, mapping)
        pid = str(flat.get("id") or "").strip()
        options = {k: str(flat[k]).strip() for k in OPTION_COLUMNS if str(flat.get(k) or "").strip()}
        variant = {k: flat.get(k) for k in VARIANT_COLUMNS if flat.get(k) not in (None, "")}
        variant["options"] = options
        existing = products.get(pid) if pid else None
        sku = str(flat.get("sku") or "").strip()
        if existing is not None and sku and all(v.get("sku") != sku for v in existing["variants"]):
            existing["variants"].append(variant)
            existing["_variant_rows"].append(line)
            continue
        product = {k: v for k, v in flat.items() if k not in OPTION_COLUMNS and k not in ("sku", "stock", "gtin")}
        product["variants"] = [variant]
        product["_variant_rows"] = [line]
        if pid and pid not in products:
            products[pid] = product
        out.append((line, product))  # a repeated id/SKU stays a separate row: the pipeline reports it
    return iter(out), len(out)


def bad_file(line: int, reason: str) -> tuple[Iterator[RawRow], int]:
    return iter([(line, BadRow(line, "file", reason))]), 1
