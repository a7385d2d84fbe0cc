"""Every dialogue tool through CatalogTools.call (the LLM path), on the demo catalog."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from catalog.order_ids import normalize_order_id
from catalog.store import CatalogStore
from catalog.tool_schemas import TOOL_SCHEMAS
from catalog.tools import CatalogTools

EARBUDS = "airwave-wireless-earbuds"
SHOES = "trailrunner-running-shoes"


@pytest.fixture(scope="module")
def tools() -> CatalogTools:
    return CatalogTools(CatalogStore.open_demo())


def test_schemas_are_json_and_cover_every_tool(tools: CatalogTools) -> None:
    names = [s["function"]["name"] for s in TOOL_SCHEMAS]
    assert names == [
        "search_products",
        "get_product",
        "check_availability",
        "compare_products",
        "add_to_cart",
        "view_cart",
        "remove_from_cart",
        "get_order_status",
        "get_policy",
    ]
    for schema in json.loads(json.dumps(TOOL_SCHEMAS)):
        params = schema["function"]["parameters"]
        assert params["type"] == "object" and set(params["required"]) <= set(params["properties"])
        assert "session_id" not in params["properties"]


def test_search_products_carries_facts(tools: CatalogTools) -> None:
    out = tools.call("search_products", {"query": "wireless earbuds", "max_price": 200, "limit": 3})
    assert out["ok"] and out["count"] >= 1 and out["filters"] == {"max_price": 200}
    first = out["products"][0]
    assert {"id", "title", "price", "currency", "in_stock", "rating"} <= set(first)
    product = tools.store.get_product(first["id"])
    assert product is not None and first["price"] == str(product.price)
    assert tools.call("search_products", {"query": "x", "sort": "cheapest"})["ok"] is False
    json.dumps(out)  # JSON-ready


def test_get_product_and_compare(tools: CatalogTools) -> None:
    out = tools.call("get_product", {"product_id": EARBUDS})
    assert out["ok"] and out["product"]["variants"] and out["product"]["currency"] == "USD"
    assert tools.call("get_product", {"product_id": "nope"})["ok"] is False
    cmp = tools.call("compare_products", {"product_ids": [EARBUDS, "voltedge-wireless-earbuds", "ghost"]})
    assert cmp["ok"] and len(cmp["products"]) == 2 and cmp["missing"] == ["ghost"]
    prices = {p["id"]: Decimal(p["price"]) for p in cmp["products"]}
    assert cmp["cheapest"] == min(prices, key=prices.__getitem__)
    assert tools.call("compare_products", {"product_ids": [EARBUDS]})["ok"] is False


def test_check_availability_reports_variant_stock(tools: CatalogTools) -> None:
    product = tools.store.get_product(SHOES)
    assert product is not None
    variant = next(v for v in product.variants if v.stock > 0)
    out = tools.call(
        "check_availability",
        {"product_id": SHOES, "size": variant.options["size"], "color": variant.options["color"].lower()},
    )
    assert out["ok"] and out["in_stock"] and out["stock"] == variant.stock and out["matching_skus"] == [variant.sku]
    assert tools.call("check_availability", {"product_id": SHOES, "size": "99"})["variant_exists"] is False
    assert tools.call("check_availability", {"product_id": "nope"})["ok"] is False


def test_cart_flow_per_session(tools: CatalogTools) -> None:
    product = tools.store.get_product(SHOES)
    assert product is not None
    variant = next(v for v in product.variants if v.stock >= 2)
    size, color = variant.options["size"], variant.options["color"]
    ask = tools.call("add_to_cart", {"product_id": SHOES, "size": size}, session_id="s1")
    assert ask["ok"] is False and "color" in ask["error"] and ask["color_options"]
    added = tools.call(
        "add_to_cart", {"product_id": SHOES, "size": size, "color": color, "quantity": 2}, session_id="s1"
    )
    assert added["ok"] and added["item_count"] == 2 and added["subtotal"] == str(variant.price * 2)
    too_many = tools.call(
        "add_to_cart", {"sku": variant.sku, "product_id": SHOES, "quantity": variant.stock}, session_id="s1"
    )
    assert too_many["ok"] is False and too_many["stock"] == variant.stock
    sold_out = next(v for v in product.variants if v.stock == 0)
    out = tools.call("add_to_cart", {"product_id": SHOES, "sku": sold_out.sku}, session_id="s1")
    assert out["ok"] is False and "out of stock" in out["error"]
    assert tools.call("view_cart", {}, session_id="s2")["item_count"] == 0  # carts are per session
    tools.call("add_to_cart", {"product_id": EARBUDS, "color": "black"}, session_id="s1")
    cart = tools.call("view_cart", {}, session_id="s1")
    assert cart["item_count"] == 3 and len(cart["lines"]) == 2
    less = tools.call("remove_from_cart", {"product_id": SHOES, "quantity": 1}, session_id="s1")
    assert less["item_count"] == 2
    gone = tools.call("remove_from_cart", {"product_id": EARBUDS}, session_id="s1")
    assert [line["sku"] for line in gone["lines"]] == [variant.sku]
    assert tools.call("remove_from_cart", {"product_id": EARBUDS}, session_id="s1")["ok"] is False


@pytest.mark.parametrize(
    "spoken", ["A one oh four two", "a-1042", "A1042", "my order is a ten forty two", "order A 1 0 4 2"]
)
def test_get_order_status_spoken_ids(tools: CatalogTools, spoken: str) -> None:
    out = tools.call("get_order_status", json.dumps({"order_id": spoken}))
    assert out["ok"] and out["order"]["id"] == "A1042"
    assert out["order"]["estimated_delivery"] == "2025-06-17" and out["order"]["carrier"] == "DHL Express"
    assert out["order"]["status_text"]


def test_get_order_status_unknown(tools: CatalogTools) -> None:
    out = tools.call("get_order_status", {"order_id": "Z nine nine"})
    assert out["ok"] is False and out["normalized_id"] == "Z99"


def test_get_policy_by_country(tools: CatalogTools) -> None:
    out = tools.call("get_policy", {"topic": "shipping", "country": "Spain"})
    assert out["ok"] and out["policy"]["country"] == "ES" and out["policy"]["fee"] == "12.99"
    default = tools.call("get_policy", {"topic": "shipping", "country": "Brazil"})
    assert default["policy"]["country"] == "*" and "default" in default["policy"]["applies_to"]
    assert tools.call("get_policy", {"topic": "returns"})["policy"]["days_max"] == 30
    assert tools.call("get_policy", {"topic": "horoscope"})["ok"] is False


def test_call_is_robust(tools: CatalogTools) -> None:
    assert tools.call("nope")["ok"] is False
    assert tools.call("get_product", "{not json")["ok"] is False
    out = tools.call("get_product", {"product_id": EARBUDS, "extra": 1})
    assert out["ok"] and out["ignored_arguments"] == ["extra"]
    assert (
        tools.call("add_to_cart", {"product_id": EARBUDS, "color": "black", "quantity": "many"}, session_id="x")["ok"]
        is False
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("A one oh four two", "A1042"),
        ("a-1042", "A1042"),
        ("A1042", "A1042"),
        ("B double oh seven", "B007"),
        ("ay one oh four two", "A1042"),
        ("bravo one two", "B12"),
        ("订单 A 一零四二", "A1042"),
        ("commande A un zéro quatre deux", "A1042"),
        ("#a 1042", "A1042"),
        ("", ""),
        ("hello", ""),
    ],
)
def test_normalize_order_id(text: str, expected: str) -> None:
    assert normalize_order_id(text) == expected
