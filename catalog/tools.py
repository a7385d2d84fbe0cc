"""The catalog tools the dialogue calls: typed methods, plus `call(name, args)` for LLM tool calls.

Typed methods raise ToolError for requests that cannot be met (unknown product, sold-out size, ...);
`call` turns every outcome into a JSON-ready dict with "ok", so an LLM loop never sees an exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from catalog.cart import Cart, CartStore, cart_line
from catalog.countries import normalize_country, normalize_topic
from catalog.models import Availability, Product, Variant
from catalog.order_ids import normalize_order_id
from catalog.query import SearchFilters
from catalog.store import CatalogStore
from catalog.tool_results import Comparison, OrderStatus, PolicyAnswer, ProductDetails, SearchResults, ToolError
from catalog.tool_schemas import TOOL_SCHEMAS
from catalog.variants import match_variants

log = logging.getLogger(__name__)
MAX_QUANTITY = 20  # one cart line at most this many units


class CatalogTools:
    def __init__(self, store: CatalogStore, carts: CartStore | None = None) -> None:
        self.store = store
        self.carts = carts or CartStore()

    # ---- catalog -----------------------------------------------------------------------------------------
    def search_products(
        self,
        query: str = "",
        limit: int = 5,
        *,
        min_price: float | str | None = None,
        max_price: float | str | None = None,
        currency: str | None = None,
        brand: str | None = None,
        category: str | None = None,
        color: str | None = None,
        size: str | None = None,
        in_stock: bool | None = None,
        min_rating: float | None = None,
        sort: str = "relevance",
    ) -> SearchResults:
        given = {
            "min_price": min_price,
            "max_price": max_price,
            "currency": currency,
            "brand": brand,
            "category": category,
            "color": color,
            "size": size,
            "in_stock": in_stock,
            "min_rating": min_rating,
            "sort": sort,
        }
        try:
            spec = SearchFilters.from_kwargs(**given)
        except ValueError as err:
            raise ToolError(str(err)) from None
        hits = self.store.search(query, limit=max(1, min(int(limit), 10)), filters=spec)
        used = {k: v for k, v in given.items() if v not in (None, "", False) and not (k == "sort" and v == "relevance")}
        return SearchResults(query=query, filters=used, hits=tuple(hits))

    def get_product(self, product_id: str) -> ProductDetails:
        return ProductDetails(product_id, self.store.get_product(product_id))

    def check_availability(self, product_id: str, size: str | None = None, color: str | None = None) -> Availability:
        result = self.store.check_availability(product_id, size=size, color=color)
        if not result.found:
            raise ToolError(f"no product with id {product_id!r}", product_id=product_id)
        return result

    def compare_products(self, product_ids: list[str]) -> Comparison:
        ids = [str(i) for i in product_ids][:5]
        if len(ids) < 2:
            raise ToolError("give at least two product ids to compare")
        found = self.store.get_products(ids)
        known = {p.id for p in found}
        return Comparison(products=tuple(found), missing=tuple(i for i in ids if i not in known))

    # ---- cart --------------------------------------------------------------------------------------------
    def add_to_cart(
        self,
        session_id: str,
        product_id: str,
        quantity: int = 1,
        size: str | None = None,
        color: str | None = None,
        sku: str | None = None,
    ) -> Cart:
        product = self._product(product_id)
        variant = self._pick_variant(product, size=size, color=color, sku=sku)
        quantity = int(quantity)
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ToolError(f"quantity must be between 1 and {MAX_QUANTITY}", quantity=quantity)
        wanted = self.carts.quantity(session_id, variant.sku) + quantity
        if variant.stock <= 0:
            avail = match_variants(product, size=size, color=color)
            raise ToolError(
                f"{product.title} ({_describe(variant)}) is out of stock",
                sku=variant.sku,
                stock=0,
                available_sizes=list(avail.available_sizes),
                available_colors=list(avail.available_colors),
            )
        if variant.stock_exact and wanted > variant.stock:
            raise ToolError(
                f"only {variant.stock} of {product.title} ({_describe(variant)}) in stock",
                sku=variant.sku,
                stock=variant.stock,
                already_in_cart=wanted - quantity,
            )
        self.carts.set(session_id, product.id, variant.sku, wanted)
        return self.view_cart(session_id, message=f"added {quantity} x {product.title} ({_describe(variant)})")

    def view_cart(self, session_id: str, message: str = "") -> Cart:
        entries = self.carts.entries(session_id)
        products = {p.id: p for p in self.store.get_products([pid for pid, _, _ in entries])}
        lines = []
        for pid, sku, qty in entries:
            product = products.get(pid)
            variant = next((v for v in product.variants if v.sku == sku), None) if product else None
            if product is None or variant is None:
                self.carts.set(session_id, pid, sku, 0)  # the catalog dropped it: so does the cart
                message = (message + "; " if message else "") + f"{sku} is no longer sold and was removed"
                continue
            lines.append(cart_line(product, variant, qty))
        return Cart(session_id=session_id, lines=tuple(lines), message=message)

    def remove_from_cart(
        self, session_id: str, product_id: str | None = None, sku: str | None = None, quantity: int | None = None
    ) -> Cart:
        entries = self.carts.entries(session_id)
        targets = [(pid, s, q) for pid, s, q in entries if (sku and s == sku) or (not sku and pid == product_id)]
        if not targets:
            raise ToolError("that item is not in the cart", cart=[s for _, s, _ in entries])
        removed = 0
        for pid, s, q in targets:
            new_qty = 0 if quantity is None else max(q - int(quantity), 0)
            removed += q - new_qty
            self.carts.set(session_id, pid, s, new_qty)
        return self.view_cart(session_id, message=f"removed {removed} item(s)")

    # ---- orders and policies --------------------------------------------------------------------------------
    def get_order_status(self, order_id: str) -> OrderStatus:
        return OrderStatus(
            query=order_id, order=self.store.get_order(order_id), normalized_id=normalize_order_id(order_id)
        )

    def get_policy(self, topic: str, country: str | None = None) -> PolicyAnswer:
        key = normalize_topic(topic) or topic
        return PolicyAnswer(topic=key, country=normalize_country(country), policy=self.store.get_policy(topic, country))

    # ---- helpers -----------------------------------------------------------------------------------------
    def _product(self, product_id: str) -> Product:
        product = self.store.get_product(product_id)
        if product is None:
            raise ToolError(f"no product with id {product_id!r}", product_id=product_id)
        return product

    @staticmethod
    def _pick_variant(product: Product, size: str | None, color: str | None, sku: str | None) -> Variant:
        if sku:
            found = next((v for v in product.variants if v.sku == sku), None)
            if found is None:
                raise ToolError(f"{product.title} has no SKU {sku!r}", skus=[v.sku for v in product.variants])
            return found
        avail = match_variants(product, size=size, color=color)
        matching = [v for v in product.variants if v.sku in avail.matching_skus]
        if not matching:
            raise ToolError(
                f"{product.title} does not come in {_asked(size, color)}",
                sizes=product.option_values("size"),
                colors=product.option_values("color"),
            )
        if len(matching) > 1:
            missing = [
                name
                for name in ("size", "color", "shade")
                if len(product.option_values(name)) > 1
                and not (name == "size" and size)
                and not (name in ("color", "shade") and color)
            ]
            if missing:
                raise ToolError(
                    f"which {' and '.join(missing)}?", **{f"{m}_options": product.option_values(m) for m in missing}
                )
        in_stock = [v for v in matching if v.stock > 0]
        return (in_stock or matching)[0]

    # ---- LLM entry point -------------------------------------------------------------------------------------
    def call(self, name: str, arguments: dict[str, Any] | str | None = None, *, session_id: str = "") -> dict[str, Any]:
        """Run a tool by name with JSON arguments; always returns a JSON-ready dict with an "ok" key."""
        handlers: dict[str, Callable[..., Any]] = {
            "search_products": self.search_products,
            "get_product": self.get_product,
            "check_availability": self.check_availability,
            "compare_products": self.compare_products,
            "get_order_status": self.get_order_status,
            "get_policy": self.get_policy,
            "add_to_cart": lambda **kw: self.add_to_cart(session_id, **kw),
            "view_cart": lambda **kw: self.view_cart(session_id, **kw),
            "remove_from_cart": lambda **kw: self.remove_from_cart(session_id, **kw),
        }
        if name not in handlers:
            return {"ok": False, "error": f"unknown tool {name!r}", "tools": sorted(handlers)}
        try:
            args = json.loads(arguments) if isinstance(arguments, str) else dict(arguments or {})
        except (json.JSONDecodeError, TypeError, ValueError):
            return {"ok": False, "error": "arguments must be a JSON object"}
        allowed = set(TOOL_SCHEMAS_BY_NAME[name]["function"]["parameters"]["properties"])
        unknown = sorted(set(args) - allowed)
        args = {k: v for k, v in args.items() if k in allowed and v is not None}
        try:
            result = handlers[name](**args)
        except ToolError as err:
            return err.to_dict()
        except (TypeError, ValueError) as err:
            return {"ok": False, "error": f"bad arguments for {name}: {err}"}
        out = result.to_dict()
        out.setdefault("ok", True)
        if unknown:
            out["ignored_arguments"] = unknown
        return out


TOOL_SCHEMAS_BY_NAME = {s["function"]["name"]: s for s in TOOL_SCHEMAS}


def _describe(v: Variant) -> str:
    return ", ".join(v.options.values()) or v.sku


def _asked(size: str | None, color: str | None) -> str:
    return " / ".join(x for x in (f"size {size}" if size else "", color or "") if x) or "that option"
