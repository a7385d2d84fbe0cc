"""Google Merchant Center feeds (TSV or XML/RSS 2.0 / Atom with the g: namespace) -> canonical rows.

Each feed item is one variant; items sharing item_group_id become one product whose id is the group id.
Prices look like "19.99 USD"; sale_price, when present, is the price and price the compare-at price.
Feeds say only "in stock"/"out of stock": without a quantity column the count is unknown (stock_exact=False).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from catalog.importers.csv_import import decode, read_table
from catalog.importers.errors import BadRow
from catalog.importers.pipeline import RawRow
from catalog.importers.records import FieldError, parse_price

G_NS = "http://base.google.com/ns/1.0"
SOURCE_FIELDS = {
    "id": "id",
    "variant.price": "price",
    "price": "price",
    "variant.sku": "id",
    "variant.stock": "quantity",
    "title": "title",
    "description": "description",
}
_IN_STOCK = {"in stock", "in_stock", "available for order", "preorder", "backorder"}


def _item_to_variant(item: Mapping[str, str]) -> dict[str, Any]:
    options = {k: item[k].strip() for k in ("color", "size", "material", "pattern") if (item.get(k) or "").strip()}
    price, sale = (item.get("price") or "").strip(), (item.get("sale_price") or "").strip()
    availability = (item.get("availability") or "").strip().lower().replace("_", " ")
    quantity = (item.get("quantity") or item.get("sell_on_google_quantity") or "").strip()
    in_stock = availability in _IN_STOCK
    return {
        "sku": (item.get("id") or "").strip(),
        "options": options,
        "price": sale or price,
        "compare_at_price": price if sale else "",
        "gtin": item.get("gtin", ""),
        "stock": quantity if quantity else (1 if in_stock else 0),
        "stock_exact": bool(quantity) or not in_stock,
    }


def _currency_of(item: Mapping[str, str]) -> str | None:
    try:
        return parse_price(item.get("sale_price") or item.get("price") or "")[1]
    except FieldError:
        return None


def group_items(items: list[tuple[int, dict[str, str]]]) -> tuple[Iterator[RawRow], int]:
    """Merge items into products by item_group_id (or their own id when ungrouped)."""
    products: dict[str, dict[str, Any]] = {}
    out: list[RawRow] = []
    seen_ids: dict[str, int] = {}
    for line, item in items:
        item_id = (item.get("id") or "").strip()
        if item_id and item_id in seen_ids:
            out.append(
                (line, BadRow(line, "id", f"duplicate id {item_id!r} (first seen at {seen_ids[item_id]})", item_id))
            )
            continue
        if item_id:
            seen_ids[item_id] = line
        group = (item.get("item_group_id") or "").strip() or item_id
        product = products.get(group) if group else None
        if product is None:
            product = {
                "id": group,
                "title": item.get("title", ""),
                "description": item.get("description", ""),
                "brand": item.get("brand", ""),
                "category": item.get("product_type") or item.get("google_product_category", ""),
                "image_url": item.get("image_link", ""),
                "currency": _currency_of(item),
                "tags": [t for t in (item.get("product_type") or "").split(">") if t.strip()],
                "variants": [],
                "_variant_rows": [],
                "_source_fields": SOURCE_FIELDS,
            }
            if group:
                products[group] = product
            out.append((line, product))
        product["variants"].append(_item_to_variant(item))
        product["_variant_rows"].append(line)
    return iter(out), len(out)


def read_gmc_tsv(path: str | Path) -> tuple[Iterator[RawRow], int]:
    records, header = read_table(path, delimiter="\t")
    if "id" not in header:
        return iter([(1, BadRow(1, "id", "not a Merchant Center feed (no id column)"))]), 1
    return group_items(records)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_gmc_xml(path: str | Path) -> tuple[Iterator[RawRow], int]:
    """RSS <item> or Atom <entry> elements; the row number is the item's position in the feed (1-based)."""
    text = decode(Path(path).read_bytes())
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else 1
        return iter([(line, BadRow(line, "file", f"invalid XML: {err}"))]), 1
    except RecursionError:
        return iter([(1, BadRow(1, "file", "invalid XML: nested too deeply"))]), 1
    items: list[tuple[int, dict[str, str]]] = []
    for n, el in enumerate((e for e in root.iter() if _local(e.tag) in ("item", "entry")), start=1):
        fields: dict[str, str] = {}
        for child in el:
            name = _local(child.tag)
            if name == "link" and child.get("href"):  # Atom links carry the URL in an attribute
                fields.setdefault("link", child.get("href", ""))
            elif len(child) == 0:
                fields.setdefault(name, (child.text or "").strip())
        items.append((n, fields))
    return group_items(items)
