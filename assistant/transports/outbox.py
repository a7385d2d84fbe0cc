"""Messages to one WebSocket client, sent in order by one task.

A reply must never wait on the network: `put` returns at once. A client that stops reading
is disconnected instead of letting the queue (and the server's memory) grow.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Message = str | bytes


class ClientGone(Exception):
    """The client disconnected, hung up, or was dropped; the conversation ends now."""


class Outbox:
    def __init__(
        self, send: Callable[[Message], Awaitable[None]], max_queued_bytes: int = 4 << 20, stall_s: float = 10.0
    ):
        self._send = send
        self.max_queued_bytes = max_queued_bytes
        self.stall_s = stall_s
        # Groups of messages that go out together (an audio header and its samples), and whether audio.
        self._queue: deque[tuple[tuple[Message, ...], bool]] = deque()
        self._queued_bytes = 0
        self._in_flight_bytes = 0
        self._wakeup = asyncio.Event()
        self.failed: str | None = None  # why the client was dropped
        self.done = asyncio.Event()
        self._dropped: asyncio.Future | None = None  # resolved when `failed` is set, to stop a send mid-way

    def put(self, *messages: Message, audio: bool = False) -> None:
        """Queue messages that belong together (an audio header and its samples)."""
        if self.failed:
            return
        size = sum(len(m) for m in messages)
        waiting = self._queued_bytes + self._in_flight_bytes + size  # a blocked send has not left either
        if waiting > self.max_queued_bytes:
            self._fail(f"client is not reading: {waiting} bytes waiting")
            return
        self._queue.append((messages, audio))
        self._queued_bytes += size
        self._wakeup.set()

    def drop_audio(self) -> None:
        """Barge-in: audio not yet sent is never sent."""
        self._queue = deque(item for item in self._queue if not item[1])
        self._queued_bytes = sum(len(m) for group, _ in self._queue for m in group)

    async def run(self) -> None:
        """Send until the client is gone or dropped; returns with `failed` set."""
        self._dropped = asyncio.get_running_loop().create_future()
        if self.failed:
            self._dropped.set_result(None)
        try:
            while not self.failed:
                if not self._queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                group, _ = self._queue.popleft()
                self._in_flight_bytes = sum(len(m) for m in group)
                self._queued_bytes -= self._in_flight_bytes
                for message in group:  # never split: a `clear` cannot land between a header and its samples
                    if self.failed:
                        break
                    await self._send_one(message)
                self._in_flight_bytes = 0
        finally:
            self.done.set()

    async def _send_one(self, message: Message) -> None:
        """One send; it ends early when the client is dropped meanwhile (e.g. over max_queued_bytes)."""
        sending = asyncio.ensure_future(self._send(message))
        try:
            done, _ = await asyncio.wait(
                {sending, self._dropped}, timeout=self.stall_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if not sending.done():
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
        if sending in done:
            error = asyncio.CancelledError() if sending.cancelled() else sending.exception()
            if error is not None:  # the socket is closed or broken
                self._fail(f"client went away while we were sending ({type(error).__name__})")
        elif not self.failed:
            self._fail(f"client stopped reading: one send waited {self.stall_s:g} s")

    async def flush(self, timeout_s: float = 2.0) -> None:
        """Wait (briefly) until everything queued has been handed to the socket."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while self._queue and not self.failed and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

    def close(self, reason: str) -> None:
        self._fail(reason)

    def _fail(self, reason: str) -> None:
        if not self.failed:
            self.failed = reason
            self._queue.clear()
            self._queued_bytes = 0
            self._wakeup.set()
            if self._dropped is not None and not self._dropped.done():
                self._dropped.set_result(None)
