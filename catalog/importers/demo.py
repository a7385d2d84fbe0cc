"""Loads the bundled demo catalog, orders and policies (catalog/data/) into a store."""

from __future__ import annotations

from pathlib import Path

from catalog.importers.errors import ImportReport
from catalog.importers.json_import import read_json
from catalog.importers.pipeline import import_rows
from catalog.store import CatalogStore

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_FILES = {"products": "demo_catalog.json", "orders": "demo_orders.json", "policies": "demo_policies.json"}


def load_demo(store: CatalogStore) -> list[ImportReport]:
    """Import the demo data through the normal validating path (a broken demo file fails loudly)."""
    reports = []
    for kind, name in DEMO_FILES.items():
        rows, total = read_json(DATA_DIR / name, kind)
        reports.append(import_rows(store, rows, kind=kind, source=name, total=total))  # type: ignore[arg-type]
    return reports
