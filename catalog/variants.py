"""Matching a spoken size/colour to a product's variants ("medium" = "M", "navy" ~ "Navy Blue")."""

from __future__ import annotations

import re
import unicodedata

from catalog.models import Availability, Product, Variant

_SIZE_WORDS = {
    "extra small": "XS",
    "x small": "XS",
    "xsmall": "XS",
    "small": "S",
    "medium": "M",
    "mid": "M",
    "large": "L",
    "extra large": "XL",
    "x large": "XL",
    "xlarge": "XL",
    "extra extra large": "XXL",
    "double extra large": "XXL",
    "2xl": "XXL",
    "xx large": "XXL",
    "one size": "ONE SIZE",
    "pequeña": "S",
    "pequeño": "S",
    "mediana": "M",
    "mediano": "M",
    "grande": "L",
    "extra grande": "XL",
    "petit": "S",
    "petite": "S",
    "moyen": "M",
    "moyenne": "M",
    "小号": "S",
    "中号": "M",
    "大号": "L",
    "加大号": "XL",
    "小码": "S",
    "中码": "M",
    "大码": "L",
}
_COLOR_KEYS = ("color", "colour", "shade", "color name")
_SIZE_KEYS = ("size", "shoe size", "ring size", "talla", "taille")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-_/]", " ", text).split())


def size_key(value: str) -> str:
    """Canonical size: words to letters, "9.0" to "9", "size m" to "M"."""
    text = _fold(value)
    text = re.sub(r"^(size|talla|taille|us|eu|uk)\s+", "", text)
    text = _SIZE_WORDS.get(text, text)
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    return text.upper().replace(" ", "")


def color_matches(asked: str, actual: str) -> bool:
    a, b = _fold(asked), _fold(actual)
    if not a or not b:
        return False
    if a == b:
        return True
    # whole-word containment both ways: "navy" ~ "Navy Blue", "rose gold" ~ "Rose Gold Mesh"
    return re.search(rf"\b{re.escape(a)}\b", b) is not None or re.search(rf"\b{re.escape(b)}\b", a) is not None


def _option(v: Variant, keys: tuple[str, ...]) -> str | None:
    return next((v.options[k] for k in keys if k in v.options), None)


def match_variants(product: Product, size: str | None = None, color: str | None = None) -> Availability:
    size = (size or "").strip() or None
    color = (color or "").strip() or None

    def size_ok(v: Variant) -> bool:
        s = _option(v, _SIZE_KEYS)
        return size is None or (s is not None and size_key(s) == size_key(size))

    def color_ok(v: Variant) -> bool:
        c = _option(v, _COLOR_KEYS)
        return color is None or (c is not None and color_matches(color, c))

    matching = [v for v in product.variants if size_ok(v) and color_ok(v)]
    stock = sum(v.stock for v in matching)
    in_stock_match = [v for v in matching if v.stock > 0]
    price_from = min(in_stock_match or matching, key=lambda v: v.price).price if matching else None
    # Alternatives the reply can offer: sizes for the asked colour, colours for the asked size.
    sizes = [s for v in product.variants if v.stock > 0 and color_ok(v) and (s := _option(v, _SIZE_KEYS))]
    colors = [c for v in product.variants if v.stock > 0 and size_ok(v) and (c := _option(v, _COLOR_KEYS))]
    return Availability(
        product_id=product.id,
        title=product.title,
        found=True,
        in_stock=stock > 0,
        stock=stock,
        currency=product.currency,
        price=price_from,
        size=size,
        color=color,
        stock_exact=all(v.stock_exact for v in matching),
        matching_skus=tuple(v.sku for v in matching),
        variant_exists=bool(matching),
        available_sizes=tuple(dict.fromkeys(sizes)),
        available_colors=tuple(dict.fromkeys(colors)),
    )
