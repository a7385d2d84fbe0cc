"""What every transport gives a session: inbound PCM, outbound speech, a play-out clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from tts.synthesizer import SpeechChunk


class AudioOutput(Protocol):
    async def play(self, chunk: SpeechChunk) -> None:
        """Queue one chunk of the reply; returns as soon as it is queued."""

    async def clear(self) -> None:
        """Barge-in: drop every queued sample now."""

    def played_seconds(self) -> float:
        """Seconds of the current reply that have reached the shopper's ears."""

    def start_reply(self) -> None:
        """A new reply begins: the play-out position restarts at zero."""

    def idle_in(self) -> float:
        """Seconds until everything queued has played."""


@dataclass
class PlayoutClock:
    """Play-out position of audio that plays in real time once sent (speaker, browser, file).

    Chunks play back to back; a chunk sent after the previous one finished starts when sent.
    """

    _queued_until: float = 0.0  # wall time when the queued audio will have played
    _segments: list[tuple[float, float]] = field(default_factory=list)  # (wall start, duration) of each chunk

    def reset(self) -> None:
        self._queued_until, self._segments = 0.0, []

    def schedule(self, duration_s: float, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        start = max(now, self._queued_until)
        self._segments.append((start, duration_s))
        self._queued_until = start + duration_s
        return start

    def played(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return sum(min(max(now - start, 0.0), length) for start, length in self._segments)

    @property
    def ends_at(self) -> float:
        """Wall time when everything queued will have played."""
        return self._queued_until

    def idle_in(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return max(0.0, self._queued_until - now)

    def cut(self, now: float | None = None) -> float:
        """Stop now: what has not played yet never will. Returns seconds played."""
        now = time.monotonic() if now is None else now
        played = self.played(now)
        self._segments = [(s, min(length, max(now - s, 0.0))) for s, length in self._segments if s < now]
        self._queued_until = min(self._queued_until, now)
        return played
