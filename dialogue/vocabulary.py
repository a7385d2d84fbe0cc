"""What the shop's own catalog calls things: brands, colours and sizes, so that "Nordhaus", "Sky Blue" or
"King" in a transcript become filters even when no language file knows them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.store import CatalogStore
from dialogue.text import normalize, prepare, words


@dataclass(frozen=True)
class CatalogVocabulary:
    brands: dict[str, str]  # spoken form -> brand as stored
    colors: dict[str, str]  # spoken form -> colour as stored
    sizes: dict[str, str]  # spoken form -> size as stored (only sizes that are words: "king", "500 ml")
    categories: dict[str, str]
    words: frozenset[str] = frozenset()  # every word of every title and brand, folded

    @classmethod
    def of(cls, store: CatalogStore) -> CatalogVocabulary:
        def distinct(sql: str) -> list[str]:
            return [str(r[0]) for r in store.execute(sql) if r[0] and str(r[0]).strip()]

        brands = distinct("SELECT DISTINCT brand FROM products")
        colors = distinct("SELECT DISTINCT color FROM variants")
        sizes = distinct("SELECT DISTINCT size FROM variants")
        categories = distinct("SELECT DISTINCT category FROM products")
        titles = [str(r[0]) + " " + str(r[1] or "") for r in store.execute("SELECT title, brand FROM products")]
        return cls(
            brands={normalize(b): b for b in brands if len(b) >= 3},
            colors={normalize(c): c for c in colors if len(c) >= 3},
            # "S", "9" or "42" alone are ordinary words or numbers; only say-able sizes are matched bare.
            sizes=_sizes(sizes),
            categories={normalize(c): c for c in categories},
            words=frozenset(w for t in titles for w in words(prepare(t, False))),
        )

    @classmethod
    def empty(cls) -> CatalogVocabulary:
        return cls({}, {}, {}, {}, frozenset())


_UNIT = re.compile(r"(?<=\d)\s*(cm|mm|m|ml|l|in|inch|inches|\")$")


def _sizes(sizes: list[str]) -> dict[str, str]:
    """Sizes said bare: words and measures ("King", "160x230 cm", also as "160x230"), not "S" or "9"."""
    out: dict[str, str] = {}
    for size in sizes:
        if len(size) < 3 or size.replace(".", "").isdigit():
            continue
        spoken = normalize(size)
        out[spoken] = size
        bare = _UNIT.sub("", spoken).replace(" x ", "x")
        if bare != spoken and len(bare) >= 3:
            out.setdefault(bare, size)
    return out
