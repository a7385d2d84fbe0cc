"""Which catalog products the shopper's words name: keyword coverage first (the product they named), then
meaning (a Spanish question about an English catalog), and an honest "nothing" when neither holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.models import Product
from catalog.query import SearchFilters
from catalog.store import CatalogStore
from dialogue.grounding import NAMED, ProductMatch, alternatives, naming_words, ranked_matches, shares_a_word

_SEARCH_LIMIT = 8


@dataclass(frozen=True)
class Found:
    matches: list[ProductMatch] = field(default_factory=list)
    by_meaning: bool = False  # no shared words: the catalog holds something of that meaning
    # Nothing matched, but these stand a little above the rest of the catalog in meaning: worth offering as
    # "the closest we have", never as what was asked for.
    closest: list[Product] = field(default_factory=list)

    @property
    def named(self) -> Product | None:
        """The one product the shopper named, if they named one."""
        if self.matches and (self.matches[0].title_coverage >= NAMED or len(self.matches) == 1):
            return self.matches[0].product
        return None

    @property
    def said_name(self) -> bool:
        """The shopper said (most of) the product's own name, not just its kind."""
        return bool(self.matches) and self.matches[0].title_coverage >= NAMED

    def choices(self, limit: int = 3) -> list[Product]:
        if self.by_meaning:
            return [m.product for m in self.matches][:limit]
        return alternatives(self.matches, limit)

    def kind(self, limit: int = 5) -> list[Product]:
        """Every product of the kind named, sold out too ("list your towels")."""
        if self.by_meaning or not self.matches:
            return self.products[:limit]
        top = self.matches[0].coverage
        return [m.product for m in self.matches if m.coverage == top][:limit]

    @property
    def products(self) -> list[Product]:
        return [m.product for m in self.matches]


class ProductFinder:
    def __init__(self, store: CatalogStore, match_threshold: float, semantic_margin: float, closest_margin: float):
        self.store = store
        self.match_threshold = match_threshold
        self.semantic_margin = semantic_margin
        self.closest_margin = min(closest_margin, semantic_margin)

    def find(self, query: str, filters: SearchFilters | None = None, same_language: bool = False) -> Found:
        """`same_language`: the shopper speaks the catalog's language, so a product they mean shares at
        least one word with it (its title, tags or description); meaning alone would turn "PlayStation"
        into a Bluetooth speaker."""
        filters = filters or SearchFilters()
        if not query.strip():
            if filters.is_empty:
                return Found()
            hits = self.store.search("", limit=_SEARCH_LIMIT, filters=filters)
            return Found([ProductMatch(h.product, 1.0, 0.0) for h in hits], by_meaning=True)
        hits = self.store.search(query, limit=_SEARCH_LIMIT, filters=filters, catalog_language=same_language or None)
        matches = ranked_matches(query, hits, self.match_threshold)
        if matches or not hits:
            return Found(matches)
        # No shared words (a Spanish question, an English catalog): search's best hits count only when
        # the catalog clearly holds something of that meaning.
        top = hits[:3]
        margins = self.store.similarity_margin(naming_words(query) or query, [h.product.id for h in top])
        eligible = [h for h in top if not same_language or shares_a_word(query, h.product)]
        kept = [
            ProductMatch(h.product, margins[h.product.id], 0.0)
            for h in eligible
            if margins.get(h.product.id, -1.0) >= self.semantic_margin
        ]
        if not kept:
            near = [h.product for h in eligible if margins.get(h.product.id, -1.0) >= self.closest_margin]
            return Found(closest=near)
        best = kept[0].coverage
        # Near the best in meaning: the other choices of the same kind.
        kept = [m for m in kept if m.coverage >= best - 0.02]
        return Found(kept, by_meaning=True)

    def ids_about(self, query: str) -> set[str]:
        """Products search ranks for these words (to tell "the red shoes" among shown products)."""
        if not query.strip():
            return set()
        return {h.product.id for h in self.store.search(query, limit=_SEARCH_LIMIT)}
