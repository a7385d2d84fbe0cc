"""A conversation played from WAV files: for tests, demos and the benchmark.

The shopper's files are streamed in real time (or as fast as possible with `realtime=False`),
followed by silence until the reply has played (or, with `barge_in_after`, until the reply has
played that long, so the next file interrupts it). The assistant's audio is "played" on a
real-time clock and recorded, cut where a barge-in stopped it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from assistant.audio_io import PIPELINE_RATE
from assistant.transports.base import PlayoutClock
from tts.synthesizer import SpeechChunk

_GAP_S = 0.3  # pause between a finished reply and the shopper's next file


@dataclass
class _Played:
    chunk: SpeechChunk
    start: float
    heard_s: float


class WavFileConversation:
    def __init__(
        self,
        utterances: list[bytes],
        barge_in_after: float | None = None,
        realtime: bool = True,
        frame_ms: int = 20,
        settle_s: float = 1.6,
        reply_timeout_s: float = 20.0,
    ):
        self.utterances = utterances
        self.barge_in_after = barge_in_after
        self.realtime = realtime
        self.frame_bytes = PIPELINE_RATE * frame_ms // 1000 * 2
        self.frame_s = frame_ms / 1000
        self.settle_s = settle_s
        self.reply_timeout_s = reply_timeout_s
        self.is_idle: Callable[[], bool] = lambda: True  # the simulation wires the session in here
        self._clock = PlayoutClock()
        self._replies = 0
        self._reply_started_at = 0.0
        self._played: list[_Played] = []
        self._new_reply = False

    # ---- input: the shopper --------------------------------------------------------------------
    async def frames(self) -> AsyncIterator[bytes]:
        silence = bytes(self.frame_bytes)
        next_at = time.monotonic()
        for i, pcm in enumerate(self.utterances):
            for start in range(0, len(pcm), self.frame_bytes):
                frame = pcm[start : start + self.frame_bytes].ljust(self.frame_bytes, b"\0")
                if self.realtime:
                    next_at = await pace(next_at, self.frame_s)
                yield frame
            next_at = time.monotonic()
            ended_at, replies_before = next_at, self._replies
            may_barge = self.barge_in_after is not None and i < len(self.utterances) - 1
            while not self._done_waiting(ended_at, replies_before, may_barge):
                next_at = await pace(next_at, self.frame_s)
                yield silence

    def _done_waiting(self, ended_at: float, replies_before: int, may_barge: bool) -> bool:
        now = time.monotonic()
        if may_barge and self._replies > replies_before:
            return now >= self._reply_started_at + self.barge_in_after
        if now - ended_at >= self.reply_timeout_s:
            return True
        settled = now - ended_at >= self.settle_s and self.is_idle()
        return settled and self._clock.idle_in() == 0 and now - self._last_audio_end() >= _GAP_S

    def _last_audio_end(self) -> float:
        return max((p.start + p.heard_s for p in self._played), default=0.0)

    # ---- output: the assistant's voice ---------------------------------------------------------
    def start_reply(self) -> None:
        self._clock.reset()
        self._new_reply = True

    async def play(self, chunk: SpeechChunk) -> None:
        start = self._clock.schedule(chunk.duration_s)
        if self._new_reply:
            self._new_reply = False
            self._replies += 1
            self._reply_started_at = start
        self._played.append(_Played(chunk, start, chunk.duration_s))

    async def clear(self) -> None:
        now = time.monotonic()
        self._clock.cut(now)
        for item in self._played:
            item.heard_s = min(item.heard_s, max(0.0, now - item.start))

    def played_seconds(self) -> float:
        return self._clock.played()

    def idle_in(self) -> float:
        return self._clock.idle_in()

    def write_played(self, path: str | Path, rate: int = 22050) -> None:
        """Everything the shopper heard, in order; cut replies end where they were cut."""
        parts = []
        for item in self._played:
            heard = item.chunk.pcm[: int(item.heard_s * item.chunk.sample_rate)].astype(np.float32) / 32768
            if item.chunk.sample_rate != rate and len(heard):
                heard = soxr.resample(heard, item.chunk.sample_rate, rate)
            parts.append(heard)
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        sf.write(str(path), audio, rate, subtype="PCM_16")


async def pace(next_at: float, step: float) -> float:
    """Sleep until `next_at`; returns when the following frame is due."""
    delay = next_at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    return next_at + step
