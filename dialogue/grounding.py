"""Grounded facts: which catalog product the shopper means, its facts spoken right, and the check every
reply passes before it is spoken: each number it states must come from a value the catalog, the order
store or the conversation supplied for this turn."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher

from catalog.models import Product, SearchHit
from catalog.query import STOP_WORDS, query_terms
from dialogue.locale import Locale, base_language

_WORD = re.compile(r"\w+", re.UNICODE)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥"}
_NAMES = {
    "es": {"USD": "dólares", "EUR": "euros"},
    "fr": {"USD": "dollars", "EUR": "euros"},
    "de": {"USD": "Dollar", "EUR": "Euro"},
    "it": {"USD": "dollari", "EUR": "euro"},
    "pt": {"USD": "dólares", "EUR": "euros", "BRL": "reais"},
    "zh": {"USD": "美元", "EUR": "欧元", "CNY": "元", "JPY": "日元", "GBP": "英镑"},
    "ja": {"USD": "ドル", "EUR": "ユーロ", "JPY": "円", "GBP": "ポンド", "CNY": "元"},
}
_DECIMAL_COMMA = {"es", "fr", "de", "it", "pt"}


def format_price(amount: Decimal, currency: str, language: str) -> str:
    """A catalog price as the shopper's language writes it ("$129.99", "129,99 dólares")."""
    base = base_language(language)
    text = f"{amount:.2f}".removesuffix(".00")
    if base in _DECIMAL_COMMA:
        text = text.replace(".", ",")
    name = _NAMES.get(base, {}).get(currency)
    if name:
        return f"{text}{name}" if base in ("zh", "ja") else f"{text} {name}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol and base == "en" else f"{text} {currency}"


def format_date(day: date, locale: Locale) -> str:
    months = locale.words("months")
    month = months[day.month - 1] if len(months) == 12 else str(day.month)
    return str(locale.lexicon.get("date_format", "{month} {day}")).format(month=month, day=day.day)


def format_rating(rating: float, language: str) -> str:
    text = f"{rating:.1f}".removesuffix(".0")
    return text.replace(".", ",") if base_language(language) in _DECIMAL_COMMA else text


# ---- the check ---------------------------------------------------------------------------------------
_NUMBER = re.compile(r"\d+")


def ungrounded_numbers(text: str, facts: tuple[str, ...] | list[str]) -> set[str]:
    """Numbers the reply states that no supplied value contains (empty = grounded)."""
    allowed = {n for fact in facts for n in _NUMBER.findall(unicodedata.normalize("NFKC", fact))}
    return set(_NUMBER.findall(unicodedata.normalize("NFKC", text))) - allowed


# ---- which product the shopper means -----------------------------------------------------------------
_PRONOUNS = frozenset(
    [
        "it",
        "its",
        "they",
        "them",
        "one",
        "ones",
        "that",
        "this",
        "those",
        "these",
        "lo",
        "la",
        "los",
        "las",
        "le",
        "les",
        "es",
        "eso",
        "esto",
        "ça",
        "es",
        "sie",
    ]
)


def naming_words(query: str) -> str:
    """The words that name the thing asked about, without the articles around them ("piano de cola")."""
    words = _WORD.findall(query)
    named = [i for i, w in enumerate(words) if w.lower() not in STOP_WORDS and w.lower() not in _PRONOUNS]
    return " ".join(words[named[0] : named[-1] + 1]) if named else ""


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode() or word.lower()


def _product_words(product: Product) -> list[str]:
    text = " ".join([product.title, product.brand, product.category, " ".join(product.tags)])
    words = [_fold(w) for w in _WORD.findall(text)]
    # Speech recognition splits and joins compound names ("Air Wave" / "AirWave").
    return words + [a + b for a, b in zip(words, words[1:])]


def _word_matches(word: str, candidates: list[str]) -> bool:
    return any(
        word == c
        or (len(word) > 3 and SequenceMatcher(None, word, c).ratio() >= 0.8)
        # A catalog compound starts with the word said ("trail" -> "TrailRunner"); a word said is the catalog's
        # word with an ending ("kettles" -> "kettle"), not a longer other word ("longueurs" is not "long").
        or (len(word) > 3 and c.startswith(word))
        or (len(c) > 3 and word.startswith(c) and len(word) - len(c) <= 3)
        for c in candidates
    )


def coverage(query: str, product: Product) -> float:
    """Share of the shopper's content words that this product's name and tags account for."""
    words = [_fold(w) for w in query_terms(query)]
    joined = words + [a + b for a, b in zip(words, words[1:])]
    if not words:
        return 0.0
    candidates = _product_words(product)
    hit = {i for i, w in enumerate(words) if _word_matches(w, candidates)}
    # A joined pair that matches ("air"+"wave" -> "airwave") accounts for both words.
    for i, pair in enumerate(joined[len(words) :]):
        if pair in candidates:
            hit.update({i, i + 1})
    return len(hit) / len(words)


def shares_a_word(query: str, product: Product) -> bool:
    """Any of the shopper's content words in the product's name, tags or description."""
    words = [_fold(w) for w in query_terms(query) if len(w) > 2]
    described = _product_words(product) + [_fold(w) for w in _WORD.findall(product.description)]
    return any(_word_matches(w, described) for w in words)


def title_coverage(query: str, product: Product) -> float:
    """Share of the product's title words the shopper said: prefers the product they named."""
    said = [_fold(w) for w in _WORD.findall(query)]
    said += [a + b for a, b in zip(said, said[1:])]
    title = [_fold(w) for w in _WORD.findall(product.title)]
    return sum(_word_matches(w, said) for w in title) / len(title) if title else 0.0


NAMED = 0.75  # the shopper said most of a product's title: they mean that one product


def named_in(text: str, products: list[Product]) -> list[Product]:
    """The products a sentence names: its whole title, most of its words, or half of them including one that
    tells it apart from the others ("the VoltEdge earbuds" among three earbuds; "the AirWave earbuds" stays
    ambiguous between the AirWave and the AirWave Max)."""
    said = [_fold(w) for w in _WORD.findall(text)]
    said += [a + b for a, b in zip(said, said[1:])]
    titles = {p.id: [_fold(w) for w in _WORD.findall(p.title)] for p in products}
    lowered = text.casefold()
    named = []
    for product in products:
        words = titles[product.id]
        heard = [w for w in words if _word_matches(w, said)]
        share = len(heard) / len(words) if words else 0.0
        others = {w for pid, title in titles.items() if pid != product.id for w in title}
        telling = any(w not in others for w in heard)
        if product.title.casefold() in lowered or share >= NAMED or (share >= 0.5 and telling):
            named.append(product)
    return list({p.id: p for p in named}.values())


@dataclass(frozen=True)
class ProductMatch:
    product: Product
    coverage: float
    title_coverage: float


def ranked_matches(query: str, hits: list[SearchHit], threshold: float) -> list[ProductMatch]:
    """Catalog products the shopper's words account for, best first."""
    scored = [ProductMatch(h.product, coverage(query, h.product), title_coverage(query, h.product)) for h in hits]
    scored = [m for m in scored if m.coverage >= threshold]
    # sorted() is stable: among equally good matches the search ranking decides.
    return sorted(scored, key=lambda m: (m.coverage, m.title_coverage), reverse=True)


def alternatives(matches: list[ProductMatch], limit: int = 3) -> list[Product]:
    """When the shopper named a kind of product ("wireless earbuds"), the choices, in stock first."""
    if not matches or matches[0].title_coverage >= NAMED:
        return []
    top = matches[0].coverage
    same = [m.product for m in matches if m.coverage == top]
    return ([p for p in same if p.in_stock] or same)[:limit]


def has_price_range(product: Product) -> bool:
    return len({v.price for v in product.variants}) > 1
