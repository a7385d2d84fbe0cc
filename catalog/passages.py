"""What a product means to the embedding model: a few short weighted parts, embedded once per distinct text.

A product's vector is the normalised weighted sum of its parts' vectors: the title without the brand
(weighted most: it names the thing), the brand, the description's first sentence, and its kind (category,
tags and colours). Parts repeat across a catalog ("Linen Shirt" under forty brands, one description per
model, a few dozen categories), and transformer cost grows with tokens, so a catalog of 10,000 products
embeds a few thousand short texts instead of 10,000 long ones; each distinct text is cached by its hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

# Changing the recipe or a weight changes every product's digest, so vectors are rebuilt on next open.
RECIPE = "parts-v1"
TITLE_WEIGHT = 1.0
BRAND_WEIGHT = 0.25
DESCRIPTION_WEIGHT = 0.5
KIND_WEIGHT = 0.35
_DESCRIPTION_CHARS = 240
_PART_CHARS = 300  # a part is embedded in one window; longer text costs time and adds nothing to "what it is"


@dataclass(frozen=True)
class ProductText:
    title: str
    brand: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    description: str = ""


def passage_parts(p: ProductText) -> list[tuple[str, float]]:
    """(text, weight) pairs; empty parts are left out, so their weight goes to the others."""
    parts = [
        (_title_without_brand(p.title, p.brand), TITLE_WEIGHT),
        (p.brand.strip(), BRAND_WEIGHT),
        (_first_sentence(p.description), DESCRIPTION_WEIGHT),
        (_kind(p), KIND_WEIGHT),
    ]
    return [(_clip(text), weight) for text, weight in parts if text]


def digest(parts: list[tuple[str, float]]) -> str:
    """One hash for a product's whole recipe: unchanged text (a price or stock update) is not re-embedded."""
    return hashlib.sha1(json.dumps([RECIPE, parts], ensure_ascii=False).encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def parse_tags(stored: str) -> tuple[str, ...]:
    """Tags as stored (a JSON list); a damaged cell counts as no tags rather than failing the index."""
    try:
        value = json.loads(stored or "[]")
    except ValueError:
        return ()
    return tuple(str(t) for t in value if isinstance(t, str | int | float)) if isinstance(value, list) else ()


def _title_without_brand(title: str, brand: str) -> str:
    """ "Nike Air Jordan 1" -> "Air Jordan 1": the brand is its own part, and many products share the rest."""
    title = " ".join(title.split())
    brand = " ".join(brand.split())
    if brand and title.lower().startswith(brand.lower() + " "):
        rest = title[len(brand) :].strip(" -–—:|,")
        if rest:
            return rest
    return title


def _first_sentence(description: str) -> str:
    text = " ".join(description.split())
    return re.split(r"(?<=[.!?。！？])\s+|(?<=[。！？])", text, maxsplit=1)[0][:_DESCRIPTION_CHARS].strip()


def _kind(p: ProductText) -> str:
    words = [p.category.strip(), *(t.strip() for t in p.tags[:8]), *(c.strip() for c in p.colors[:6])]
    return ", ".join(dict.fromkeys(w for w in words if w))


def _clip(text: str) -> str:
    return text if len(text) <= _PART_CHARS else text[:_PART_CHARS].rsplit(" ", 1)[0]
