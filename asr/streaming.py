"""Partial and final transcripts of one growing utterance.

While the shopper talks, the utterance so far is re-decoded now and then. Words that two
consecutive decodes agree on are committed (they never change again on screen); the rest
is shown as tentative. The final transcript is one decode of the whole utterance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asr.settings import SAMPLE_RATE
from asr.whisper_engine import Transcript, WhisperEngine

_PREROLL_S = 0.3  # audio kept from before speech start: VAD fires a little late
_HISTORY_S = 1.0


@dataclass(frozen=True)
class PartialTranscript:
    committed: str
    tentative: str
    language: str

    @property
    def text(self) -> str:
        return f"{self.committed} {self.tentative}".strip()


def _common_prefix(a: list[str], b: list[str]) -> list[str]:
    out = []
    for x, y in zip(a, b):
        if x.strip(".,?!").lower() != y.strip(".,?!").lower():
            break
        out.append(y)
    return out


def pcm16_to_float(pcm16: bytes) -> np.ndarray:
    return np.frombuffer(pcm16, dtype=np.int16).astype(np.float32) / 32768.0


class Utterance:
    """Audio of one utterance plus the stable-prefix bookkeeping for its partials."""

    def __init__(self, preroll: np.ndarray | None = None):
        self._chunks: list[np.ndarray] = [] if preroll is None else [preroll]
        self._samples = 0 if preroll is None else len(preroll)
        self._previous: list[str] = []
        self._committed: list[str] = []

    def add(self, pcm16: bytes) -> None:
        chunk = pcm16_to_float(pcm16)
        self._chunks.append(chunk)
        self._samples += len(chunk)

    @property
    def duration_s(self) -> float:
        return self._samples / SAMPLE_RATE

    def audio(self) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.zeros(0, np.float32)

    def update_partial(self, hypothesis: Transcript) -> PartialTranscript:
        words = hypothesis.text.split()
        agreed = _common_prefix(self._previous, words)
        if len(agreed) > len(self._committed):
            self._committed = agreed
        self._previous = words
        # Committed words stay on screen even if a later decode wavers on them.
        tentative = words[len(self._committed) :]
        return PartialTranscript(" ".join(self._committed), " ".join(tentative), hypothesis.language)


class StreamingTranscriber:
    """Runs decodes off the event loop; one model is shared by every session."""

    def __init__(self, engine: WhisperEngine):
        self.engine = engine
        self._history = np.zeros(0, np.float32)

    def keep_history(self, pcm16: bytes) -> None:
        """Audio heard while not in speech, kept briefly as pre-roll for the next utterance."""
        self._history = np.concatenate([self._history, pcm16_to_float(pcm16)])[-int(_HISTORY_S * SAMPLE_RATE) :]

    def start_utterance(self, already_voiced_s: float) -> Utterance:
        """`already_voiced_s` of speech was in the history before the VAD said "start"."""
        keep = int((already_voiced_s + _PREROLL_S) * SAMPLE_RATE)
        utterance = Utterance(self._history[-keep:].copy())
        self._history = np.zeros(0, np.float32)  # never reused: it would splice old speech into the next
        return utterance

    async def partial(self, utterance: Utterance, prior: str | None = None) -> PartialTranscript | None:
        """None when the model is busy: a partial is a courtesy, another session's final is not."""
        if self.engine.busy:
            return None
        result = await self.engine.transcribe_queued(utterance.audio(), None, prior)
        return utterance.update_partial(result)

    async def final(self, audio: np.ndarray, prior: str | None = None) -> Transcript:
        return await self.engine.transcribe_queued(audio, None, prior)
