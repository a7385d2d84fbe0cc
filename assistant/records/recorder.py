"""Appends what happens in a conversation to the store from one background thread, in the order it happened,
so a turn never waits on the disk or the database; personal data is redacted before anything is queued."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from assistant.pii import redact
from assistant.records.store import ConversationStore, Line, StoreError

log = logging.getLogger(__name__)
_RETRIES = 3  # a database restarting or a locked SQLite file: try again before giving up on a write
_STOP = object()


class Recorder:
    def __init__(self, store: ConversationStore, redact_personal_data: bool = True, max_queued: int = 10_000):
        self.store = store
        self.redact = redact_personal_data
        self._queue: queue.Queue = queue.Queue(max_queued)  # bounded: a stuck database cannot eat the memory
        self._done = threading.Condition()
        self._queued = 0
        self._written = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._write_loop, name="conversation-store", daemon=True)
        self._thread.start()

    # ---- what a conversation does ------------------------------------------------------------------------------
    def conversation_started(self, conversation_id: str, channel: str, caller: dict[str, str]) -> None:
        self.submit(self.store.start_conversation, conversation_id, channel, dict(caller), "", time.time())

    def conversation_ended(self, conversation_id: str, reason: str) -> None:
        self.submit(self.store.end_conversation, conversation_id, reason, time.time())

    def line(self, conversation_id: str, line: Line) -> None:
        self.submit(self.store.append, conversation_id, replace(line, text=self.clean(line.text)))

    def heard(self, conversation_id: str, text: str, interrupted: bool) -> None:
        """The assistant's last line as the shopper heard it (cut off by a barge-in)."""
        self.submit(self.store.amend_last, conversation_id, "assistant", self.clean(text), interrupted)

    def cart(self, conversation_id: str, cart: Sequence[dict[str, Any]]) -> None:
        self.submit(self.store.set_cart, conversation_id, list(cart))

    def clean(self, text: str) -> str:
        return redact(text) if self.redact else text

    # ---- the writer --------------------------------------------------------------------------------------------
    def submit(self, write: Callable[..., Any], *args: Any, then: Callable[[], None] | None = None) -> None:
        """Queue a write; `then` runs on the writer thread once it is committed (to tell other workers)."""
        try:
            self._queue.put_nowait((write, args, then))
        except queue.Full:
            self.failures += 1
            log.error("conversation store is not keeping up: a %s was dropped", write.__name__)
            return
        with self._done:
            self._queued += 1

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written (or has failed)."""
        with self._done:
            target = self._queued
            return self._done.wait_for(lambda: self._written >= target, timeout)

    async def settled(self, timeout: float = 10.0) -> bool:
        """Before reading: what the conversations said so far is in the store."""
        with self._done:
            if self._written >= self._queued:
                return True
        return await asyncio.to_thread(self.flush, timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _write_loop(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            write, args, then = item
            for attempt in range(_RETRIES):
                try:
                    write(*args)
                    if then is not None:
                        then()
                    break
                except StoreError as exc:
                    if attempt == _RETRIES - 1:
                        self.failures += 1
                        log.error("conversation store: %s failed: %s", write.__name__, exc)
                    else:
                        time.sleep(0.2 * 2**attempt)
                except Exception:  # a bug must not stop the writer: later turns still get stored
                    self.failures += 1
                    log.exception("conversation store: %s failed", write.__name__)
                    break
            with self._done:
                self._written += 1
                self._done.notify_all()
