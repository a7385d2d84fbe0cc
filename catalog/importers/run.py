"""import_file: pick the reader for a file's format and run the validating, all-or-nothing import."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from catalog.importers.csv_import import read_generic_csv, read_table
from catalog.importers.errors import ImportReport
from catalog.importers.gmc import read_gmc_tsv, read_gmc_xml
from catalog.importers.json_import import read_json, read_jsonl
from catalog.importers.pipeline import Kind, RawRow, import_rows
from catalog.importers.shopify import read_shopify
from catalog.store import CatalogStore

FORMATS = ("json", "jsonl", "csv", "shopify", "gmc")


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".xml", ".rss", ".atom"):
        return "gmc"
    if suffix in (".tsv", ".txt"):
        return "gmc"
    _, header = read_table(path)
    return "shopify" if "Handle" in header else "csv"


def read_file(
    path: str | Path, fmt: str | None = None, kind: Kind = "products", mapping: Mapping[str, str] | None = None
) -> tuple[Iterator[RawRow], int]:
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt in ("shopify", "gmc") and kind != "products":
        raise ValueError(f"{fmt} files hold products; use json, jsonl or csv for {kind}")
    if fmt == "json":
        return read_json(path, kind, mapping)
    if fmt == "jsonl":
        return read_jsonl(path, mapping)
    if fmt == "shopify":
        return read_shopify(path)
    if fmt == "gmc":
        if path.suffix.lower() in (".xml", ".rss", ".atom") or path.read_bytes()[:200].lstrip().startswith(b"<"):
            return read_gmc_xml(path)
        return read_gmc_tsv(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    return read_generic_csv(path, kind, mapping, delimiter)


def import_file(
    store: CatalogStore,
    path: str | Path,
    *,
    fmt: str | None = None,
    kind: Kind = "products",
    mapping: Mapping[str, str] | None = None,
    skip_bad: bool = False,
    progress: bool | None = None,
    sync: bool = False,
) -> ImportReport:
    """Import one file. Raises CatalogImportError (store unchanged) on bad rows unless skip_bad.
    `sync`: the file is a full export; stored products it does not mention are removed."""
    rows, total = read_file(path, fmt, kind, mapping)
    if progress is None:
        progress = total >= 1000 and sys.stderr.isatty()
    return import_rows(
        store, rows, kind=kind, source=Path(path).name, skip_bad=skip_bad, progress=progress, total=total, sync=sync
    )
