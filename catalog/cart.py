"""Per-session shopping carts, in memory. Prices and stock are re-read from the catalog on every view,
so a cart never states a price the catalog no longer has."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.models import Product, Variant


@dataclass(frozen=True)
class CartLine:
    sku: str
    product_id: str
    title: str
    options: dict[str, str]
    quantity: int
    unit_price: Decimal
    currency: str
    in_stock: bool
    stock: int | None  # None: the feed gave no count

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    def to_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "product_id": self.product_id,
            "title": self.title,
            "options": dict(self.options),
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "line_total": str(self.line_total),
            "currency": self.currency,
            "in_stock": self.in_stock,
            "stock": self.stock,
        }


@dataclass(frozen=True)
class Cart:
    session_id: str
    lines: tuple[CartLine, ...] = ()
    message: str = ""  # what just happened ("added", "only 2 left", ...), for the reply

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    @property
    def currency(self) -> str:
        return self.lines[0].currency if self.lines else "USD"

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "lines": [line.to_dict() for line in self.lines],
            "item_count": self.item_count,
            "subtotal": str(self.subtotal),
            "currency": self.currency,
            "message": self.message,
        }


@dataclass
class _Entry:
    sku: str
    product_id: str
    quantity: int


@dataclass
class CartStore:
    """session id -> {sku: entry}; the only mutable state the catalog tools keep."""

    _carts: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def quantity(self, session_id: str, sku: str) -> int:
        with self._lock:
            entry = self._carts.get(session_id, {}).get(sku)
            return entry.quantity if entry else 0

    def set(self, session_id: str, product_id: str, sku: str, quantity: int) -> None:
        with self._lock:
            cart = self._carts.setdefault(session_id, {})
            if quantity <= 0:
                cart.pop(sku, None)
            else:
                cart[sku] = _Entry(sku, product_id, quantity)

    def entries(self, session_id: str) -> list[tuple[str, str, int]]:
        with self._lock:
            return [(e.product_id, e.sku, e.quantity) for e in self._carts.get(session_id, {}).values()]

    def clear(self, session_id: str) -> None:
        with self._lock:
            self._carts.pop(session_id, None)


def cart_line(product: Product, variant: Variant, quantity: int) -> CartLine:
    return CartLine(
        sku=variant.sku,
        product_id=product.id,
        title=product.title,
        options=dict(variant.options),
        quantity=quantity,
        unit_price=variant.price,
        currency=product.currency,
        in_stock=variant.stock >= quantity if variant.stock_exact else variant.stock > 0,
        stock=variant.stock if variant.stock_exact else None,
    )
