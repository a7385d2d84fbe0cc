"""Runs each WebSocket conversation on the shared engines, and counts and records what happens."""

from __future__ import annotations

import asyncio
import logging
import time

from assistant.agents.hub import AgentHub
from assistant.agents.shopper_link import ShopperLink
from assistant.engines import Engines
from assistant.events import HubKind, Kind
from assistant.handoff import HandoffDesk, HandoffRecord
from assistant.records.store import Line
from assistant.server.metrics import Metrics
from assistant.session import Session
from assistant.transports.outbox import ClientGone
from assistant.transports.websocket import WebSocketTransport, close_quietly
from assistant.turn import TurnRecord
from dialogue.llm.summary import template_summary

log = logging.getLogger(__name__)


class Conversations:
    def __init__(self, engines: Engines, metrics: Metrics, desk: HandoffDesk, hub: AgentHub | None = None):
        self.engines = engines
        self.hub = hub or AgentHub()
        self.metrics = metrics
        self.desk = desk
        self.recorder = desk.recorder
        self._summaries: set[asyncio.Task] = set()  # model summaries being written for handoffs

    async def run(self, transport: WebSocketTransport) -> str:
        """Talk until the client leaves or is dropped; returns why the conversation ended."""
        channel = transport.channel
        session = Session(
            self.engines,
            transport,
            on_event=lambda e: self._on_event(transport, session, link, e),
            on_turn=lambda turn: self._turn_done(transport, session, turn),
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
        self.recorder.conversation_started(transport.session_id, channel, dict(getattr(transport, "call", {})))
        link = ShopperLink(session, transport, self.desk, self.engines.config.handoff.wait_s)
        stop_listening = self.hub.subscribe(link.on_hub)
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
            self.recorder.conversation_ended(transport.session_id, reason)
            stop_listening()
            await link.close()
            log.info("%s session %s closed: %s (%d turns)", channel, transport.session_id, reason, len(session.turns))
            await close_quietly(transport, reason)

    def _turn_done(self, transport: WebSocketTransport, session: Session, turn: TurnRecord) -> None:
        self.metrics.turn_done(transport.channel, turn)
        if turn.interrupted:
            self.recorder.heard(transport.session_id, turn.heard_reply, interrupted=True)
        if turn.facts:  # what the model was given (catalog facts, tool results): the agent can check the answer
            self.recorder.line(transport.session_id, Line("tool", "\n".join(turn.facts), turn.language))
        self.recorder.cart(transport.session_id, _cart(session))
        log.info(
            "%s session %s turn %d (%s%s): latency ms %s",
            transport.channel,
            transport.session_id,
            turn.index,
            turn.intent,
            ", interrupted" if turn.interrupted else "",
            turn.latency_ms(),
        )

    def _on_event(self, transport: WebSocketTransport, session: Session, link: ShopperLink, event: dict) -> None:
        transport.event(event)
        kind, channel = event["type"], transport.channel
        self._record(transport.session_id, event)
        link.heard(event)
        if kind == Kind.BARGE_IN:
            self.metrics.barge_ins.labels(channel).inc()
        elif kind == Kind.ERROR:
            self.metrics.errors.labels(channel, event.get("code", "error")).inc()
        elif kind == Kind.HANDOFF:
            self.metrics.handoffs.labels(channel, event["reason"]).inc()
            state = session.dialogue_state
            products = [*state.discussed, *(product for turn in session.turns for product in turn.products)]
            cart = _cart(session)
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
            loop = asyncio.get_running_loop()
            # Consoles on other workers read the queue from the store: they are told once it is written there.
            filed = lambda: loop.call_soon_threadsafe(self.hub.publish_soon, {"kind": HubKind.QUEUE})  # noqa: E731
            record = self.desk.add(record, then=filed)
            link.waiting_for_agent(record)
            llm = self.engines.llm
            if llm is not None and self.engines.config.dialogue.llm.summaries:
                task = asyncio.create_task(self.desk.summarise(record, list(session.history.messages), llm))
                self._summaries.add(task)
                task.add_done_callback(self._summaries.discard)

    def _record(self, conversation_id: str, event: dict) -> None:
        """The lines of the conversation, appended as they happen (the assistant's as it said them; cut to what
        was heard when the turn is over)."""
        kind = event["type"]
        if kind == Kind.TRANSCRIPT:
            line = Line(
                "user",
                event["text"],
                event["language"],
                asr_confidence=event.get("confidence"),
                language_confidence=event.get("language_confidence"),
                intent=event.get("intent"),
            )
        elif kind == Kind.REPLY:
            products = tuple(str(p.get("id", "")) for p in event.get("products", ()))
            role = "agent" if event.get("by") == "agent" else "assistant"
            line = Line(role, event["text"], event["language"], products=products)
        else:
            return
        self.recorder.line(conversation_id, line)
        # Agents following the conversation see the line at once (redacted like the stored one).
        shown = {
            "role": line.role,
            "text": self.recorder.clean(line.text),
            "language": line.language,
            "at": time.time(),
        }
        self.hub.publish_soon({"kind": HubKind.LINE, "session": conversation_id, "line": shown})


def _cart(session: Session) -> tuple[dict, ...]:
    cart = session.dialogue_state.cart.items()
    return tuple({"sku": sku, "product_id": product_id, "quantity": quantity} for sku, (product_id, quantity) in cart)


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
