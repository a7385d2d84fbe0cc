"""Search inputs: query words from free text, and typed filters -> SQL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

SortOrder = Literal["relevance", "price_asc", "price_desc", "rating"]
SORT_ORDERS: tuple[str, ...] = ("relevance", "price_asc", "price_desc", "rating")

# Words that carry no product meaning in the languages shoppers use; dropping them keeps BM25 focused.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "without",
        "at",
        "by",
        "from",
        "is",
        "are",
        "do",
        "does",
        "have",
        "has",
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "our",
        "it",
        "this",
        "that",
        "these",
        "those",
        "some",
        "any",
        "can",
        "could",
        "would",
        "want",
        "need",
        "looking",
        "look",
        "find",
        "show",
        "please",
        "something",
        "like",
        "about",
        "under",
        "over",
        "below",
        "above",
        "than",
        "less",
        "more",
        "cheap",
        "cheaper",
        "price",
        "cost",
        "how",
        "much",
        "many",
        "what",
        "which",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "de",
        "del",
        "y",
        "o",
        "para",
        "con",
        "sin",
        "en",
        "por",
        "que",
        "es",
        "son",
        "tiene",
        "tienen",
        "busco",
        "quiero",
        "necesito",
        "algo",
        "mi",
        "me",
        "muy",
        "mas",
        "más",
        "menos",
        "barato",
        "le",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "ou",
        "pour",
        "avec",
        "sans",
        "en",
        "par",
        "est",
        "sont",
        "je",
        "veux",
        "cherche",
        "quelque",
        "chose",
        "mon",
        "ma",
        "mes",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "und",
        "oder",
        "für",
        "mit",
        "ohne",
        "ich",
        "suche",
        "möchte",
    ]
)
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """Lower-case word tokens; punctuation, quotes and FTS operators are dropped by construction."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    words = [w for w in _WORD_RE.findall(text) if w != "_"]
    return [w for w in words if w not in STOP_WORDS]  # only stop words ("the") -> nothing to search


@dataclass(frozen=True)
class SearchFilters:
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency: str | None = None
    brand: str | None = None
    category: str | None = None
    color: str | None = None
    size: str | None = None
    in_stock: bool = False
    min_rating: float | None = None
    sort: SortOrder = "relevance"

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> SearchFilters:
        """Validate loose keyword filters (as a tool call or CLI passes them); None means 'not set'."""
        known = {f.name for f in fields(cls)}
        unknown = set(kwargs) - known - {"colour"}
        if unknown:
            raise ValueError(
                f"unknown search filter(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        if kwargs.get("colour") and not kwargs.get("color"):
            kwargs["color"] = kwargs["colour"]
        kwargs.pop("colour", None)
        values: dict[str, Any] = {k: v for k, v in kwargs.items() if v is not None and v != ""}
        for key in ("min_price", "max_price"):
            if key in values:
                try:
                    values[key] = Decimal(str(values[key]))
                except InvalidOperation:
                    raise ValueError(f"{key}: not a number: {values[key]!r}") from None
        if "min_rating" in values:
            values["min_rating"] = float(values["min_rating"])
        if "currency" in values:
            values["currency"] = str(values["currency"]).upper()
        if "in_stock" in values:
            values["in_stock"] = bool(values["in_stock"])
        sort = values.get("sort", "relevance")
        if sort not in SORT_ORDERS:
            raise ValueError(f"sort must be one of {', '.join(SORT_ORDERS)}, got {sort!r}")
        return cls(**values)

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters(sort=self.sort)

    def where_sql(self) -> tuple[str, list[Any]]:
        """SQL conditions over `products p`; variant-level filters must hold for one and the same variant."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.brand:
            clauses.append("p.brand LIKE ?")
            params.append(f"%{_like(self.brand)}%")
        if self.category:
            clauses.append("(p.category LIKE ? OR p.tags LIKE ?)")
            params += [f"%{_like(self.category)}%"] * 2
        if self.min_rating is not None:
            clauses.append("p.rating >= ?")
            params.append(self.min_rating)
        if self.currency:
            clauses.append("p.currency = ?")
            params.append(self.currency)
        variant: list[str] = []
        if self.color:
            variant.append("v.color LIKE ?")
            params.append(f"%{_like(self.color)}%")
        if self.size:
            variant.append("v.size = ? COLLATE NOCASE")
            params.append(self.size.strip())
        if self.in_stock:
            variant.append("v.stock > 0")
        if self.min_price is not None:
            variant.append("v.price_num >= ?")
            params.append(float(self.min_price))
        if self.max_price is not None:
            variant.append("v.price_num <= ?")
            params.append(float(self.max_price))
        if variant:
            clauses.append(
                "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND " + " AND ".join(variant) + ")"
            )
        return (" AND ".join(clauses) or "1"), params

    def order_sql(self) -> str | None:
        return {
            "price_asc": "p.price_num ASC",
            "price_desc": "p.price_num DESC",
            "rating": "COALESCE(p.rating, 0) DESC, p.rating_count DESC",
        }.get(self.sort)


def _like(value: str) -> str:
    # LIKE has no default escape; dropping the wildcards keeps user text literal enough for filters.
    return value.strip().replace("%", "").replace("_", " ")
