"""Shopify product CSV export -> canonical rows (one product spans several rows sharing a Handle).

The first row of a handle carries Title/Body/Vendor/Type/Tags and the option names; following rows carry
only option values and Variant * columns; rows with just an Image Src are extra images and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalog.importers.csv_import import read_table
from catalog.importers.errors import BadRow
from catalog.importers.pipeline import RawRow

# canonical field -> Shopify column, so bad-row reports use the names the merchant sees in the file
SOURCE_FIELDS = {
    "id": "Handle",
    "title": "Title",
    "price": "Variant Price",
    "variant.price": "Variant Price",
    "variant.stock": "Variant Inventory Qty",
    "variant.compare_at_price": "Variant Compare At Price",
    "compare_at_price": "Variant Compare At Price",
    "variant.sku": "Variant SKU",
    "sku": "Variant SKU",
    "description": "Body (HTML)",
    "brand": "Vendor",
    "category": "Type",
    "tags": "Tags",
}
_STOCK_COLUMNS = ("Variant Inventory Qty", "Inventory Qty", "Inventory quantity")
_TYPE_COLUMNS = ("Type", "Product Type", "Product Category")


def _first(row: dict[str, str], names: tuple[str, ...]) -> str:
    return next((row[n].strip() for n in names if (row.get(n) or "").strip()), "")


def _is_variant_row(row: dict[str, str]) -> bool:
    keys = ("Variant SKU", "Variant Price", "Option1 Value", *_STOCK_COLUMNS)
    return any((row.get(k) or "").strip() for k in keys)


def read_shopify(path: str | Path) -> tuple[Iterator[RawRow], int]:
    records, header = read_table(path)
    if "Handle" not in header:
        return iter([(1, BadRow(1, "Handle", "not a Shopify product export (no Handle column)"))]), 1
    products: dict[str, dict[str, Any]] = {}
    order: list[tuple[int, dict[str, Any] | BadRow]] = []
    option_names: dict[str, list[str]] = {}
    for line, row in records:
        handle = (row.get("Handle") or "").strip()
        if not handle:
            order.append((line, BadRow(line, "Handle", "missing")))
            continue
        title = (row.get("Title") or "").strip()
        product = products.get(handle)
        if product is not None and title:
            first = product["_variant_rows"][0] if product["_variant_rows"] else product["_line"]
            order.append(
                (line, BadRow(line, "Handle", f"duplicate product {handle!r} (first seen on line {first})", handle))
            )
            continue
        if product is None:
            product = {
                "id": handle,
                "title": title,
                "description": row.get("Body (HTML)", ""),
                "brand": row.get("Vendor", ""),
                "category": _first(row, _TYPE_COLUMNS),
                "tags": row.get("Tags", ""),
                "image_url": row.get("Image Src", ""),
                "currency": "USD",
                "variants": [],
                "_variant_rows": [],
                "_line": line,
                "_source_fields": SOURCE_FIELDS,
            }
            option_names[handle] = [(row.get(f"Option{i} Name") or "").strip() for i in (1, 2, 3)]
            products[handle] = product
            order.append((line, product))
        if not _is_variant_row(row):
            continue
        options = {}
        for i, name in enumerate(option_names[handle], start=1):
            value = (row.get(f"Option{i} Value") or "").strip()
            if name and value and not (name == "Title" and value == "Default Title"):
                options[name.lower()] = value
        product["variants"].append(
            {
                "sku": (row.get("Variant SKU") or "").strip(),
                "options": options,
                "price": row.get("Variant Price", ""),
                "stock": _first(row, _STOCK_COLUMNS) or 0,
                "compare_at_price": row.get("Variant Compare At Price", ""),
                "gtin": row.get("Variant Barcode", ""),
            }
        )
        product["_variant_rows"].append(line)
    for _, product in order:
        # A product row without any variant data still needs a price: report it against Variant Price.
        if isinstance(product, dict) and not product["variants"]:
            product["variants"].append({"price": "", "options": {}})
            product["_variant_rows"].append(product["_line"])
    return iter(order), len(order)
