"""When the conversation goes to a person: asked for, the same need unanswered too often, frustration, or
an operator's rule (an intent, a cart worth more than X)."""

from __future__ import annotations

from catalog.cart import CartStore
from catalog.tools import CatalogTools
from dialogue.replies import Reply
from dialogue.settings import HandoffRules
from dialogue.turn import Turn

ASKED = "asked in words"
_ABOUT_PRODUCTS = {"search", "price", "stock", "details", "compare"}


def track(turn: Turn, reply: Reply) -> None:
    """Count unanswered needs and frustration in the state (the copy this turn commits)."""
    state = turn.state
    need, count = state.unresolved
    # The same need: the same intent about the same words ("do you have a grand piano?" twice).
    this = f"{turn.intent.name}: {turn.slots.rest}" if turn.intent.action in _ABOUT_PRODUCTS else turn.intent.name
    if reply.resolved:
        state.unresolved = ("", 0)
    else:
        state.unresolved = (this, count + 1 if need == this else 1)
    if turn.slots.frustrated:
        state.frustration += 1
    elif reply.resolved:
        state.frustration = 0  # frustration in turns in a row; a calm, answered turn starts over


def reason(turn: Turn, rules: HandoffRules) -> str | None:
    """Why this turn hands the shopper to a person, or None. Call after `track`."""
    if turn.intent.action == "handoff":
        return ASKED if rules.on_request else None
    if turn.intent.name in rules.intents:
        return f"rule: intent {turn.intent.name}"
    if rules.frustration_turns and turn.state.frustration >= rules.frustration_turns:
        return "frustration"
    if rules.unresolved_turns and turn.state.unresolved[1] >= rules.unresolved_turns:
        return f"unresolved {turn.state.unresolved[1]} times: {turn.state.unresolved[0]}"
    if rules.cart_value_above is not None and turn.state.cart:
        carts = CartStore()
        for sku, (product_id, quantity) in turn.state.cart.items():
            carts.set("rule", product_id, sku, quantity)
        if CatalogTools(turn.store, carts).view_cart("rule").subtotal > rules.cart_value_above:
            return f"rule: cart value above {rules.cart_value_above}"
    return None


def reply_name(why: str) -> str:
    if why == ASKED:
        return "handoff"
    if why == "frustration":
        return "handoff_frustration"
    if why.startswith("unresolved"):
        return "handoff_unresolved"
    return "handoff_rule"
