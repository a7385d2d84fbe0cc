"""The one import path every format goes through: validate all rows, then write all-or-nothing.

Readers yield (row number, canonical dict) or (row number, BadRow) when a row cannot even be read. Nothing
touches the store until every row has been checked, so an aborted import leaves the store as it was.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from tqdm import tqdm

from catalog.importers.errors import BadRow, CatalogImportError, FieldError, ImportReport
from catalog.importers.records import order_from_dict, policy_from_dict, product_from_dict
from catalog.store import CatalogStore

Kind = Literal["products", "orders", "policies"]
RawRow = tuple[int, "Mapping[str, Any] | BadRow"]
_PARSERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "products": product_from_dict,
    "orders": order_from_dict,
    "policies": policy_from_dict,
}


def _key(kind: str, record: Any) -> str:
    if kind == "policies":
        return f"{record.topic}/{record.country}"
    return str(record.id)


def import_rows(
    store: CatalogStore,
    rows: Iterable[RawRow],
    *,
    kind: Kind = "products",
    source: str = "",
    skip_bad: bool = False,
    progress: bool = False,
    total: int | None = None,
    sync: bool = False,
) -> ImportReport:
    """Validate every row, then write the good ones in one transaction (or none, see skip_bad).

    `sync`: the file is the shop's full export, so stored products it does not mention are removed in
    the same transaction (a product on a bad row is mentioned: skipping a row never deletes it)."""
    if kind not in _PARSERS:
        raise ValueError(f"kind must be products, orders or policies, got {kind!r}")
    if sync and kind != "products":
        raise ValueError("--sync applies to product exports only")
    mentioned: set[str] = set()
    unreadable: list[int] = []  # rows whose product we cannot name: a sync must not remove it
    started = time.perf_counter()
    report = ImportReport(kind=kind, source=source)
    parse = _PARSERS[kind]
    good: dict[str, tuple[int, Any]] = {}
    bar = tqdm(rows, total=total, desc=f"reading {kind}", unit=" rows", disable=not progress, leave=False)
    for row_no, raw in bar:
        report.total += 1
        if isinstance(raw, BadRow):
            report.bad_rows.append(raw)
            if raw.record_id:
                mentioned.add(raw.record_id)
            elif sync:
                unreadable.append(raw.row)
            continue
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(raw_id, (str, int)):
            mentioned.add(str(raw_id).strip())
        rid = str(raw_id or "").strip()[:80]
        rid = "".join(c if c.isprintable() else "?" for c in rid)  # a label in a report: bounded, printable
        try:
            record = parse(raw)
        except FieldError as err:
            report.bad_rows.append(_locate(raw, err, row_no, rid))
            continue
        key = _key(kind, record)
        if key in good:
            first = good[key][0]
            report.bad_rows.append(BadRow(row_no, "id", f"duplicate id {key!r} (first seen in row {first})", key))
            continue
        good[key] = (row_no, record)
    if kind == "products":
        _check_skus(store, good, report)
    if not good and not report.bad_rows:
        # An empty file, or one whose records hold nothing: a mistake to say, never a silent "0 imported".
        report.bad_rows.append(BadRow(1, "file", f"no {kind} found (the file is empty or not a {kind} feed)"))
    if unreadable:
        report.bad_rows.append(
            BadRow(
                unreadable[0],
                "file",
                "--sync needs every row readable: the product on an unreadable row would be removed",
            )
        )
    report.bad_rows.sort(key=lambda b: b.row)
    if report.bad_rows and (not skip_bad or not good or unreadable):
        report.seconds = time.perf_counter() - started
        raise CatalogImportError(report)
    records = [rec for _, rec in good.values()]
    try:
        with store.transaction():
            _write(store, kind, records, report, progress)
            if sync:
                report.removed = store.remove_products_except(mentioned | {str(r.id) for r in records})
        if kind == "products" and store.semantic is not None:
            # Embeddings are a cache: computed after the commit, so a slow model never holds the write lock.
            store.semantic.refresh(progress=progress)
    except (sqlite3.Error, OverflowError) as err:  # rolled back: the store is as it was
        report.bad_rows.append(BadRow(0, "store", f"could not write: {err}"))
        report.inserted = report.updated = 0
        raise CatalogImportError(report) from None
    report.committed = True
    report.seconds = time.perf_counter() - started
    return report


def _locate(raw: Mapping[str, Any], err: FieldError, row_no: int, rid: str) -> BadRow:
    """Point at the source line and column name: readers may attach `_variant_rows` (line of each variant)
    and `_source_fields` (canonical field -> the file's own column name)."""
    row, field = row_no, err.field
    m = re.match(r"variants\[(\d+)\](?:\.(.+))?$", field)
    lines = raw.get("_variant_rows")
    if m:
        if lines and int(m.group(1)) < len(lines):
            row = lines[int(m.group(1))]
        field = "variant." + (m.group(2) or "")
    names = raw.get("_source_fields") or {}
    return BadRow(row, names.get(field, field), err.reason, rid)


def _check_skus(store: CatalogStore, good: dict[str, tuple[int, Any]], report: ImportReport) -> None:
    """One SKU must belong to one product, within the file and against what is already stored."""
    owner: dict[str, tuple[str, int]] = {}
    bad_keys: set[str] = set()
    for key, (row_no, product) in good.items():
        for v in product.variants:
            if v.sku in owner and owner[v.sku][0] != key:
                report.bad_rows.append(
                    BadRow(
                        row_no,
                        "sku",
                        f"SKU {v.sku!r} already used by product {owner[v.sku][0]!r} (row {owner[v.sku][1]})",
                        key,
                    )
                )
                bad_keys.add(key)
            owner.setdefault(v.sku, (key, row_no))
    stored = store.sku_owners(list(owner))
    for sku, pid in stored.items():
        key, row_no = owner[sku]
        if pid != key and key not in bad_keys:
            report.bad_rows.append(BadRow(row_no, "sku", f"SKU {sku!r} belongs to stored product {pid!r}", key))
            bad_keys.add(key)
    for key in bad_keys:
        good.pop(key, None)


def _write(store: CatalogStore, kind: str, records: list[Any], report: ImportReport, progress: bool) -> None:
    """Upsert in batches; the caller holds the one transaction the whole import commits in."""
    batch = 500
    bar = tqdm(total=len(records), desc=f"writing {kind}", unit=" rows", disable=not progress, leave=False)
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        if kind == "products":
            ins, upd = store.upsert_products(chunk)
        elif kind == "orders":
            ins, upd = store.upsert_orders(chunk)
        else:
            ins, upd = store.upsert_policies(chunk)
        report.inserted += ins
        report.updated += upd
        bar.update(len(chunk))
    bar.close()
