"""The voice for each language: a configured Piper voice, else Kokoro-82M, else espeak-ng.

A language without a Piper voice is never read by an English voice (that would mangle
foreign words) and never left silent: Kokoro speaks it where it was measured to be
understood better than espeak-ng, and espeak-ng is the last resort.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from models import resolve
from tts.kokoro_voice import KokoroModel, KokoroUnavailable, KokoroVoice
from tts.settings import TtsSettings

log = logging.getLogger(__name__)


class Voice(Protocol):
    sample_rate: int
    name: str

    def synthesize(self, text: str) -> np.ndarray: ...  # float32 mono in [-1, 1]


class PiperVoiceAdapter:
    def __init__(self, reference: str, length_scale: float = 1.0):
        from piper import PiperVoice, SynthesisConfig

        resolved = resolve(reference)
        path = resolved.path
        if path is None:
            raise ValueError(f"Piper voice {reference!r}: give a bundled voice name or a local .onnx path")
        onnx = path if path.is_file() else next(iter(sorted(path.glob("*.onnx"))), None)
        if onnx is None:
            raise ValueError(f"Piper voice {reference!r}: no .onnx file in {path}")
        self._voice = PiperVoice.load(onnx)
        self._config = SynthesisConfig(length_scale=length_scale, normalize_audio=False)
        self.sample_rate = self._voice.config.sample_rate
        self.name = f"piper:{onnx.stem}"
        self._lock = threading.Lock()  # one ONNX run at a time per voice; sessions queue here

    def synthesize(self, text: str) -> np.ndarray:
        with self._lock:
            parts = [c.audio_float_array for c in self._voice.synthesize(text, self._config)]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


class EspeakFallbackVoice:
    def __init__(self, language: str, espeak_code: str | None = None):
        from tts.espeak_voice import EspeakVoice

        self._voice = EspeakVoice(espeak_code or language)
        self.sample_rate = self._voice.sample_rate
        self.name = f"espeak:{espeak_code or language}"

    def synthesize(self, text: str) -> np.ndarray:
        return self._voice.synthesize(text)


@dataclass
class VoiceBook:
    """Loads each language's voice once and shares it between sessions."""

    settings: TtsSettings

    def __post_init__(self) -> None:
        self._voices: dict[str, Voice] = {}
        self._lock = threading.Lock()
        self._kokoro: KokoroModel | None = None  # one model for every language it speaks
        self._kokoro_error: str | None = None  # why the model did not load: not tried again

    def for_language(self, language: str) -> Voice:
        base = language.split("-")[0].lower()
        with self._lock:
            if base not in self._voices:
                self._voices[base] = self._load(base)
            return self._voices[base]

    def _load(self, language: str) -> Voice:
        if language in self.settings.voices:
            return PiperVoiceAdapter(self.settings.voices[language], self.settings.length_scale)
        reason = None
        if language in self.settings.kokoro.languages:
            try:
                return self._kokoro_voice(language)
            except KokoroUnavailable as exc:
                reason = str(exc)
                log.warning("Kokoro cannot speak %r, espeak-ng will: %s", language, reason)
        if self.settings.fallback == "espeak":
            return EspeakFallbackVoice(language, self.settings.espeak_voices.get(language))
        raise ValueError(
            f"no voice for language {language!r}: add one under tts.voices" + (f" ({reason})" if reason else "")
        )

    def _kokoro_voice(self, language: str) -> KokoroVoice:
        kokoro = self.settings.kokoro
        if self._kokoro is None:
            if self._kokoro_error is not None:
                raise KokoroUnavailable(self._kokoro_error)
            try:
                self._kokoro = KokoroModel(kokoro.model, kokoro.voices_file, kokoro.threads)
            except KokoroUnavailable as exc:
                self._kokoro_error = str(exc)
                raise
        return KokoroVoice(self._kokoro, language, kokoro.voice_for(language), kokoro.speed_for(language))
