"""Runs each WebSocket conversation on the shared engines, and counts and records what happens."""

from __future__ import annotations

import asyncio
import logging

from assistant.engines import Engines
from assistant.handoff import HandoffDesk, HandoffRecord
from assistant.server.metrics import Metrics
from assistant.session import Session
from assistant.transports.outbox import ClientGone
from assistant.transports.websocket import WebSocketTransport
from assistant.turn import TurnRecord
from dialogue.llm.summary import template_summary

log = logging.getLogger(__name__)
_CLOSE_TIMEOUT_S = 2.0


class Conversations:
    def __init__(self, engines: Engines, metrics: Metrics, desk: HandoffDesk):
        self.engines = engines
        self.metrics = metrics
        self.desk = desk
        self._summaries: set[asyncio.Task] = set()  # model summaries being written for handoffs

    async def run(self, transport: WebSocketTransport) -> str:
        """Talk until the client leaves or is dropped; returns why the conversation ended."""
        channel = transport.channel
        session = Session(
            self.engines,
            transport,
            on_event=lambda e: self._on_event(transport, session, e),
            on_turn=lambda turn: self._turn_done(transport, turn),
        )
        transport.on_handoff = session.request_handoff
        transport.on_bad_input = lambda code: self.metrics.errors.labels(channel, code).inc()
        transport.on_language_hint = session.hint_language
        client = transport.websocket.client
        log.info(
            "%s session %s opened from %s",
            channel,
            transport.session_id,
            f"{client.host}:{client.port}" if client else "unknown",
        )
        self.metrics.sessions.labels(channel).inc()
        self.metrics.sessions_active.labels(channel).inc()
        sender = asyncio.create_task(transport.outbox.run())
        talker = asyncio.create_task(session.run(transport.frames()))
        reason = "server shutting down"
        try:
            await asyncio.wait({sender, talker}, return_when=asyncio.FIRST_COMPLETED)
            if talker.done():
                reason = _why_talk_ended(talker)
                await transport.outbox.flush()  # the last events, if the client is still there
            else:
                reason = transport.outbox.failed or "client dropped"
                talker.cancel()
                await asyncio.gather(talker, return_exceptions=True)
            return reason
        finally:
            for task in (talker, sender):
                task.cancel()
            await asyncio.gather(talker, sender, return_exceptions=True)
            self.metrics.sessions_active.labels(channel).dec()
            log.info("%s session %s closed: %s (%d turns)", channel, transport.session_id, reason, len(session.turns))
            await _close_quietly(transport, reason)

    def _turn_done(self, transport: WebSocketTransport, turn: TurnRecord) -> None:
        self.metrics.turn_done(transport.channel, turn)
        log.info(
            "%s session %s turn %d (%s%s): latency ms %s",
            transport.channel,
            transport.session_id,
            turn.index,
            turn.intent,
            ", interrupted" if turn.interrupted else "",
            turn.latency_ms(),
        )

    def _on_event(self, transport: WebSocketTransport, session: Session, event: dict) -> None:
        transport.event(event)
        kind, channel = event["type"], transport.channel
        if kind == "barge_in":
            self.metrics.barge_ins.labels(channel).inc()
        elif kind == "error":
            self.metrics.errors.labels(channel, event.get("code", "error")).inc()
        elif kind == "handoff":
            self.metrics.handoffs.labels(channel, event["reason"]).inc()
            state = session.dialogue_state
            products = [*state.discussed, *(product for turn in session.turns for product in turn.products)]
            cart = tuple({"sku": sku, "product_id": pid, "quantity": qty} for sku, (pid, qty) in state.cart.items())
            record = HandoffRecord.from_history(
                session.history,
                products,
                session=transport.session_id,
                channel=channel,
                reason=event["reason"],
                language=event["language"],
                caller=dict(getattr(transport, "call", {})),
                cart=cart,
                summary=template_summary(
                    session.history.messages, event["reason"], list(dict.fromkeys(products)), state.cart_items
                ),
            )
            record = self.desk.add(record)
            llm = self.engines.llm
            if llm is not None and self.engines.config.dialogue.llm.summaries:
                task = asyncio.create_task(self.desk.summarise(record, list(session.history.messages), llm))
                self._summaries.add(task)
                task.add_done_callback(self._summaries.discard)


def _why_talk_ended(talker: asyncio.Task) -> str:
    if talker.cancelled():
        return "cancelled"
    exc = talker.exception()
    if exc is None:
        return "input ended"
    if isinstance(exc, ClientGone):
        return str(exc)
    log.error("conversation failed", exc_info=exc)
    return f"internal error: {exc}"


async def _close_quietly(transport: WebSocketTransport, reason: str) -> None:
    try:
        # A close frame carries at most 123 bytes of reason (UTF-8), whatever a client put in it.
        reason = reason.encode()[:120].decode(errors="ignore")
        await asyncio.wait_for(transport.websocket.close(code=1000, reason=reason), _CLOSE_TIMEOUT_S)
    except Exception:  # already closed, or a client that does not answer the close handshake
        pass
