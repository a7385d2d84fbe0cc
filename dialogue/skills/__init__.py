"""What each built-in action does: one function per action, taking the turn and returning the reply."""

from __future__ import annotations

from collections.abc import Callable

from dialogue.replies import Reply
from dialogue.skills import cart, orders, policies, products, talk
from dialogue.turn import Turn

SKILLS: dict[str, Callable[[Turn], Reply]] = {
    "search": products.search,
    "price": products.price,
    "stock": products.stock,
    "details": products.details,
    "compare": products.compare,
    "policy": policies.policy,
    "order_status": orders.order_status,
    "cart_add": cart.add,
    "cart_remove": cart.remove,
    "cart_view": cart.view,
    "reply": talk.template,
    "stop": talk.stop,
}
