"""Streaming speech: text pieces in, audio clause by clause out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tts.chunking import Clause, ClauseChunker
from tts.kokoro_voice import Interrupt
from tts.settings import TtsSettings
from tts.speakable import speakable
from tts.voices import VoiceBook


@dataclass(frozen=True)
class SpeechChunk:
    pcm: np.ndarray  # int16 mono
    sample_rate: int
    text: str  # the words this audio speaks
    start: int  # span of `text` in the whole reply
    end: int
    voice: str
    synth_s: float = 0.0  # how long synthesis took (for the real-time factor)

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / self.sample_rate


_CACHED_PHRASE_CHARS = 40
_CACHED_PHRASES = 512


class StreamingSynthesizer:
    def __init__(self, settings: TtsSettings | None = None, voices: VoiceBook | None = None):
        self.settings = settings or TtsSettings()
        self.voices = voices or VoiceBook(self.settings)
        # Short phrases said again and again (fillers, "Sure,") keep their audio: no synthesis the second time.
        self._phrases: dict[tuple[str, str], np.ndarray] = {}

    async def speak(self, pieces: AsyncIterable[str], language: str) -> AsyncIterator[SpeechChunk]:
        """Yields one chunk per clause as soon as that clause is complete and synthesised."""
        voice = await asyncio.to_thread(self.voices.for_language, language)
        chunker = ClauseChunker(
            self.settings.min_clause_chars,
            self.settings.min_first_clause_chars,
            getattr(voice, "max_first_clause_chars", None),  # a slow voice (Kokoro) starts on a shorter piece
        )
        async for piece in pieces:
            for clause in chunker.feed(piece):
                yield await self._render(voice, clause)
        for clause in chunker.flush():
            yield await self._render(voice, clause)

    async def _render(self, voice: Any, clause: Clause) -> SpeechChunk:
        started = time.perf_counter()
        key = (voice.name, clause.text)
        pcm = self._phrases.get(key)
        if pcm is None:
            pcm = _pcm16(await self._synthesize(voice, speakable(clause.text)))
            if len(clause.text) <= _CACHED_PHRASE_CHARS:
                self._phrases[key] = pcm
                while len(self._phrases) > _CACHED_PHRASES:
                    self._phrases.pop(next(iter(self._phrases)))  # the oldest
        return SpeechChunk(
            pcm, voice.sample_rate, clause.text, clause.start, clause.end, voice.name, time.perf_counter() - started
        )

    @staticmethod
    async def _synthesize(voice: Any, text: str) -> np.ndarray:
        if not getattr(voice, "interruptible", False):
            return await asyncio.to_thread(voice.synthesize, text)
        interrupt = Interrupt()
        try:
            return await asyncio.to_thread(voice.synthesize, text, interrupt)
        except asyncio.CancelledError:
            interrupt.set()  # the thread stops too, instead of holding the shared model for the next turn
            raise

    def remember(self, phrases: list[str], language: str) -> None:
        """Synthesise short phrases now ("One moment."), so saying them later costs no synthesis."""
        voice = self.voices.for_language(language)
        for text in phrases:
            if len(text) <= _CACHED_PHRASE_CHARS:
                self._phrases[(voice.name, text)] = _pcm16(voice.synthesize(speakable(text)))

    def synthesize_text(self, text: str, language: str) -> list[SpeechChunk]:
        """Blocking helper for tests and tools: the whole text, clause by clause."""

        async def run() -> list[SpeechChunk]:
            async def one():
                yield text

            return [c async for c in self.speak(one(), language)]

        return asyncio.run(run())


def _pcm16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
