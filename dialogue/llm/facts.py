"""The facts a model may state this turn: catalog products and policies written as short lines (prices in the
shopper's language, stock per option), and every value in them, which the grounding check reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.models import Policy, Product
from dialogue.grounding import format_price, format_rating
from dialogue.llm.guard import money_amounts, parse_amount

_DESCRIPTION_CHARS = 80  # every fact token costs prefill time before the first word
ONE_PRODUCT_DESCRIPTION_CHARS = 320  # a question about one product gets its whole description
_OPTIONS_LISTED = 4


@dataclass
class FactSheet:
    lines: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # the grounding check allows the numbers in these
    prices: set[Decimal] = field(default_factory=set)  # and these amounts of money

    def add_product(self, product: Product, language: str, detailed: bool = False) -> None:
        """One short line: every token here is evaluated before the first word of the answer (~10 ms each), so
        only a product asked about alone gets its stock per option and its whole description."""
        if any(p.id == product.id for p in self.products):
            return
        self.products.append(product)
        price = format_price(product.price, product.currency, language)
        priced = f"from {price}" if len({v.price for v in product.variants}) > 1 else price
        parts = [f"{product.title}: {priced}", _stock(product) if detailed else _availability(product)]
        description_chars = ONE_PRODUCT_DESCRIPTION_CHARS if detailed else _DESCRIPTION_CHARS
        if product.rating is not None:
            parts.append(f"rated {format_rating(product.rating, language)}/5")
        description = " ".join(product.description.split())
        if len(description) > description_chars:
            description = description[:description_chars].rsplit(" ", 1)[0] + "…"
        if description:
            parts.append(description)
        line = "; ".join(parts)
        self.lines.append(f"- {line}")
        self.values += [line, price, str(product.price)]
        self.prices.update([product.price, *(v.price for v in product.variants)])

    def add_policy(self, policy: Policy, language: str) -> None:
        text = " ".join(policy.text.split())[:240]
        extra = []
        if policy.fee is not None:
            extra.append(f"fee {format_price(policy.fee, policy.currency, language)}")
        if policy.free_over is not None:
            extra.append(f"free over {format_price(policy.free_over, policy.currency, language)}")
        where = "all countries" if policy.country == "*" else policy.country
        line = f"Policy ({policy.topic}, {where}): {text}" + (f" ({'; '.join(extra)})" if extra else "")
        self.lines.append(line)
        self.values.append(line)
        self.prices.update(x for x in (policy.fee, policy.free_over) if x is not None)

    def allow(self, *said: str) -> None:
        """Numbers the shopper said themselves ("around 50 euros") may be repeated."""
        for text in said:
            if text:
                self.values.append(text)
                self.prices.update(money_amounts(text))
                self.prices.update(a for a in map(parse_amount, re.findall(r"\d+(?:[.,]\d{1,2})?", text)) if a)

    def add_tool_result(self, result: Any, text: str) -> None:
        """A tool's result (JSON-ready): its text grounds numbers, its price fields ground amounts."""
        self.values.append(text)
        self.prices.update(_prices_in(result))

    def text(self) -> str:
        return "\n".join(self.lines) if self.lines else "(no catalog facts for this question)"


def _availability(product: Product) -> str:
    in_stock = [v for v in product.variants if v.stock > 0]
    if not in_stock:
        return "SOLD OUT"
    return "in stock" if len(in_stock) == len(product.variants) else "in stock (some options sold out)"


def _stock(product: Product) -> str:
    if not product.variants:
        return "stock unknown"
    total = sum(max(v.stock, 0) for v in product.variants)
    if total <= 0:
        return "SOLD OUT"
    if len(product.variants) == 1 or not any(v.options for v in product.variants):
        return f"{total} in stock" if all(v.stock_exact for v in product.variants) else "in stock"
    options = []
    for v in product.variants[:_OPTIONS_LISTED]:
        name = "/".join(v.options.values())
        options.append(f"{name} {'sold out' if v.stock <= 0 else v.stock if v.stock_exact else 'in stock'}")
    more = ", …" if len(product.variants) > _OPTIONS_LISTED else ""
    return f"stock: {', '.join(options)}{more}"


_PRICE_KEYS = ("price", "total", "fee", "free_over", "subtotal")


def _prices_in(value: Any) -> list[Decimal]:
    out: list[Decimal] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if any(k in key for k in _PRICE_KEYS) and isinstance(item, str | int | float):
                amount = parse_amount(str(item))
                if amount is not None:
                    out.append(amount)
            else:
                out += _prices_in(item)
    elif isinstance(value, list):
        for item in value:
            out += _prices_in(item)
    return out
