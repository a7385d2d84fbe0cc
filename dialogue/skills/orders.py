"""Order status by order id, typed or spoken ("A one oh one seven"); asks for the id when it is missing."""

from __future__ import annotations

from dialogue.grounding import format_date
from dialogue.replies import Reply
from dialogue.state import OpenQuestion
from dialogue.turn import Turn

_FINISHED = {"delivered", "cancelled", "returned", "refunded"}


def order_status(turn: Turn) -> Reply:
    order_id = turn.slots.order_id
    if not order_id:
        turn.say.add("order_ask_id")
        turn.state.open_question = OpenQuestion("order_id", turn.intent.name)
        return turn.reply([])
    order = turn.store.get_order(order_id)
    if order is None:
        turn.say.add("order_not_found", order_id=order_id)
        turn.state.open_question = OpenQuestion("order_id", turn.intent.name)
        return turn.reply([], resolved=False)
    statuses = turn.say.locale.lexicon.get("order_status") or {}
    turn.say.add("order_status", order_id=order.id, status=statuses.get(order.status, order.status.replace("_", " ")))
    if order.carrier and order.status not in ("pending", "processing", "cancelled"):
        turn.say.add("order_carrier", carrier=order.carrier, tracking=order.tracking_number)
    if order.estimated_delivery is not None:
        when = format_date(order.estimated_delivery, turn.say.locale)
        if order.status == "delivered":
            turn.say.add("order_delivered", date=when)
        elif order.status not in _FINISHED:
            turn.say.add("order_eta", date=when)
    return turn.reply([])
