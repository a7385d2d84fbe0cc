"""What "the second one", "the red one", "the cheaper one", "it" point at: the products the shopper was
just shown, in the order spoken, or the one in focus."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Product
from catalog.variants import color_matches, size_key
from dialogue.finder import ProductFinder
from dialogue.grounding import coverage
from dialogue.slots import Slots
from dialogue.state import ConversationState


@dataclass(frozen=True)
class Resolution:
    product: Product | None = None
    ambiguous: tuple[Product, ...] = ()  # several fit: ask which, naming these
    no_match: tuple[Product, ...] = ()  # a reference that fits none of these: ask back naming them


def has_color(product: Product, color: str) -> bool:
    values = product.option_values("color") + product.option_values("shade") + product.option_values("colour")
    return any(color_matches(color, v) for v in values) or color_matches(color, product.title)


def has_size(product: Product, size: str) -> bool:
    return any(size_key(s) == size_key(size) for s in product.option_values("size"))


def names_other_product(
    slots: Slots, candidates: tuple[Product, ...], finder: ProductFinder
) -> tuple[Product, ...] | None:
    """None when the words name something new; else the shown products they describe (all if none said)."""
    if not slots.rest:
        return candidates
    named = finder.find(slots.rest).named
    if named is not None and all(named.id != p.id for p in candidates):
        return None  # "and also the Alfara board": another product, by its name
    within = tuple(p for p in candidates if coverage(slots.rest, p) >= 0.5)
    if not within:
        about = finder.ids_about(slots.rest)
        within = tuple(p for p in candidates if p.id in about)
    if not within and len(candidates) > 1:
        within = closest_in_meaning(slots.rest, candidates, finder)  # "o de viagem": the travel hair dryer
    return within or None


def closest_in_meaning(words: str, candidates: tuple[Product, ...], finder: ProductFinder) -> tuple[Product, ...]:
    """Among the products just shown only, the one the words are clearly closest to in meaning (any language)."""
    margins = finder.store.similarity_margin(words, [p.id for p in candidates])
    if len(margins) < 2:
        return ()
    ranked = sorted(candidates, key=lambda p: margins.get(p.id, -1.0), reverse=True)
    best, second = margins.get(ranked[0].id, -1.0), margins.get(ranked[1].id, -1.0)
    return (ranked[0],) if best - second >= _CLEARLY_CLOSER else ()


_CLEARLY_CLOSER = 0.02


def resolve(slots: Slots, state: ConversationState, finder: ProductFinder) -> Resolution | None:
    """None: the words do not point back at anything shown (a new request)."""
    pool = state.shown or ((state.focus,) if state.focus else ())
    pointing = slots.refers_back or ((slots.color or slots.size) and not slots.rest)
    if not pool:
        return Resolution() if pointing and slots.refers_back and not slots.rest else None
    candidates = names_other_product(slots, pool, finder)
    if candidates is None:
        return None
    if not pointing and len(candidates) == len(pool):
        return None
    if slots.ordinal is not None:
        index = slots.ordinal - 1 if slots.ordinal > 0 else len(pool) + slots.ordinal
        return Resolution(pool[index]) if 0 <= index < len(pool) else Resolution(no_match=pool)
    narrowed = candidates
    if slots.color:
        narrowed = tuple(p for p in narrowed if has_color(p, slots.color))
    if slots.size and len(narrowed) > 1:
        narrowed = tuple(p for p in narrowed if has_size(p, slots.size)) or narrowed
    if slots.superlative and narrowed:
        return Resolution(_superlative(narrowed, slots.superlative))  # "the cheapest red one"
    if slots.pronoun and state.focus is not None and state.focus in candidates:
        return Resolution(state.focus)  # "do you have it in white?": it is the product in focus
    if not narrowed:
        return Resolution(no_match=pool) if len(pool) > 1 else Resolution(pool[0])
    if len(narrowed) == 1:
        return Resolution(narrowed[0])
    if state.focus is not None and state.focus in narrowed and not (slots.color or slots.size):
        return Resolution(state.focus)
    return Resolution(ambiguous=narrowed)


def _superlative(products: tuple[Product, ...], which: str) -> Product:
    if which == "cheapest":
        return min(products, key=lambda p: p.price)
    if which == "priciest":
        return max(products, key=lambda p: p.price)
    return max(products, key=lambda p: (p.rating or 0, p.rating_count))
