"""Importers on real files written here: Shopify CSV, Merchant Center TSV/XML, generic JSON/JSONL/CSV."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.cli import main as cli_main  # the real `voice-assistant` entry point
from catalog.importers.errors import CatalogImportError
from catalog.importers.run import import_file
from catalog.store import CatalogStore

SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,"
    "Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,"
    "Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,"
    "Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,"
    "Image Position,Image Alt Text,Gift Card,Status\n"
)
SHOPIFY_ROWS = [
    'breeze-tee,Breeze Cotton Tee,"<p>A <strong>soft</strong> tee.</p>\n<ul><li>Organic &amp; light</li></ul>",'
    'Breeze Co,T-Shirts,"tee, cotton",TRUE,Size,S,Color,Red,,,BT-S-RED,150,shopify,5,deny,manual,19.99,24.99,'
    "TRUE,TRUE,,https://x/1.jpg,1,,FALSE,active",
    "breeze-tee,,,,,,,,M,,Red,,,BT-M-RED,150,shopify,0,deny,manual,19.99,24.99,TRUE,TRUE,,,,,,",
    "breeze-tee,,,,,,,,L,,Blue,,,BT-L-BLUE,150,shopify,3,deny,manual,21.50,,TRUE,TRUE,,,,,,",
    "breeze-tee,,,,,,,,,,,,,,,,,,,,,,,,https://x/2.jpg,2,,,",
    "clay-mug,Stoneware Mug,Handmade mug,Clay Works,Kitchen,mug,TRUE,Title,Default Title,,,,,MUG-1,400,shopify,"
    "12,deny,manual,14.00,,TRUE,TRUE,0123456789012,,,,FALSE,active",
]


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.fixture
def store(tmp_path: Path) -> CatalogStore:
    s = CatalogStore.open(tmp_path / "catalog.db")
    yield s
    s.close()


def test_shopify_csv_variants_prices_and_html(store: CatalogStore, tmp_path: Path) -> None:
    f = write(tmp_path / "products_export.csv", SHOPIFY_HEADER + "\n".join(SHOPIFY_ROWS) + "\n")
    report = import_file(store, f)
    assert report.committed and (report.inserted, report.bad_rows) == (2, [])
    tee = store.get_product("breeze-tee")
    assert tee is not None and tee.brand == "Breeze Co" and tee.category == "T-Shirts"
    assert tee.description == "A soft tee.\nOrganic & light"  # HTML became plain text
    assert [(v.sku, v.options, v.price, v.stock) for v in tee.variants] == [
        ("BT-S-RED", {"size": "S", "color": "Red"}, Decimal("19.99"), 5),
        ("BT-M-RED", {"size": "M", "color": "Red"}, Decimal("19.99"), 0),
        ("BT-L-BLUE", {"size": "L", "color": "Blue"}, Decimal("21.50"), 3),
    ]
    assert tee.price == Decimal("19.99") and tee.compare_at_price == Decimal("24.99") and tee.discount_percent == 20
    mug = store.get_product("clay-mug")
    assert mug is not None and mug.variants[0].options == {} and mug.variants[0].gtin == "0123456789012"
    assert store.check_availability("breeze-tee", size="medium", color="red").in_stock is False


def test_broken_row_aborts_whole_import_and_keeps_store(store: CatalogStore, tmp_path: Path) -> None:
    import_file(store, write(tmp_path / "first.csv", SHOPIFY_HEADER + SHOPIFY_ROWS[-1] + "\n"))
    rows = list(SHOPIFY_ROWS[:-1]) + [
        "lamp,,No title here,Glow,Home,,TRUE,Title,Default Title,,,,,L-1,,,4,,,30.00,,,,,,,,,",
        "rug,Wool Rug,,Weave,Home,,TRUE,Title,Default Title,,,,,R-1,,,2,,,-5,,,,,,,,,",
        "vase,Glass Vase,,Weave,Home,,TRUE,Title,Default Title,,,,,V-1,,,2,,,twelve,,,,,,,,,",
        "clay-mug,Stoneware Mug Again,,Clay,Kitchen,,TRUE,Title,Default Title,,,,,MUG-2,,,1,,,9.00,,,,,,,,,",
    ]
    f = write(tmp_path / "broken.csv", SHOPIFY_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(CatalogImportError) as info:
        import_file(store, f)
    bad = {(b.row, b.field) for b in info.value.report.bad_rows}
    # Body (HTML) of breeze-tee spans two lines, so the data rows after it start one line later.
    assert bad == {(7, "Title"), (8, "Variant Price"), (9, "Variant Price")}
    reasons = " ".join(b.reason for b in info.value.report.bad_rows)
    assert "missing" in reasons and "negative" in reasons and "twelve" in reasons
    assert store.count_products() == 1 and store.get_product("breeze-tee") is None  # unchanged
    assert store.get_product("clay-mug").title == "Stoneware Mug"  # type: ignore[union-attr]
    report = import_file(store, f, skip_bad=True)
    assert report.committed and len(report.bad_rows) == 3 and store.get_product("breeze-tee") is not None
    assert store.get_product("clay-mug").title == "Stoneware Mug Again"  # re-import updates by id


def test_duplicate_id_and_bad_encoding_are_reported(store: CatalogStore, tmp_path: Path) -> None:
    data = [
        {"id": "a", "title": "Alpha Lamp", "price": "10"},
        {"id": "b", "title": "Beta", "price": "5 USD"},
        {"id": "a", "title": "Alpha again", "price": "11"},
    ]
    with pytest.raises(CatalogImportError) as info:
        import_file(store, write(tmp_path / "p.json", json.dumps(data)))
    assert [(b.row, b.field) for b in info.value.report.bad_rows] == [(3, "id")]
    f = write(tmp_path / "p.csv", b"id,title,price\nc1,Caf\xe9 Table,40\nc2,Chair,20\n")
    with pytest.raises(CatalogImportError) as info:
        import_file(store, f)
    [bad] = info.value.report.bad_rows
    assert (bad.row, bad.field) == (2, "title") and "encoding" in bad.reason
    assert store.count_products() == 0


def test_gmc_tsv_groups_variants(store: CatalogStore, tmp_path: Path) -> None:
    tsv = (
        "id\ttitle\tdescription\tavailability\tprice\tsale_price\tbrand\tgtin\tcolor\tsize\titem_group_id\t"
        "product_type\tquantity\n"
        "SH-9-BLK\tSprint Running Shoe\tLight <b>road</b> shoe\tin stock\t89.00 USD\t\tSprint\t111\tBlack\t9\t"
        "SH\tShoes > Running\t4\n"
        "SH-10-BLK\tSprint Running Shoe\tLight road shoe\tout of stock\t89.00 USD\t\tSprint\t112\tBlack\t10\tSH\t"
        "Shoes > Running\t0\n"
        "CAP-1\tSun Cap\tA cap\tin stock\t15.00 USD\t12.00 USD\tSprint\t\tWhite\t\t\tAccessories\t\n"
    )
    report = import_file(store, write(tmp_path / "feed.tsv", tsv))
    assert report.inserted == 2
    shoe = store.get_product("SH")
    assert shoe is not None and shoe.description == "Light road shoe" and shoe.category == "Shoes > Running"
    assert [(v.sku, v.options["size"], v.stock, v.gtin) for v in shoe.variants] == [
        ("SH-9-BLK", "9", 4, "111"),
        ("SH-10-BLK", "10", 0, "112"),
    ]
    cap = store.get_product("CAP-1")
    assert cap is not None and cap.price == Decimal("12.00") and cap.compare_at_price == Decimal("15.00")
    assert cap.variants[0].stock_exact is False and cap.in_stock  # "in stock" without a count
    assert store.check_availability("CAP-1").to_dict()["stock"] is None


def test_gmc_xml_rss(store: CatalogStore, tmp_path: Path) -> None:
    xml = """<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Feed</title>
<item><g:id>TNT-2</g:id><title>Ridge Tent 2P</title><description>Two-person tent &amp; fly</description>
<g:price>199.00 USD</g:price><g:availability>in stock</g:availability><g:brand>Ridge</g:brand>
<g:item_group_id>TNT</g:item_group_id><g:size>2-person</g:size></item>
<item><g:id>TNT-4</g:id><title>Ridge Tent 4P</title><g:price>279.00 USD</g:price>
<g:availability>out of stock</g:availability><g:item_group_id>TNT</g:item_group_id><g:size>4-person</g:size></item>
<item><g:id>BAD</g:id><title>Broken</title><g:price>free</g:price><g:availability>in stock</g:availability></item>
</channel></rss>"""
    f = write(tmp_path / "feed.xml", xml)
    with pytest.raises(CatalogImportError) as info:
        import_file(store, f)
    assert [(b.row, b.field) for b in info.value.report.bad_rows] == [(3, "price")]
    import_file(store, f, skip_bad=True)
    tent = store.get_product("TNT")
    assert tent is not None and [v.price for v in tent.variants] == [Decimal("199.00"), Decimal("279.00")]
    assert tent.description == "Two-person tent & fly"
    assert store.check_availability("TNT", size="4-person").in_stock is False


def test_generic_json_with_dotted_map_and_jsonl(store: CatalogStore, tmp_path: Path) -> None:
    data = {
        "items": [
            {
                "code": "k1",
                "name": "Kettle",
                "info": {"maker": "Boil"},
                "offer": {"amount": "30.5"},
                "skus": [{"ref": "k1-w", "attrs": {"color": "White"}, "qty": 3}],
            }
        ]
    }
    f = write(tmp_path / "feed.json", json.dumps(data))
    maps = [
        "id=code",
        "title=name",
        "brand=info.maker",
        "price=offer.amount",
        "variants=skus",
        "variant.sku=ref",
        "variant.options.color=attrs.color",
        "variant.stock=qty",
    ]
    assert (
        cli_main(
            ["catalog", "import", str(f), "--db", store.path, "--no-progress", *[a for m in maps for a in ("--map", m)]]
        )
        == 0
    )
    store2 = CatalogStore.open(store.path)
    k = store2.get_product("k1")
    assert k is not None and k.brand == "Boil" and k.price == Decimal("30.50")
    assert (k.variants[0].sku, k.variants[0].options, k.variants[0].stock) == ("k1-w", {"color": "White"}, 3)
    lines = '{"id": "j1", "title": "Jar", "price": 4}\nnot json\n{"id": "j2", "title": "", "price": 4}\n'
    with pytest.raises(CatalogImportError) as info:
        import_file(store2, write(tmp_path / "f.jsonl", lines))
    assert [(b.row, b.field) for b in info.value.report.bad_rows] == [(2, "line"), (3, "title")]
    store2.close()


def test_generic_csv_rows_with_same_id_are_variants(store: CatalogStore, tmp_path: Path) -> None:
    csv_text = (
        "id,title,brand,price,sku,size,color,stock\n"
        "hat,Bucket Hat,Sunny,25,hat-s,S,Tan,2\nhat,Bucket Hat,Sunny,27,hat-l,L,Tan,0\n"
    )
    import_file(store, write(tmp_path / "hats.csv", csv_text))
    hat = store.get_product("hat")
    assert hat is not None and [v.sku for v in hat.variants] == ["hat-s", "hat-l"] and hat.price == Decimal("25.00")


def test_orders_and_policies_import(store: CatalogStore, tmp_path: Path) -> None:
    orders = [
        {
            "id": "b-77",
            "status": "Shipped",
            "carrier": "UPS",
            "estimated_delivery": "2025-07-01",
            "destination_country": "de",
            "items": [{"title": "Kettle", "quantity": 2, "unit_price": "30.00"}],
        },
        {"id": "B78", "status": "delivered", "estimated_delivery": "next week"},
    ]
    f = write(tmp_path / "orders.json", json.dumps(orders))
    with pytest.raises(CatalogImportError) as info:
        import_file(store, f, kind="orders")
    assert [(b.row, b.field) for b in info.value.report.bad_rows] == [(2, "estimated_delivery")]
    import_file(store, f, kind="orders", skip_bad=True)
    order = store.get_order("b seventy seven")
    assert order is not None and order.id == "B77" and order.total == Decimal("60.00")
    assert order.destination_country == "DE"
    pol = "topic,country,title,text,fee,days_min,days_max\nshipping,FR,To France,Ships in 3-5 days,7.50,3,5\n"
    import_file(store, write(tmp_path / "pol.csv", pol), kind="policies")
    p = store.get_policy("delivery", "France")
    assert p is not None and p.fee == Decimal("7.50") and p.days_max == 5
