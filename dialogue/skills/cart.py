"""The shopper's cart, kept in the conversation state: a speculative turn changes a copy, and the change
counts only when the reply is committed. Stock and option checks are the catalog tools' own."""

from __future__ import annotations

from catalog.cart import Cart, CartStore
from catalog.models import Product
from catalog.tool_results import ToolError
from catalog.tools import MAX_QUANTITY, CatalogTools
from dialogue.grounding import coverage, format_price
from dialogue.references import closest_in_meaning
from dialogue.replies import Reply
from dialogue.state import OpenQuestion
from dialogue.turn import Turn


def _tools(turn: Turn) -> tuple[CatalogTools, CartStore]:
    carts = turn.state.cart_store(turn.session_id)
    return CatalogTools(turn.store, carts), carts


def _keep(turn: Turn, carts: CartStore) -> None:
    turn.state.keep_cart(carts, turn.session_id)


def _subtotal(turn: Turn, cart: Cart) -> str:
    return format_price(cart.subtotal, cart.currency, turn.language)


def add(turn: Turn) -> Reply:
    question = turn.question
    target = turn.single_target()
    if isinstance(target, Reply):
        return target
    product = target
    quantity = turn.slots.quantity or (question.quantity if question else None) or 1
    if quantity > MAX_QUANTITY:
        turn.say.add("cart_too_many", quantity=MAX_QUANTITY)
        return turn.reply([product])
    asked = question if question is not None and question.kind == "option" else None
    size = turn.slots.size or (asked.size if asked else None) or turn.state.size
    color = turn.slots.color or (asked.color if asked else None) or turn.state.color
    tools, carts = _tools(turn)
    already = [sku for sku, (pid, _) in turn.state.cart.items() if pid == product.id]
    # More of a product already in the cart, no option named: the same line ("two more", "make it two").
    same_line = already[-1] if already and not (turn.slots.size or turn.slots.color) else None
    if already and turn.slots.quantity and turn.locale.phrases("set_quantity").contains(turn.slots.text):
        for sku in already:  # "make it two": the line becomes two, it does not grow by two
            carts.set(turn.session_id, product.id, sku, 0)
    try:
        cart = tools.add_to_cart(
            turn.session_id,
            product.id,
            quantity,
            size=None if same_line else size,
            color=None if same_line else color,
            sku=same_line,
        )
    except ToolError as err:
        return _cannot_add(turn, product, err, quantity, size, color)
    _keep(turn, carts)
    turn.state.present([product])
    turn.say.add(
        "cart_added",
        [product],
        quantity=quantity,
        title=product.title,
        count=cart.item_count,
        subtotal=_subtotal(turn, cart),
    )
    return turn.reply([product])


def _cannot_add(
    turn: Turn, product: Product, err: ToolError, quantity: int, size: str | None, color: str | None
) -> Reply:
    facts = err.facts
    variant = turn.variant_words(color, size)
    missing = [name.removesuffix("_options") for name in facts if name.endswith("_options")]
    if missing:
        option = missing[0]
        turn.say.add(
            "cart_which_option",
            [product],
            option=_option_word(turn, option),
            title=product.title,
            options=turn.say.locale.join([str(v) for v in facts[f"{option}_options"]]),
        )
        turn.state.open_question = OpenQuestion(
            "option", "cart_add", (product,), option=option, quantity=quantity, size=size, color=color
        )
        turn.state.present([product])
        return turn.reply([product])
    if "sizes" in facts or "colors" in facts:
        options = facts.get("colors") if color else facts.get("sizes")
        turn.say.add(
            "variant_missing",
            [product],
            title=product.title,
            variant=variant,
            options=turn.say.locale.join([str(v) for v in options or []]),
        )
    elif facts.get("stock") == 0:
        turn.say.add("variant_out_of_stock_all", [product], title=product.title, variant=variant or product.title)
    elif "stock" in facts:
        turn.say.add("cart_not_enough", [product], stock=facts["stock"], title=product.title, variant=variant)
    else:
        turn.say.add("safe")
    return turn.reply([product])


def _option_word(turn: Turn, option: str) -> str:
    """ "size"/"color" in the shopper's language: the aspect words of the language file."""
    aspects = turn.say.locale.lexicon.get("aspects") or {}
    key = "sizes" if option == "size" else "colors"
    words = aspects.get(key) or [option]
    return str(words[0])


def view(turn: Turn) -> Reply:
    tools, carts = _tools(turn)
    cart = tools.view_cart(turn.session_id)
    _keep(turn, carts)
    if not cart.lines:
        turn.say.add("cart_empty")
        return turn.reply([])
    items = [turn.say.text("cart_line", quantity=line.quantity, title=line.title) for line in cart.lines]
    products = turn.store.get_products([line.product_id for line in cart.lines])
    turn.say.add("cart_view", products, items=turn.say.locale.join(items), subtotal=_subtotal(turn, cart))
    return turn.reply(products)


def remove(turn: Turn) -> Reply:
    tools, carts = _tools(turn)
    in_cart = turn.store.get_products(list(dict.fromkeys(pid for pid, _ in turn.state.cart.values())))
    if not in_cart:
        turn.say.add("cart_empty")
        return turn.reply([])
    if turn.slots.everything and not turn.slots.rest:
        carts.clear(turn.session_id)  # "remove everything"
        _keep(turn, carts)
        turn.say.add("cart_empty")
        return turn.reply([])
    named = [p for p in in_cart if turn.slots.rest and coverage(turn.slots.rest, p) >= 0.5]
    if not named and turn.slots.rest:  # "把剪刀删掉": the cart's products that the words name, in any language
        about = {p.id for p in turn.find(turn.slots.rest).products}
        named = [p for p in in_cart if p.id in about]
        if not named and len(in_cart) > 1:
            # Nothing in the whole catalog clearly named, but among the cart's own lines one may stand out in
            # meaning; never fall back to the last product mentioned when the shopper named another.
            named = list(closest_in_meaning(turn.slots.rest, tuple(in_cart), turn.finder))
    if len(in_cart) == 1 and not turn.slots.rest:
        product = in_cart[0]
    elif len(named) == 1:
        product = named[0]  # "take the headphones out": the headphones in the cart
    else:
        target = turn.single_target()
        if isinstance(target, Reply):
            return target
        product = target
    if product.id not in {p.id for p in in_cart}:
        items = [
            turn.say.text("cart_line", quantity=q, title=p.title)
            for p in in_cart
            for q in [sum(qty for pid, qty in turn.state.cart.values() if pid == p.id)]
        ]
        turn.say.add("cart_not_in", items=turn.say.locale.join(items))
        return turn.reply(in_cart)
    cart = tools.remove_from_cart(turn.session_id, product_id=product.id, quantity=turn.slots.quantity)
    _keep(turn, carts)
    if cart.lines:
        turn.say.add(
            "cart_removed", [product], title=product.title, count=cart.item_count, subtotal=_subtotal(turn, cart)
        )
    else:
        turn.say.add("cart_removed_empty", [product], title=product.title)
    return turn.reply([product])
