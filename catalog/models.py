"""Typed catalog records: what the store holds and what the tools return.

Prices are Decimal end to end: a spoken price must equal the stored one to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Variant:
    """One buyable version of a product (its own SKU, price and stock)."""

    sku: str
    options: dict[str, str] = field(default_factory=dict)  # e.g. {"size": "M", "color": "Red"}
    price: Decimal = Decimal("0")
    stock: int = 0
    compare_at_price: Decimal | None = None
    gtin: str | None = None
    stock_exact: bool = True  # False: the feed only said "in stock"; stock is 1 or 0, not a count to quote

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def option(self, name: str) -> str | None:
        return self.options.get(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "options": dict(self.options),
            "price": str(self.price),
            "stock": self.stock if self.stock_exact else None,
            "in_stock": self.in_stock,
            "compare_at_price": None if self.compare_at_price is None else str(self.compare_at_price),
        }


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    price: Decimal  # the lowest variant price ("from" price) or the single price
    currency: str = "USD"
    brand: str = ""
    category: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    compare_at_price: Decimal | None = None  # list price before discount
    rating: float | None = None
    rating_count: int = 0
    shipping_info: str = ""
    warranty: str = ""
    return_policy: str = ""
    image_url: str = ""
    variants: tuple[Variant, ...] = ()

    @property
    def discount_percent(self) -> int | None:
        """Whole-percent discount off compare_at_price, None when not discounted."""
        if self.compare_at_price is None or self.compare_at_price <= self.price or self.compare_at_price <= 0:
            return None
        return int(((self.compare_at_price - self.price) / self.compare_at_price * 100).to_integral_value())

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants)

    @property
    def in_stock(self) -> bool:
        return self.total_stock > 0

    def option_values(self, name: str) -> list[str]:
        """Distinct values of one option (e.g. all sizes) in catalog order."""
        seen: dict[str, None] = {}
        for v in self.variants:
            value = v.options.get(name)
            if value:
                seen.setdefault(value, None)
        return list(seen)

    def to_dict(self, with_variants: bool = True) -> dict[str, Any]:
        """JSON-ready facts a reply may state (strings for money keep cents exact)."""
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "brand": self.brand,
            "category": self.category,
            "price": str(self.price),
            "currency": self.currency,
            "compare_at_price": None if self.compare_at_price is None else str(self.compare_at_price),
            "discount_percent": self.discount_percent,
            "rating": self.rating,
            "rating_count": self.rating_count,
            "in_stock": self.in_stock,
            "total_stock": self.total_stock if all(v.stock_exact for v in self.variants) else None,
            "tags": list(self.tags),
            "description": self.description,
            "shipping_info": self.shipping_info,
            "warranty": self.warranty,
            "return_policy": self.return_policy,
            "options": {k: self.option_values(k) for k in _option_names(self.variants)},
        }
        if with_variants:
            out["variants"] = [v.to_dict() for v in self.variants]
        return out


def _option_names(variants: tuple[Variant, ...]) -> list[str]:
    names: dict[str, None] = {}
    for v in variants:
        for k in v.options:
            names.setdefault(k, None)
    return list(names)


@dataclass(frozen=True)
class OrderItem:
    title: str
    quantity: int
    unit_price: Decimal
    product_id: str = ""
    sku: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "product_id": self.product_id,
            "sku": self.sku,
        }


ORDER_STATUSES = (
    "pending",
    "processing",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
    "refunded",
    "delayed",
)


@dataclass(frozen=True)
class Order:
    id: str
    status: str
    items: tuple[OrderItem, ...] = ()
    currency: str = "USD"
    total: Decimal = Decimal("0")
    carrier: str = ""
    tracking_number: str = ""
    estimated_delivery: date | None = None
    destination_country: str = ""  # ISO 3166-1 alpha-2
    placed_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "items": [i.to_dict() for i in self.items],
            "currency": self.currency,
            "total": str(self.total),
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "estimated_delivery": self.estimated_delivery.isoformat() if self.estimated_delivery else None,
            "destination_country": self.destination_country,
            "placed_at": self.placed_at.isoformat() if self.placed_at else None,
        }


POLICY_TOPICS = ("shipping", "returns", "payment", "warranty")


@dataclass(frozen=True)
class Policy:
    """A store policy for one topic, either for one destination country or the default ("*")."""

    topic: str
    country: str  # ISO alpha-2, or "*" for the default that applies everywhere else
    title: str
    text: str
    fee: Decimal | None = None  # e.g. shipping cost or restocking fee
    currency: str = "USD"
    free_over: Decimal | None = None  # e.g. free shipping above this order value
    days_min: int | None = None  # delivery days, or the return window in days_max
    days_max: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "country": self.country,
            "title": self.title,
            "text": self.text,
            "fee": None if self.fee is None else str(self.fee),
            "currency": self.currency,
            "free_over": None if self.free_over is None else str(self.free_over),
            "days_min": self.days_min,
            "days_max": self.days_max,
        }


@dataclass(frozen=True)
class SearchHit:
    product: Product
    score: float

    def to_dict(self, with_variants: bool = False) -> dict[str, Any]:
        return {"score": round(self.score, 4), **self.product.to_dict(with_variants=with_variants)}


@dataclass(frozen=True)
class Availability:
    """Stock of the variant(s) matching a requested size/colour."""

    product_id: str
    title: str
    found: bool  # False when the product id is unknown
    in_stock: bool
    stock: int  # summed over matching variants
    currency: str = "USD"
    stock_exact: bool = True  # False: only "in stock / out of stock" is known, not how many
    price: Decimal | None = None
    size: str | None = None
    color: str | None = None
    matching_skus: tuple[str, ...] = ()
    variant_exists: bool = True  # False when no variant has the requested size/colour
    available_sizes: tuple[str, ...] = ()  # sizes in stock (for the asked colour if given)
    available_colors: tuple[str, ...] = ()  # colours in stock (for the asked size if given)

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "title": self.title,
            "found": self.found,
            "in_stock": self.in_stock,
            "stock": self.stock if self.stock_exact else None,
            "price": None if self.price is None else str(self.price),
            "currency": self.currency,
            "size": self.size,
            "color": self.color,
            "matching_skus": list(self.matching_skus),
            "variant_exists": self.variant_exists,
            "available_sizes": list(self.available_sizes),
            "available_colors": list(self.available_colors),
        }
