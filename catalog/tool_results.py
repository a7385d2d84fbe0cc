"""Typed results of the catalog tools. Each to_dict() holds exactly the facts a reply may state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.models import Order, Policy, Product, SearchHit

ORDER_STATUS_TEXT = {
    "pending": "received, waiting for payment confirmation",
    "processing": "being prepared in our warehouse",
    "shipped": "shipped",
    "in_transit": "on its way",
    "out_for_delivery": "out for delivery today",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned to us",
    "refunded": "refunded",
    "delayed": "delayed in transit",
}


class ToolError(Exception):
    """A request the catalog cannot satisfy as asked; `facts` say what would work instead."""

    def __init__(self, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.message = message
        self.facts = facts

    def to_dict(self) -> dict[str, Any]:
        return {"ok": False, "error": self.message, **self.facts}


def _compact(p: Product) -> dict[str, Any]:
    """Product facts for lists (no per-variant rows)."""
    d = p.to_dict(with_variants=False)
    d.pop("description", None)
    d.pop("tags", None)
    d["summary"] = p.description.split("\n")[0][:200]
    return d


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: dict[str, Any]
    hits: tuple[SearchHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "query": self.query,
            "filters": self.filters,
            "count": len(self.hits),
            "products": [{"score": round(h.score, 3), **_compact(h.product)} for h in self.hits],
        }


@dataclass(frozen=True)
class ProductDetails:
    product_id: str
    product: Product | None

    def to_dict(self) -> dict[str, Any]:
        if self.product is None:
            return {"ok": False, "error": f"no product with id {self.product_id!r}", "product_id": self.product_id}
        return {"ok": True, "product": self.product.to_dict(with_variants=True)}


@dataclass(frozen=True)
class Comparison:
    products: tuple[Product, ...]
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        items = [_compact(p) for p in self.products]
        rated = [p for p in self.products if p.rating is not None]
        return {
            "ok": bool(self.products),
            "products": items,
            "missing": list(self.missing),
            "cheapest": min(self.products, key=lambda p: p.price).id if self.products else None,
            "best_rated": max(rated, key=lambda p: (p.rating, p.rating_count)).id if rated else None,
            "currency": self.products[0].currency if self.products else None,
        }


@dataclass(frozen=True)
class OrderStatus:
    query: str
    order: Order | None
    normalized_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.order is None:
            return {"ok": False, "error": f"no order found for {self.query!r}", "normalized_id": self.normalized_id}
        d = self.order.to_dict()
        d["status_text"] = ORDER_STATUS_TEXT.get(self.order.status, self.order.status.replace("_", " "))
        return {"ok": True, "order": d}


@dataclass(frozen=True)
class PolicyAnswer:
    topic: str
    country: str | None
    policy: Policy | None
    topics: tuple[str, ...] = field(default=("shipping", "returns", "payment", "warranty"))

    def to_dict(self) -> dict[str, Any]:
        if self.policy is None:
            return {"ok": False, "error": f"no policy for topic {self.topic!r}", "known_topics": list(self.topics)}
        d = self.policy.to_dict()
        # Tell the reply whether the answer is country-specific or the store-wide default.
        d["applies_to"] = "default for all other countries" if self.policy.country == "*" else self.policy.country
        return {"ok": True, "policy": d, "asked_country": self.country}
