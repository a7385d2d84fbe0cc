"""Speech start and end from webrtcvad frames.

The endpointer sees fixed-size frames of 16 kHz int16 PCM and says when the shopper
started talking, when a pause began (a cue to prepare the reply speculatively), when
they resumed, and when their turn is over. How much trailing silence ends a turn
depends on what they said so far: less after a complete question, more after a
filler word or while they are reading out digits.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
import webrtcvad

from asr.settings import SAMPLE_RATE, EndpointSettings, VadSettings

_COMPLETE = re.compile(r"[.?!。？！]\s*$")
_QUESTION = re.compile(r"[?？]\s*$")
_WORD = re.compile(r"[\w']+", re.UNICODE)


class EventKind(str, Enum):
    SPEECH_START = "speech_start"
    PAUSE = "pause"  # silence began inside an utterance: speculate
    RESUME = "resume"  # speech came back after a pause: drop the speculation
    SPEECH_END = "speech_end"


@dataclass(frozen=True)
class EndpointEvent:
    kind: EventKind
    at_s: float  # audio time of the event (seconds since the stream began)
    speech_start_s: float  # where this utterance's speech began
    speech_end_s: float  # end of the last voiced frame (for PAUSE and SPEECH_END)


class Endpointer:
    def __init__(self, vad: VadSettings | None = None, endpoint: EndpointSettings | None = None):
        self.vad_settings = vad or VadSettings()
        self.settings = endpoint or EndpointSettings()
        self._vad = webrtcvad.Vad(self.vad_settings.aggressiveness)
        self.frame_ms = self.vad_settings.frame_ms
        self.frame_bytes = SAMPLE_RATE * self.frame_ms // 1000 * 2
        window = max(1, self.vad_settings.min_speech_ms // self.frame_ms)
        self._recent: deque[bool] = deque(maxlen=window)
        self._recent_levels: deque[float] = deque(maxlen=window)
        self._peak_db = -120.0  # loudest frame of the current utterance
        self._frames = 0
        self.in_speech = False
        self._speech_start_s = 0.0
        self._last_voiced_end_s = 0.0
        self._paused = False
        self._hint_ms: int | None = None

    @property
    def now_s(self) -> float:
        return self._frames * self.frame_ms / 1000

    @property
    def speech_start_s(self) -> float:
        return self._speech_start_s

    @property
    def silence_ms(self) -> float:
        return (self.now_s - self._last_voiced_end_s) * 1000 if self.in_speech else 0.0

    def is_speech(self, frame: bytes) -> bool:
        # webrtcvad calls broadband noise speech; a flat spectrum is the tell (Whisper would
        # otherwise "hear" numbers in it).
        return self._vad.is_speech(frame, SAMPLE_RATE) and spectral_flatness(frame) < self.vad_settings.max_flatness

    def push(self, frame: bytes) -> EndpointEvent | None:
        """Feed one frame of `frame_bytes` bytes; returns the event it caused, if any."""
        if len(frame) != self.frame_bytes:
            raise ValueError(f"VAD frame must be {self.frame_bytes} bytes, got {len(frame)}")
        voiced = self.is_speech(frame)
        level = frame_level_db(frame)
        self._frames += 1
        self._recent.append(voiced)
        self._recent_levels.append(level)
        if self.in_speech:
            self._peak_db = max(self._peak_db, level)
            voiced = voiced and level > self._peak_db - self.vad_settings.tail_drop_db
        if voiced:
            self._last_voiced_end_s = self.now_s
        if not self.in_speech:
            return self._maybe_start()
        return self._while_speaking(voiced)

    def _maybe_start(self) -> EndpointEvent | None:
        full = len(self._recent) == self._recent.maxlen
        if full and sum(self._recent) >= self.vad_settings.speech_ratio * len(self._recent):
            self.in_speech = True
            self._paused = False
            self._hint_ms = None
            self._speech_start_s = self.now_s - len(self._recent) * self.frame_ms / 1000
            self._peak_db = max(self._recent_levels)
            return EndpointEvent(EventKind.SPEECH_START, self.now_s, self._speech_start_s, self.now_s)
        return None

    def _while_speaking(self, voiced: bool) -> EndpointEvent | None:
        if self.now_s - self._speech_start_s >= self.settings.max_utterance_s:
            return self._end()  # a monologue (or endless noise) is cut so it can still be answered
        if voiced:
            if self._paused:
                self._paused = False
                self._hint_ms = None
                return self._event(EventKind.RESUME)
            return None
        silence = self.silence_ms
        if not self._paused and silence >= self.settings.speculate_after_ms:
            self._paused = True
            return self._event(EventKind.PAUSE)
        if silence >= self.required_silence_ms():
            return self._end()
        return None

    def _end(self) -> EndpointEvent:
        event = self._event(EventKind.SPEECH_END)
        self.in_speech = False
        self._paused = False
        self._hint_ms = None
        self._recent.clear()
        return event

    def _event(self, kind: EventKind) -> EndpointEvent:
        return EndpointEvent(kind, self.now_s, self._speech_start_s, self._last_voiced_end_s)

    def required_silence_ms(self) -> int:
        return self._hint_ms if self._hint_ms is not None else self.settings.silence_ms

    def hint_transcript(self, text: str, language: str) -> None:
        """What the shopper said up to the current pause; tunes how long to wait."""
        self._hint_ms = self.silence_for(text, language)

    def silence_for(self, text: str, language: str) -> int:
        words = _WORD.findall(text.lower())
        if not words:
            return self.settings.silence_ms
        code = language.split("-")[0]
        if _ends_with(text, words[-1], self.settings.fillers.get(code, ())):
            return self.settings.hold_silence_ms
        # "I'm looking for." / "Busco el." / "我想买一个。": Whisper's full stop on a fragment is no end of turn.
        if not _QUESTION.search(text) and _ends_with(text, words[-1], self.settings.unfinished_words.get(code, ())):
            return self.settings.hold_silence_ms
        enough = len(words) >= 2 or (len(text.strip()) >= 4 and _unspaced(words[-1]))  # "赤い靴はありますか？"
        if _COMPLETE.search(text) and enough and not re.search(r"\d\.?$", text.rstrip()):
            return self.settings.complete_silence_ms  # "Do you have it in size 10?" is complete too
        if words[-1].isdigit() or re.search(r"\d[\s,.-]*$", text):
            return self.settings.hold_silence_ms  # reading out an order or phone number
        return self.settings.silence_ms


def _ends_with(text: str, last_word: str, words: Iterable[str]) -> bool:
    """The transcript ends on one of `words`: its last word, or for Chinese and Japanese (written without
    spaces) its last characters."""
    tail = text.rstrip(" .,;:…。、，！!")
    return any(tail.endswith(w) if _unspaced(w) else last_word == w for w in words)


def _unspaced(word: str) -> bool:
    return all(ord(ch) >= 0x2E80 for ch in word)  # CJK characters and kana


def frame_level_db(frame: bytes) -> float:
    """RMS level of an int16 frame in dB relative to full scale."""
    samples = np.frombuffer(frame, dtype=np.int16).astype(np.float32) / 32768
    return float(10 * np.log10(np.mean(samples * samples) + 1e-12))


def spectral_flatness(frame: bytes) -> float:
    """Geometric over arithmetic mean of the power spectrum: ~0 for tones and voice, ~0.56 for white noise."""
    samples = np.frombuffer(frame, dtype=np.int16).astype(np.float32)
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))[4:] ** 2 + 1e-9  # above ~200 Hz
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


class FrameSplitter:
    """Cuts a stream of PCM byte strings of any size into whole VAD frames."""

    def __init__(self, frame_bytes: int):
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def feed(self, pcm: bytes) -> list[bytes]:
        self._pending.extend(pcm)
        count = len(self._pending) // self.frame_bytes
        frames = [bytes(self._pending[i * self.frame_bytes : (i + 1) * self.frame_bytes]) for i in range(count)]
        del self._pending[: count * self.frame_bytes]
        return frames
