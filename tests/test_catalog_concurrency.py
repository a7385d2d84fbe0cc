"""Several processes read one catalog file while another syncs it: WAL lets them read on, and no reader
ever sees half of an import (every snapshot holds one whole export, never a mix of two)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

from catalog.importers.run import import_file
from catalog.store import CatalogStore

PRODUCTS = 300


def _export(folder: Path, name: str, price: str) -> Path:
    """A full export where every product has the same price, so a snapshot mixing two exports shows."""
    products = [
        {"id": f"p{i}", "title": f"Oak Shelf {i}", "price": price, "stock": 2, "description": "A solid oak shelf."}
        for i in range(PRODUCTS)
    ]
    if name == "b":  # the second export also drops a product: a sync removes it in the same transaction
        products = products[:-1]
    path = folder / f"{name}.json"
    path.write_text(json.dumps(products))
    return path


def _reader(db: str, ready, stop, results) -> None:
    store = CatalogStore.open(db)
    snapshot = sqlite3.connect(db, isolation_level=None)
    seen: set[tuple[int, str]] = set()
    mixed = searches = 0
    ready.release()
    while not stop.is_set():
        snapshot.execute("BEGIN")  # one read snapshot for both questions; WAL never blocks the writer
        count = snapshot.execute("SELECT COUNT(*) FROM products").fetchone()[0]
        prices = {r[0] for r in snapshot.execute("SELECT price FROM products")}
        snapshot.execute("COMMIT")
        mixed += len(prices) != 1
        seen.add((count, ",".join(sorted(prices))))
        store.search("oak shelf", limit=5, in_stock=True)  # the store's own path, caches and all
        searches += 1
    results.put((sorted(seen), mixed, searches))


def test_readers_in_other_processes_see_whole_imports_only(tmp_path):
    db = str(tmp_path / "shop.db")
    a, b = _export(tmp_path, "a", "10.00"), _export(tmp_path, "b", "20.00")
    with CatalogStore.open(db) as store:
        import_file(store, a)
    context = multiprocessing.get_context("spawn")
    results, ready, stop = context.Queue(), context.Semaphore(0), context.Event()
    readers = [context.Process(target=_reader, args=(db, ready, stop, results)) for _ in range(4)]
    for reader in readers:
        reader.start()
    for _ in readers:
        assert ready.acquire(timeout=120), "a reader process did not start"
    syncs = 0
    with CatalogStore.open(db) as writer:
        started = time.monotonic()
        while syncs < 6 or time.monotonic() - started < 2.0:
            import_file(writer, b if syncs % 2 == 0 else a, sync=True)
            syncs += 1
            time.sleep(0.05)  # let the readers look at this export
    stop.set()
    outcomes = [results.get(timeout=60) for _ in readers]
    for reader in readers:
        reader.join(timeout=30)
    snapshots = set()
    for seen, mixed, searches in outcomes:
        assert mixed == 0, "a reader saw prices of two exports at once"
        assert searches > 0
        snapshots.update(seen)
    assert snapshots <= {(PRODUCTS, "10.00"), (PRODUCTS - 1, "20.00")}, snapshots
    assert len(snapshots) == 2, "the readers should have seen both exports while the syncs ran"
