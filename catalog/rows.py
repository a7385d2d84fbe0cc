"""Mapping between typed records and SQLite rows (the only place that knows column order)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date, datetime
from decimal import Decimal

from catalog.models import Order, OrderItem, Policy, Product, Variant

PRODUCT_COLUMNS = (
    "id, title, brand, category, description, tags, price, price_num, currency, "
    "compare_at_price, rating, rating_count, shipping_info, warranty, return_policy, "
    "image_url, total_stock, updated_at"
)
_COLOR_KEYS = ("color", "colour", "shade", "color name", "farbe", "couleur")
_SIZE_KEYS = ("size", "talla", "taille", "shoe size", "ring size")


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def product_row(p: Product) -> tuple[object, ...]:
    return (
        p.id,
        p.title,
        p.brand,
        p.category,
        p.description,
        json.dumps(list(p.tags), ensure_ascii=False),
        str(p.price),
        float(p.price),
        p.currency,
        _str(p.compare_at_price),
        p.rating,
        p.rating_count,
        p.shipping_info,
        p.warranty,
        p.return_policy,
        p.image_url,
        p.total_stock,
        time.time(),
    )


def variant_rows(p: Product) -> list[tuple[object, ...]]:
    rows = []
    for pos, v in enumerate(p.variants):
        color = next((v.options[k] for k in _COLOR_KEYS if k in v.options), None)
        size = next((v.options[k] for k in _SIZE_KEYS if k in v.options), None)
        rows.append(
            (
                v.sku,
                p.id,
                pos,
                json.dumps(v.options, ensure_ascii=False),
                color,
                size,
                v.options.get("material"),
                str(v.price),
                float(v.price),
                _str(v.compare_at_price),
                v.stock,
                v.gtin,
                int(v.stock_exact),
            )
        )
    return rows


def fts_row(p: Product) -> tuple[str, str, str, str, str]:
    # Option values (colours, shades, materials) are searchable too: "red dress", "rose gold watch".
    options = " ".join(sorted({val for v in p.variants for val in v.options.values()}))
    return (p.title, p.brand, p.category, " ".join(p.tags) + " " + options, p.description)


def variant_from_row(row: sqlite3.Row) -> Variant:
    return Variant(
        sku=row["sku"],
        options=json.loads(row["options"]),
        price=Decimal(row["price"]),
        stock=row["stock"],
        compare_at_price=_dec(row["compare_at_price"]),
        gtin=row["gtin"],
        stock_exact=bool(row["stock_exact"]),
    )


def product_from_row(row: sqlite3.Row, variants: list[Variant]) -> Product:
    return Product(
        id=row["id"],
        title=row["title"],
        price=Decimal(row["price"]),
        currency=row["currency"],
        brand=row["brand"],
        category=row["category"],
        description=row["description"],
        tags=tuple(json.loads(row["tags"])),
        compare_at_price=_dec(row["compare_at_price"]),
        rating=row["rating"],
        rating_count=row["rating_count"],
        shipping_info=row["shipping_info"],
        warranty=row["warranty"],
        return_policy=row["return_policy"],
        image_url=row["image_url"],
        variants=tuple(variants),
    )


def order_row(o: Order) -> tuple[object, ...]:
    return (
        o.id,
        o.status,
        json.dumps([i.to_dict() for i in o.items], ensure_ascii=False),
        o.currency,
        str(o.total),
        o.carrier,
        o.tracking_number,
        o.estimated_delivery.isoformat() if o.estimated_delivery else None,
        o.destination_country,
        o.placed_at.isoformat() if o.placed_at else None,
        time.time(),
    )


def order_from_row(row: sqlite3.Row) -> Order:
    items = tuple(
        OrderItem(
            title=i["title"],
            quantity=i["quantity"],
            unit_price=Decimal(i["unit_price"]),
            product_id=i.get("product_id", ""),
            sku=i.get("sku", ""),
        )
        for i in json.loads(row["items"])
    )
    eta = row["estimated_delivery"]
    placed = row["placed_at"]
    return Order(
        id=row["id"],
        status=row["status"],
        items=items,
        currency=row["currency"],
        total=Decimal(row["total"]),
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        estimated_delivery=date.fromisoformat(eta) if eta else None,
        destination_country=row["destination_country"],
        placed_at=datetime.fromisoformat(placed) if placed else None,
    )


def policy_row(p: Policy) -> tuple[object, ...]:
    return (p.topic, p.country, p.title, p.text, _str(p.fee), p.currency, _str(p.free_over), p.days_min, p.days_max)


def policy_from_row(row: sqlite3.Row) -> Policy:
    return Policy(
        topic=row["topic"],
        country=row["country"],
        title=row["title"],
        text=row["text"],
        fee=_dec(row["fee"]),
        currency=row["currency"],
        free_over=_dec(row["free_over"]),
        days_min=row["days_min"],
        days_max=row["days_max"],
    )
