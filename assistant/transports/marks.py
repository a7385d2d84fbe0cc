"""Play-out position from the listener's acknowledgements (Twilio marks, the page's `played`).

Each chunk is sent with a mark; the client echoes the mark when that audio has played. The chunk
after an acknowledged one starts playing at that moment, so the position inside it is estimated
from the time since the last acknowledgement. After a barge-in (`cut`) late acknowledgements are
ignored: Twilio echoes pending marks at once after `clear`, and those chunks were never heard.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from assistant.transports.base import PlayoutClock

_ACK_GRACE_S = 2.0  # how long past its expected end a chunk may go unacknowledged before we stop waiting


class MarkedPlayout:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._now = clock
        self._pending: OrderedDict[str, float] = OrderedDict()  # mark -> duration, oldest first
        self._heard_s = 0.0  # acknowledged audio of the current reply
        self._head_since = 0.0  # when the oldest pending chunk began to play
        self._cut_at: float | None = None
        self._estimate = PlayoutClock()  # real-time estimate, for when acknowledgements never come

    def start_reply(self) -> None:
        self._pending.clear()
        self._heard_s, self._cut_at = 0.0, None
        self._estimate.reset()

    def sent(self, mark: str, duration_s: float) -> None:
        now = self._now()
        if not self._pending:
            self._head_since = now
        self._pending[mark] = duration_s
        self._estimate.schedule(duration_s, now)

    def acknowledged(self, mark: str) -> None:
        """Everything up to and including `mark` has played."""
        if self._cut_at is not None or mark not in self._pending:
            return  # after a cut, or an unknown/old mark
        while self._pending:
            name, duration = self._pending.popitem(last=False)
            self._heard_s += duration
            if name == mark:
                break
        self._head_since = self._now()

    def played_seconds(self) -> float:
        if self._cut_at is not None:
            return self._heard_s
        return self._heard_s + self._in_head(self._now())

    def cut(self) -> float:
        """Barge-in: nothing pending will be heard. Returns the seconds that were."""
        if self._cut_at is None:
            self._heard_s += self._in_head(self._now())
            self._cut_at = self._now()
            self._pending.clear()
        return self._heard_s

    def idle_in(self) -> float:
        if not self._pending or self._cut_at is not None:
            return 0.0
        now = self._now()
        if now > self._estimate.ends_at + _ACK_GRACE_S:
            return 0.0  # a client that never acknowledges must not stall the conversation
        return max(self._estimate.idle_in(now), 0.02)

    def _in_head(self, now: float) -> float:
        if not self._pending:
            return 0.0
        head = next(iter(self._pending.values()))
        return min(max(now - self._head_since, 0.0), head)
