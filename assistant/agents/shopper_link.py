"""A shopper's conversation as the agents reach it: their typed lines spoken, hand back and close from the hub;
and while the shopper waits for a person, the offer of a call back when nobody accepts in time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from assistant.events import HubKind, Kind
from assistant.handoff import HandoffDesk, HandoffRecord
from assistant.pii import phone_numbers
from assistant.transports.websocket import close_quietly

if TYPE_CHECKING:
    from assistant.session import Session
    from assistant.transports.websocket import WebSocketTransport

log = logging.getLogger(__name__)


class ShopperLink:
    def __init__(self, session: Session, transport: WebSocketTransport, desk: HandoffDesk, wait_s: float):
        self.session = session
        self.transport = transport
        self.desk = desk
        self.wait_s = wait_s
        self._asking_number_for: str | None = None  # a handoff whose callback number the shopper may say now
        self._tasks: set[asyncio.Task] = set()

    def on_hub(self, message: dict) -> None:
        if message.get("session") != self.transport.session_id:
            return
        kind = message.get("kind")
        if kind == HubKind.SAY:
            self._asking_number_for = None  # a person is talking to them now
            self._spawn(self.session.say_for_agent(str(message.get("text", ""))))
        elif kind == HubKind.HAND_BACK:
            self.session.hand_back()
        elif kind == HubKind.CLOSE:
            self._spawn(close_quietly(self.transport, "the agent closed the conversation"))

    def waiting_for_agent(self, record: HandoffRecord) -> None:
        self._spawn(self._offer_callback(record))

    def heard(self, event: dict) -> None:
        """What the shopper said while a person has (or is to have) the conversation: a number to call back."""
        if event["type"] != Kind.TRANSCRIPT or self._asking_number_for is None:
            return
        numbers = phone_numbers(event["text"])
        if numbers:
            handoff_id, self._asking_number_for = self._asking_number_for, None
            self.desk.recorder.submit(self.desk.store.set_callback, handoff_id, numbers[0])
            self._say("handoff_callback_noted")

    async def _offer_callback(self, record: HandoffRecord) -> None:
        await asyncio.sleep(self.wait_s)
        current = await self.desk.get(record.id)
        if current is None or current.status != "waiting":
            return
        caller = record.caller.get("from", "")
        if self.transport.channel == "phone" and phone_numbers(caller):
            self.desk.recorder.submit(self.desk.store.set_callback, record.id, caller)
            self._say("handoff_callback_phone")
        else:
            self._asking_number_for = record.id
            self._say("handoff_callback_ask")

    def _say(self, phrase: str) -> None:
        text = self.session.engines.dialogue.phrase(self.session.handoff_language(), phrase)
        self._spawn(self.session.say_for_agent(text, by="assistant"))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("agent action failed: %s", task.exception())
