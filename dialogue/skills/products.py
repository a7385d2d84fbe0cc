"""Products: do you have it, how much, is it in stock, what is it like, which is better."""

from __future__ import annotations

import re
from decimal import Decimal

from catalog.models import Product, Variant
from catalog.query import SearchFilters
from catalog.variants import match_variants
from dialogue.finder import Found
from dialogue.grounding import format_price, format_rating, has_price_range
from dialogue.measures import UNITS
from dialogue.replies import Reply
from dialogue.text import matcher, prepare
from dialogue.turn import Turn

_DESCRIPTION_CHARS = 240


def _filters(turn: Turn) -> SearchFilters:
    s = turn.slots
    return SearchFilters(
        min_price=s.min_price, max_price=s.max_price, color=s.color, size=s.size, brand=s.brand, in_stock=s.in_stock
    )


_COLOR_OR_SIZE = {"color", "colour", "shade", "size"}


def _options_said(turn: Turn, product: Product) -> list[Variant]:
    """Variants whose other options the shopper named ("the four person one", "128 GB", "lavender scent")."""
    digits = {w: str(int(v)) for w, v in turn.locale.number_words.items() if v == int(v)}
    # "cinquante mètres" -> "50 m": number words to digits, measure words to the catalog's units
    said = " " + " ".join(UNITS.get(w, digits.get(w, w)) for w in re.findall(r"[\w.]+", turn.slots.text)) + " "
    chosen: dict[str, str] = {}
    for name in {k for v in product.variants for k in v.options} - _COLOR_OR_SIZE:
        for value in product.option_values(name):
            spoken = " ".join(re.findall(r"[\w.]+", prepare(value, False)))
            if spoken and f" {spoken} " in said:
                chosen[name] = value
    if not chosen:
        return []
    return [v for v in product.variants if all(v.options.get(k) == val for k, val in chosen.items())]


def _present(turn: Turn, product: Product, named: bool = True) -> Reply:
    """One product, as the answer to "do you have ...": with the colour/size asked, if any."""
    if turn.slots.color or turn.slots.size or turn.slots.in_stock:
        if named:  # "Do you have the X in red?" / "... in stock?" is a stock question
            turn.intent = turn.stock_intent or turn.intent
        return _availability(turn, product)
    name = "product_have" if product.in_stock else "product_have_out_of_stock"
    turn.say.add(name, [product], title=product.title, price=turn.price(product))
    return turn.reply([product])


def _list(turn: Turn, products: list[Product]) -> Reply:
    if turn.slots.superlative:
        products = _sorted(products, turn.slots.superlative)  # "sorted by price, low to high"
    items = turn.locale_items(products, with_price=True)
    turn.say.add("product_list", products, count=len(products), items=items)
    if turn.slots.color:
        turn.state.color = turn.slots.color
    if turn.slots.size:
        turn.state.size = turn.slots.size
    return turn.reply(products)


def search(turn: Turn) -> Reply:
    s = turn.slots
    limits = s.min_price is not None or s.max_price is not None
    pointing = s.refers_back or ((s.color or s.size) and not s.rest and (turn.state.shown or turn.state.focus))
    if pointing and not limits:  # "and in red, under 40?" is a new search, not a question about the last one
        target = turn.target()
        if isinstance(target, Reply):
            return target
        if isinstance(target, Product):
            if turn.inferred and not (s.color or s.size) and turn.unexplained_words(target):
                return details(turn, target)  # "is the second one waterproof?"
            return _present(turn, target)
    filters = _filters(turn)
    query = s.rest or (turn.state.last_search if not filters.is_empty else "")
    if s.superlative and query:
        # "your towels from cheapest to most expensive", "the best rated kettles": the kind, sorted (sorting
        # before the kind is known would let cheap unrelated products push it out).
        ranked = turn.find(query, filters)
        if ranked.matches:
            return _list(turn, _sorted(ranked.kind(), s.superlative))
    if not query and filters.is_empty:
        if turn.intent.name == "search":
            turn.say.add("not_found_generic")
            return turn.reply([], resolved=False)
        turn.say.add("fallback")
        return turn.reply([], resolved=False)
    turn.state.last_search = query
    found = _in_stock_first(turn.find(query, filters), s.size, s.color)
    if found.matches and found.by_meaning and not filters.is_empty and query:
        # Meaning alone, within the limits, can land on another kind of product (earbuds for "a speaker under
        # 100"): the products must be of the kind the words name without the limits.
        kind = {p.id for p in turn.find(query).products}
        if kind and not kind & {p.id for p in found.products}:
            return _none_within(turn, query)
    if found.matches:
        if found.named is not None and not (s.max_price or s.min_price):
            if not (s.color or s.size or s.in_stock) and turn.unexplained_words(found.named):
                return details(turn, found.named)  # "the FlowFit sleeping bag, how cold can it get?"
            return _present(turn, found.named, named=found.said_name)
        choices = found.choices() if query else found.products[:3]
        if not choices:
            choices = found.products[:3]
        if len(choices) == 1:
            return _present(turn, choices[0], named=False)
        return _list(turn, choices)
    if not filters.is_empty and query:
        unfiltered = turn.find(query)
        if unfiltered.matches:
            return _none_within(turn, query)
    if turn.inferred and turn.state.focus is not None and filters.is_empty:
        return details(turn, turn.state.focus)  # "能保冷多长时间？": a question about the product in focus
    if found.closest:
        # Not clearly what was asked for, but nearer in meaning than the rest of the catalog: offered as the
        # closest, so a shopper who meant it still finds it and one who did not hears that we may not have it.
        turn.say.add("closest_match", found.closest[:3], items=turn.locale_items(found.closest[:3], with_price=True))
        return turn.reply(found.closest[:3], resolved=False)
    if not turn.speaks_catalog_language and not turn.names_a_product():
        turn.say.add("fallback")  # "liebsten", "format": not product names, so not "we don't carry liebsten"
        return turn.reply([], resolved=False)
    return _not_carried(turn)


def _in_stock_first(found: Found, size: str | None, color: str | None) -> Found:
    """With a colour or size asked for, products that have it in stock come first (a stable reorder)."""
    if not (size or color) or len(found.matches) < 2:
        return found
    ordered = sorted(found.matches, key=lambda m: not match_variants(m.product, size=size, color=color).in_stock)
    return Found(ordered, found.by_meaning)


def _brands_said(turn: Turn) -> list[str]:
    """The catalog's brands the shopper named, in the order said."""
    names = turn.vocabulary_brands
    spans = matcher(tuple(names), turn.locale.unspaced).find(prepare(turn.slots.text, turn.locale.unspaced))
    return list(dict.fromkeys(names[span.phrase] for span in spans if span.phrase in names))


def _sorted(products: list[Product], superlative: str) -> list[Product]:
    if superlative == "cheapest":
        return sorted(products, key=lambda p: p.price)
    if superlative == "priciest":
        return sorted(products, key=lambda p: p.price, reverse=True)
    return sorted(products, key=lambda p: (p.rating or 0, p.rating_count), reverse=True)


def _none_within(turn: Turn, query: str) -> Reply:
    """Nothing of that kind fits the shopper's limits: say so."""
    s = turn.slots
    parts = []
    if s.min_price is not None and s.max_price is not None:
        parts.append(
            turn.say.text("filter_range", min_price=_money(turn, s.min_price), max_price=_money(turn, s.max_price))
        )
    elif s.max_price is not None:
        parts.append(turn.say.text("filter_max", price=_money(turn, s.max_price)))
    elif s.min_price is not None:
        parts.append(turn.say.text("filter_min", price=_money(turn, s.min_price)))
    if s.color:
        parts.append(turn.say.text("filter_color", color=turn.color_word()))
    if s.size:
        parts.append(turn.say.text("filter_size", size=s.size))
    if s.brand:
        parts.append(turn.say.text("filter_brand", brand=s.brand))
    if s.in_stock:
        parts.append(turn.say.text("filter_in_stock"))
    described = " ".join(p for p in parts if p)
    # Nothing named: the shopper asked for a limit, and an offer outside it is not an answer.
    turn.say.add("none_within_filters", query=query, filters=described)
    return turn.reply([], resolved=True)


def _money(turn: Turn, amount: Decimal) -> str:
    currency = turn.slots.currency or turn.catalog_currency
    return format_price(amount, currency, turn.language)


def _not_carried(turn: Turn) -> Reply:
    s = turn.slots
    if turn.locale.code != turn.spoken_language:
        turn.say.add("fallback")  # no words of this language: do not echo them back as a product name
        return turn.reply([], resolved=False)
    if not s.rest:
        turn.say.add("not_found_generic")
    else:
        turn.say.add("not_found", query=s.rest)
    return turn.reply([], resolved=False)


# ---- facts about one product -----------------------------------------------------------------------------
def price(turn: Turn) -> Reply:
    target = turn.target()
    if isinstance(target, Reply):
        return target
    if isinstance(target, list):
        return _list(turn, target)
    product = target
    said = _options_said(turn, product)
    if said:
        low = min(said, key=lambda v: v.price)
        turn.say.add(
            "variant_price",
            [product],
            title=product.title,
            variant=", ".join(low.options.values()),
            price=turn.price(product, low.price),
        )
        return turn.reply([product])
    if turn.slots.color or turn.slots.size:
        found = match_variants(product, size=turn.slots.size, color=turn.slots.color)
        if found.variant_exists and found.price is not None:
            turn.say.add(
                "variant_price",
                [product],
                title=product.title,
                variant=turn.variant_words(turn.slots.color, turn.slots.size),
                price=turn.price(product, found.price),
            )
            return turn.reply([product])
    name = "product_price_from" if has_price_range(product) else "product_price"
    turn.say.add(name, [product], title=product.title, price=turn.price(product))
    return turn.reply([product])


def stock(turn: Turn) -> Reply:
    target = turn.single_target()
    if isinstance(target, Reply):
        return target
    return _availability(turn, target)


def _availability(turn: Turn, product: Product) -> Reply:
    s = turn.slots
    size, color = s.size, s.color
    if product == turn.state.focus and not turn.names_a_product():
        # A follow-up about the same product keeps the option it did not change ("and black, same size?").
        size, color = size or turn.state.size, color or turn.state.color
    if size or color:
        turn.state.size, turn.state.color = size, color
        found = match_variants(product, size=size, color=color)
        variant = turn.variant_words(color, size)
        if not found.variant_exists:
            options = product.option_values("color") if color and not size else product.option_values("size")
            turn.say.add(
                "variant_missing",
                [product],
                title=product.title,
                variant=variant,
                options=turn.say.locale.join(options or ["—"]),
            )
        elif found.in_stock:
            turn.say.add(
                "variant_in_stock",
                [product],
                title=product.title,
                variant=variant,
                stock=found.stock if found.stock_exact else "",
                price=turn.price(product, found.price),
            )
        else:
            others = list(
                found.available_colors if color and not size else found.available_sizes or found.available_colors
            )
            if others:
                turn.say.add(
                    "variant_out_of_stock",
                    [product],
                    title=product.title,
                    variant=variant,
                    options=turn.say.locale.join(others),
                )
            else:
                turn.say.add("variant_out_of_stock_all", [product], title=product.title, variant=variant)
        return turn.reply([product])
    if not product.in_stock:
        turn.say.add("product_out_of_stock", [product], title=product.title)
    elif all(v.stock_exact for v in product.variants):
        turn.say.add(
            "product_in_stock", [product], title=product.title, stock=product.total_stock, price=turn.price(product)
        )
    else:
        turn.say.add("product_in_stock_no_count", [product], title=product.title, price=turn.price(product))
    return turn.reply([product])


def details(turn: Turn, product: Product | None = None) -> Reply:
    target = product or turn.target()
    if isinstance(target, Reply):
        return target
    if isinstance(target, list):
        return _list(turn, target)  # "tell me about your plant pots"
    product = target
    aspect = turn.slots.aspect
    if aspect == "rating":
        if product.rating is None:
            turn.say.add("product_no_rating", [product], title=product.title)
        else:
            _say_rating(turn, product)
    elif aspect in ("colors", "sizes") and product.option_values("color" if aspect == "colors" else "size"):
        options = product.option_values("color" if aspect == "colors" else "size")
        turn.say.add(
            "product_colors" if aspect == "colors" else "product_sizes",
            [product],
            title=product.title,
            options=turn.say.locale.join(options),
        )
    elif aspect == "warranty" and product.warranty:
        turn.say.add("product_warranty", [product], title=product.title, description=product.warranty)
    else:
        name = "product_price_from" if has_price_range(product) else "product_price"
        turn.say.add(name, [product], title=product.title, price=turn.price(product))
        turn.say.add(
            "product_description", [product], title=product.title, description=_first_sentences(product.description)
        )
    return turn.reply([product])


def _say_rating(turn: Turn, product: Product) -> None:
    turn.say.add(
        "product_rating",
        [product],
        title=product.title,
        rating=format_rating(product.rating or 0, turn.language),
        rating_count=product.rating_count,
    )


def _first_sentences(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _DESCRIPTION_CHARS:
        return text
    cut = text[:_DESCRIPTION_CHARS].rfind(". ")
    return text[: cut + 1] if cut > 40 else text[:_DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"


def compare(turn: Turn) -> Reply:
    if turn.slots.superlative and len(turn.state.shown) > 1:
        # "which one is the best rated?": the answer is one product, with the fact that makes it so.
        target = turn.single_target()
        if isinstance(target, Reply):
            return target
        if turn.slots.superlative == "best_rated" and target.rating is not None:
            _say_rating(turn, target)
        else:
            turn.say.add("product_price", [target], title=target.title, price=turn.price(target))
        return turn.reply([target])
    products = _compared(turn)
    if isinstance(products, Reply):
        return products
    first, second = products[0], products[1]
    turn.say.add(
        "compare",
        [first, second],
        title=first.title,
        price=turn.price(first),
        other_title=second.title,
        other_price=turn.price(second),
    )
    if first.price == second.price:
        turn.say.add("compare_same_price")
    else:
        cheaper = min(products[:2], key=lambda p: p.price)
        turn.say.add("compare_cheaper", [cheaper], title=cheaper.title)
    rated = [p for p in products[:2] if p.rating is not None]
    if len(rated) == 2 and rated[0].rating != rated[1].rating:
        better = max(rated, key=lambda p: p.rating or 0)
        turn.say.add(
            "compare_rated", [better], title=better.title, rating=format_rating(better.rating or 0, turn.language)
        )
    return turn.reply([first, second])


def _compared(turn: Turn) -> list[Product] | Reply:
    s = turn.slots
    brands = _brands_said(turn)
    if len(brands) >= 2:
        kind = " ".join(w for w in s.rest.split() if not any(w in b.lower().split() for b in brands)) or s.rest
        picked = [found.products[0] for b in brands if (found := turn.find(kind, SearchFilters(brand=b))).matches]
        if len(picked) >= 2:
            return picked[:2]
    if s.rest:
        # "compare the X and the Y": each side on its own.
        joiner = str(turn.locale.lexicon.get("and", "and"))
        sides = [part.strip() for part in s.rest.replace(f" {joiner} ", "|").split("|") if part.strip()]
        named = []
        for side in sides if len(sides) > 1 else []:
            found = turn.find(side)
            if found.matches:
                named.append(found.matches[0].product)
        if len(named) >= 2:
            return named[:2]
        found = turn.find(s.rest)
        if len(found.products) >= 2 and not turn.state.shown:
            return found.products[:2]
    shown = list(turn.state.shown)
    if len(shown) >= 2:
        return shown[:2]
    return turn.ask_product()
