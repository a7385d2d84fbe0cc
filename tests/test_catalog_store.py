"""CatalogStore on real SQLite: demo data, keyword search, availability, orders, policies, threads."""

from __future__ import annotations

import json
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.importers.demo import DATA_DIR
from catalog.models import Product, Variant
from catalog.schema import LATEST_VERSION, MIGRATIONS, _statements
from catalog.store import CatalogStore


@pytest.fixture(scope="module")
def store() -> CatalogStore:
    return CatalogStore.open_demo()


def test_demo_data_is_big_enough_and_varied(store: CatalogStore) -> None:
    data = json.loads((DATA_DIR / "demo_catalog.json").read_text("utf-8"))["products"]
    assert store.count_products() == len(data) >= 150
    assert (DATA_DIR / "demo_catalog.json").stat().st_size < 1_000_000
    categories = {p["category"] for p in data}
    assert {
        "Apparel",
        "Shoes",
        "Beauty",
        "Phones & Accessories",
        "Home & Furniture",
        "Jewelry & Watches",
        "Outdoor & Sports",
    } <= categories
    sold_out = [p for p in data if not any(v["stock"] for v in p["variants"])]
    assert len(sold_out) >= 5
    assert all(p["currency"] == "USD" for p in data)
    assert store.count_orders() >= 8
    statuses = {o.status for o in (store.get_order(i) for i in ("A1001", "A1042", "A1061", "A1055")) if o}
    assert len(statuses) == 4


def test_product_round_trip_keeps_prices_exact(store: CatalogStore) -> None:
    p = store.get_product("airwave-wireless-earbuds")
    assert p is not None and p.title == "AirWave Wireless Earbuds"
    assert isinstance(p.price, Decimal) and p.currency == "USD"
    assert p.price == min(v.price for v in p.variants)
    assert set(p.option_values("color")) >= {"Black"}
    assert store.get_product("no-such-thing") is None


@pytest.mark.parametrize(
    "query,expected",
    [
        ("wireless earbuds", "airwave-wireless-earbuds"),
        ("TrailRunner running shoes", "trailrunner-running-shoes"),
        ("yoga mat", "flowfit-yoga-mat"),
        ("camping tent", "tent"),
    ],
)
def test_keyword_search_finds_products(store: CatalogStore, query: str, expected: str) -> None:
    hits = store.search(query, limit=3)
    assert any(expected in h.product.id for h in hits), [h.product.id for h in hits]
    assert hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.parametrize(
    "query", ['"', "***", 'yoga" OR', "NEAR(a b)", "a'b", "", "   ", "AND", "-", "^x", "(((", "🙂"]
)
def test_search_never_raises_on_odd_text(store: CatalogStore, query: str) -> None:
    assert isinstance(store.search(query), list)


def test_filters_and_sorting(store: CatalogStore) -> None:
    hits = store.search("shoes", limit=10, max_price=100, sort="price_asc")
    assert hits and all(any(v.price <= 100 for v in h.product.variants) for h in hits)
    prices = [h.product.price for h in hits]
    assert prices == sorted(prices)
    in_stock = store.search("", limit=20, category="beauty", in_stock=True)
    assert in_stock and all(h.product.category == "Beauty" and h.product.in_stock for h in in_stock)
    rated = store.search("watch", limit=5, min_rating=4.5, sort="rating")
    assert all((h.product.rating or 0) >= 4.5 for h in rated)
    red = store.search("dress", limit=5, color="red", size="M")
    assert red and all(
        any(v.options.get("color") == "Red" and v.options.get("size") == "M" for v in h.product.variants) for h in red
    )
    assert store.search("", limit=5) == []
    with pytest.raises(ValueError):
        store.search("shoes", colr="red")


def test_check_availability(store: CatalogStore) -> None:
    a = store.check_availability("trailrunner-running-shoes", size="9", color="blue")
    assert a.found and a.variant_exists and a.matching_skus
    assert a.stock == sum(
        v.stock
        for v in store.get_product("trailrunner-running-shoes").variants  # type: ignore
        if v.options["size"] == "9" and v.options["color"] == "Blue"
    )
    assert store.check_availability("trailrunner-running-shoes", size="nine and a half").variant_exists is False
    assert store.check_availability("nope").found is False
    sold_out = (
        next(h.product for h in store.search("", limit=100, category="apparel") if not h.product.in_stock)
        if any(not h.product.in_stock for h in store.search("", limit=100, category="apparel"))
        else None
    )
    if sold_out:
        assert store.check_availability(sold_out.id).in_stock is False


@pytest.mark.parametrize(
    "spoken",
    [
        "A1042",
        "a-1042",
        "A one oh four two",
        "order number A 1 0 4 2",
        "a ten forty two",
        "订单 A 一零四二",
        "pedido A uno cero cuatro dos",
    ],
)
def test_order_lookup_tolerates_spoken_ids(store: CatalogStore, spoken: str) -> None:
    order = store.get_order(spoken)
    assert order is not None and order.id == "A1042"
    assert order.estimated_delivery is not None and order.total == sum(i.unit_price * i.quantity for i in order.items)


def test_order_lookup_unknown(store: CatalogStore) -> None:
    assert store.get_order("Z9999") is None
    assert store.get_order("") is None
    assert store.get_order("hello") is None


def test_policy_by_country_with_default(store: CatalogStore) -> None:
    es = store.get_policy("envío", "España")
    assert es is not None and es.country == "ES" and es.fee == Decimal("12.99")
    fallback = store.get_policy("shipping", "Brazil")
    assert fallback is not None and fallback.country == "*"
    assert store.get_policy("refund", "US").country == "US"  # type: ignore[union-attr]
    assert store.get_policy("退货", None).topic == "returns"  # type: ignore[union-attr]
    assert store.get_policy("astrology", "US") is None


def test_reimport_updates_by_id_and_keeps_rowid_in_fts(tmp_path: Path) -> None:
    s = CatalogStore.open(tmp_path / "c.db")
    p = Product(
        id="p1",
        title="Blue Teapot",
        price=Decimal("20.00"),
        variants=(Variant(sku="p1-a", options={"color": "Blue"}, price=Decimal("20.00"), stock=3),),
    )
    assert s.upsert_products([p]) == (1, 0)
    p2 = Product(
        id="p1",
        title="Green Kettle",
        price=Decimal("25.00"),
        variants=(Variant(sku="p1-b", options={"color": "Green"}, price=Decimal("25.00"), stock=1),),
    )
    assert s.upsert_products([p2]) == (0, 1)
    assert [h.product.title for h in s.search("kettle")] == ["Green Kettle"]
    assert s.search("teapot") == []
    assert s.get_product("p1").variants[0].sku == "p1-b"  # type: ignore[union-attr]
    s.close()


def test_migrations_upgrade_old_file_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at REAL NOT NULL)"
    )
    for statement in _statements(MIGRATIONS[0][2]):  # the schema exactly as release 1 wrote it
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'v1', 0)")
    conn.execute("INSERT INTO orders (id, status, updated_at) VALUES ('A1', 'shipped', 0)")
    conn.close()
    s = CatalogStore.open(path)
    assert s.get_order("A1").status == "shipped"  # type: ignore[union-attr]
    versions = [r[0] for r in s.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, LATEST_VERSION + 1))
    s.close()


def test_concurrent_threads(store: CatalogStore) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                assert store.search("wireless earbuds", limit=2)
                assert store.get_order("A1042") is not None
        except BaseException as err:  # noqa: BLE001 - surfaced below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
