"""`catalog import --sync`: a full export replaces the catalog; prices and stock update without
re-embedding text that did not change; a product on a bad or unreadable row is never removed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from catalog.importers.errors import CatalogImportError
from catalog.importers.run import import_file
from catalog.store import CatalogStore
from models.embedder import load_embedder


def _product(pid: str, title: str, price: str, stock: int = 3) -> dict:
    return {"id": pid, "title": title, "price": price, "currency": "EUR", "stock": stock, "description": title}


FULL = [
    _product("lamp", "Brass Desk Lamp", "59.00"),
    _product("kettle", "Stainless Steel Kettle", "35.00"),
    _product("rug", "Wool Rug", "120.00"),
]


def _export(folder: Path, name: str, products: list, suffix: str = ".json") -> Path:
    path = folder / (name + suffix)
    if suffix == ".jsonl":
        path.write_text("\n".join(p if isinstance(p, str) else json.dumps(p) for p in products))
    else:
        path.write_text(json.dumps(products))
    return path


class CountingEmbedder:
    """The real multilingual embedder, counting the passages it is asked to embed."""

    def __init__(self, real) -> None:
        self._real = real
        self.model_id, self.dim = real.model_id, real.dim
        self.embedded: list[str] = []

    def query(self, text: str) -> np.ndarray:
        return self._real.query(text)

    def passages(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return self._real.passages(texts)


def test_a_full_export_removes_what_it_no_longer_lists_and_reembeds_only_changed_text(tmp_path):
    real = load_embedder()
    if real is None:
        pytest.skip("the multilingual embedding model is not installed")
    embedder = CountingEmbedder(real)
    store = CatalogStore.open(tmp_path / "shop.db", embedder=embedder)
    import_file(store, _export(tmp_path, "monday", FULL))
    assert len(embedder.embedded) == 3
    embedder.embedded.clear()

    tuesday = [
        _product("lamp", "Brass Desk Lamp", "49.00", stock=0),  # price and stock only
        _product("kettle", "Stainless Steel Kettle, 1.7 litres", "35.00"),  # new text
    ]
    report = import_file(store, _export(tmp_path, "tuesday", tuesday), sync=True)
    assert (report.updated, report.removed) == (2, 1)
    assert "1 removed" in report.summary()
    # Only the new text costs model time (its title and description are one and the same part here).
    assert embedder.embedded == ["Stainless Steel Kettle, 1.7 litres"]
    assert store.get_product("rug") is None and store.count_products() == 2
    lamp = store.get_product("lamp")
    assert str(lamp.price) == "49.00" and not lamp.in_stock
    # Neither the keyword index nor the vectors still know the rug.
    assert all(h.product.id != "rug" for h in store.search("wool rug", limit=5))
    assert store.execute("SELECT COUNT(*) FROM product_embeddings")[0][0] == 2
    # Part vectors nobody uses any more (the rug's, the kettle's old title) are gone from the cache too.
    assert store.execute("SELECT COUNT(*) FROM text_embeddings")[0][0] == 2


def test_without_sync_products_missing_from_the_file_stay(tmp_path):
    store = CatalogStore.open(tmp_path / "shop.db")
    import_file(store, _export(tmp_path, "all", FULL))
    report = import_file(store, _export(tmp_path, "one", FULL[:1]))
    assert report.removed == 0 and store.count_products() == 3


def test_a_product_on_a_bad_row_is_not_removed_by_a_sync(tmp_path):
    store = CatalogStore.open(tmp_path / "shop.db")
    import_file(store, _export(tmp_path, "all", FULL))
    broken_rug = {**FULL[2], "price": "twelve"}
    report = import_file(store, _export(tmp_path, "sync", [FULL[0], broken_rug]), sync=True, skip_bad=True)
    assert report.removed == 1 and len(report.bad_rows) == 1
    assert store.get_product("rug") is not None and store.get_product("kettle") is None


def test_a_sync_with_an_unreadable_row_changes_nothing(tmp_path):
    store = CatalogStore.open(tmp_path / "shop.db")
    import_file(store, _export(tmp_path, "all", FULL))
    lines = [FULL[0], '{"id": "rug", "title": broken json']
    with pytest.raises(CatalogImportError) as info:
        import_file(store, _export(tmp_path, "sync", lines, ".jsonl"), sync=True, skip_bad=True)
    assert "--sync needs every row readable" in info.value.report.summary()
    assert store.count_products() == 3


def test_serve_keeps_the_catalog_in_step_with_the_export_file(tmp_path, caplog):
    """What `serve` runs when catalog.sync_from is set: a changed export is synced, a bad one refused."""
    import asyncio

    from assistant.reload import watch_catalog_export

    store = CatalogStore.open(tmp_path / "shop.db")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(FULL))

    async def until(condition) -> None:
        for _ in range(400):
            if condition():
                return
            await asyncio.sleep(0.025)
        raise AssertionError("the watcher did not sync in time")

    async def scenario() -> None:
        watcher = asyncio.create_task(watch_catalog_export(store, export, interval_s=0.05))
        try:
            await until(lambda: store.count_products() == 3)
            export.write_text(json.dumps([_product("lamp", "Brass Desk Lamp", "45.00")]))
            await until(lambda: store.count_products() == 1)
            assert str(store.get_product("lamp").price) == "45.00"
            export.write_text(json.dumps([{**FULL[0], "price": "a lot"}]))
            await until(lambda: "refused" in caplog.text)
            assert store.count_products() == 1 and str(store.get_product("lamp").price) == "45.00"
        finally:
            watcher.cancel()

    with caplog.at_level("INFO", logger="assistant.reload"):
        asyncio.run(scenario())
    assert "still serving the previous catalog" in caplog.text and "price: cannot read a price" in caplog.text
