"""Whisper transcription for short utterances, fast on a CPU.

faster-whisper's `transcribe` pads every utterance to 30 s and encodes twice (language id,
then decoding). A spoken question is a few seconds long, so we pad it with a little
silence instead, encode once, and run language id and greedy decoding on that one
encoder output. Decoding is capped by the audio's length so it cannot loop forever.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from asr.settings import SAMPLE_RATE, AsrSettings
from models import resolve

_PAD_S = 2.0  # silence after the speech: Whisper expects to see the utterance end
_MIN_WINDOW_S = 4.0
_MAX_WINDOW_S = 30.0
_TOKENS_PER_S = 12  # generous for Chinese and Japanese, which need the most tokens per second
# Whisper's own test for "this was not speech", a little stricter on no-speech: noise that
# VAD let through decodes to a confident-looking "1.5%" with no-speech ~0.5, real speech < 0.2.
_NO_SPEECH_THRESHOLD = 0.4
_LOW_LOGPROB = -1.0
_UNSURE_LANGUAGE = 0.5


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    audio_s: float
    decode_s: float
    no_speech_prob: float = 0.0
    confidence: float = 1.0  # the mean token probability of the words (exp of Whisper's average log-probability)


class WhisperEngine:
    """One loaded Whisper model shared by every session; `workers` decodes run at a time, the rest queue."""

    def __init__(self, settings: AsrSettings | None = None):
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        self.settings = settings or AsrSettings()
        resolved = resolve(self.settings.model)
        self._model = WhisperModel(
            str(resolved.path) if resolved.path else resolved.hub_id,
            device=self.settings.device,
            compute_type=self.settings.compute_type,
            cpu_threads=self.settings.cpu_threads,
            num_workers=self.settings.workers,
        )
        self._tokenizer_cls = Tokenizer
        self.multilingual = self._model.model.is_multilingual
        self._slots = threading.Semaphore(self.settings.workers)
        # Sessions queue here for the one model, in arrival order.
        self._worker = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="whisper")
        self._queued = 0
        self._allowed = {f"<|{code}|>" for code in self.settings.languages}

    def knows_language(self, code: str) -> bool:
        """Whether `code` ("es") is a language this model may be told to transcribe in."""
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        allowed = self.settings.languages or _LANGUAGE_CODES
        return code in allowed and (self.multilingual or code == "en")

    def warm_up(self) -> None:
        """Each worker's first decode allocates its buffers: pay that at start-up, on every worker."""
        silence = np.zeros(SAMPLE_RATE, np.float32)
        list(self._worker.map(lambda _: self.transcribe(silence, "en"), range(self.settings.workers)))

    @property
    def busy(self) -> bool:
        """A decode is running or waiting. Best-effort work (partials) then skips its turn, so a
        worker stays free for a final transcript that a shopper is waiting for."""
        return self._queued > 0

    async def transcribe_queued(
        self, audio: np.ndarray, language: str | None = None, prior: str | None = None
    ) -> Transcript:
        """`transcribe` off the event loop, behind every decode already asked for."""
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._worker, self.transcribe, audio, language, prior
            )
        finally:
            self._queued -= 1

    def transcribe(self, audio: np.ndarray, language: str | None = None, prior: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 audio.

        `language` skips language id; `prior` (the conversation's language so far) is used
        when language id on this utterance alone is unsure.
        """
        started = time.perf_counter()
        audio = np.asarray(audio, dtype=np.float32)
        if len(audio) > (_MAX_WINDOW_S - _PAD_S) * SAMPLE_RATE:
            audio = audio[-int((_MAX_WINDOW_S - _PAD_S) * SAMPLE_RATE) :]  # keep the latest words
        audio_s = len(audio) / SAMPLE_RATE
        window_s = max(_MIN_WINDOW_S, audio_s + _PAD_S)
        padded = np.zeros(int(window_s * SAMPLE_RATE), dtype=np.float32)
        padded[: len(audio)] = audio
        with self._slots:
            features = self._model.feature_extractor(padded)
            encoded = self._model.encode(features)
            lang, prob = self._language(encoded, language)
            if prob < _UNSURE_LANGUAGE and not language:
                if prior:
                    lang = prior
                else:  # Whisper's language id is steadier on its native 30 s window
                    lang, prob = self._language(self._model.encode(self._full_window(audio)), None)
            tokenizer = self._tokenizer_cls(
                self._model.hf_tokenizer,
                self.multilingual,
                task="transcribe",
                language=lang if self.multilingual else None,
            )
            # With timestamps on, Whisper says where each segment starts, so a segment it
            # invents in the padding (a repeat of the question) can be dropped.
            prompt = list(tokenizer.sot_sequence)
            max_new = int(10 + _TOKENS_PER_S * audio_s)
            result = self._model.model.generate(
                encoded,
                [prompt],
                beam_size=self.settings.beam_size,
                max_length=len(prompt) + max_new,
                no_repeat_ngram_size=4,
                return_no_speech_prob=True,
                return_scores=True,
                suppress_blank=True,
            )[0]
        tokens = _tokens_within(result.sequences_ids[0], tokenizer, audio_s)
        text = tokenizer.decode(tokens).strip()
        no_speech = float(result.no_speech_prob)
        avg_logprob = float(result.scores[0])  # per token: CTranslate2 divides by the length
        if no_speech > _NO_SPEECH_THRESHOLD and avg_logprob < _LOW_LOGPROB:
            text = ""  # what Whisper "hears" in noise ("Thank you.", "1.5%")
        decode_s = time.perf_counter() - started
        return Transcript(text, lang, prob, audio_s, decode_s, no_speech, confidence=math.exp(min(avg_logprob, 0.0)))

    def _full_window(self, audio: np.ndarray) -> np.ndarray:
        padded = np.zeros(int(_MAX_WINDOW_S * SAMPLE_RATE) - 1, dtype=np.float32)
        padded[: len(audio)] = audio[: len(padded)]
        return self._model.feature_extractor(padded)[..., :3000]

    def _language(self, encoded: object, forced: str | None) -> tuple[str, float]:
        if not self.multilingual:
            return "en", 1.0
        if forced:
            return forced, 1.0
        ranked = self._model.model.detect_language(encoded)[0]
        for token, prob in ranked:
            if not self._allowed or token in self._allowed:
                return token[2:-2], float(prob)
        token, prob = ranked[0]
        return token[2:-2], float(prob)


def _tokens_within(sequence: list[int], tokenizer: Any, audio_s: float) -> list[int]:
    """Text tokens of the segments that start inside the real audio (not the padding)."""
    kept: list[int] = []
    keep = True
    for token in sequence:
        if token >= tokenizer.timestamp_begin:
            start_s = (token - tokenizer.timestamp_begin) * 0.02
            if start_s >= audio_s - 0.1 and kept:
                keep = False
        elif token < tokenizer.eot and keep:
            kept.append(token)
    return kept
