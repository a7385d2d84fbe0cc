"""espeak-ng fallback voice for languages that have no Piper voice.

Drives libespeak-ng directly through ctypes (the library bundled by the
`espeakng-loader` wheel, else a system `libespeak-ng`). The library keeps
process-global state and is not thread-safe, so every call goes through `_LOCK`,
and it is loaded lazily on first use, never at import time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import Any

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2  # retrieval mode; espeak_Synth returns when done
_INITIALIZE_DONT_EXIT = 0x8000  # otherwise espeak calls exit() if its data is missing
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE = 1  # espeak_PARAMETER espeakRATE
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakUnavailable(RuntimeError):
    """libespeak-ng (or its data) could not be loaded."""


class _VoiceStruct(ctypes.Structure):  # espeak_VOICE from speak_lib.h
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_LOCK = threading.Lock()
_state: dict | None = None  # lib, sample_rate, voices {lang: identifier}, default_rate; set once under _LOCK
_chunks: list[bytes] = []  # filled by the callback while the caller holds _LOCK


@_SynthCallback  # module-level so ctypes keeps the trampoline alive for the process
def _on_audio(wav: Any, n: int, _events: Any) -> int:
    if wav and n > 0:
        _chunks.append(ctypes.string_at(wav, n * 2))
    return 0  # 0 = continue synthesis


def _load_library() -> tuple[ctypes.CDLL, bytes | None]:
    try:
        import espeakng_loader

        # espeak_Initialize wants the directory that *contains* espeak-ng-data.
        data_parent = os.path.dirname(espeakng_loader.get_data_path())
        return ctypes.CDLL(espeakng_loader.get_library_path()), data_parent.encode()
    except (ImportError, OSError, RuntimeError):
        name = ctypes.util.find_library("espeak-ng")
        if name:
            try:
                return ctypes.CDLL(name), None  # system build finds its own data
            except OSError:
                pass
    raise EspeakUnavailable(
        "espeak-ng is not available: install it with `pip install espeakng-loader` "
        "(or on Debian/Ubuntu: `apt-get install espeak-ng`)"
    )


def _list_voices(lib: ctypes.CDLL) -> dict[str, str]:
    """language code -> identifier of its best voice (lowest priority number, first listed wins ties)."""
    best: dict[str, tuple[int, str]] = {}
    arr = lib.espeak_ListVoices(None)
    i = 0
    while arr[i]:
        v = arr[i].contents
        p = v.languages  # repeated (priority byte, NUL-terminated language), ended by a 0 byte
        while (prio := ctypes.string_at(p, 1)[0]) != 0:
            lang = ctypes.string_at(p + 1).decode("ascii", "replace").lower()
            if lang not in best or prio < best[lang][0]:
                best[lang] = (prio, v.identifier.decode())
            p += 2 + len(lang)
        i += 1
    return {lang: ident for lang, (_, ident) in best.items()}


def _ensure_state() -> dict:
    """Load and initialise the library once. Caller must hold _LOCK."""
    global _state
    if _state is None:
        lib, path = _load_library()
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, _INITIALIZE_DONT_EXIT)
        if sample_rate <= 0:
            raise EspeakUnavailable(
                "espeak_Initialize failed (espeak-ng-data missing?); "
                "reinstall with `pip install --force-reinstall espeakng-loader`"
            )
        lib.espeak_SetSynthCallback(_on_audio)
        _state = {
            "lib": lib,
            "sample_rate": sample_rate,
            "voices": _list_voices(lib),
            "default_rate": lib.espeak_GetParameter(_RATE, 0),
        }
    return _state


def _resolve(language: str, voices: dict[str, str]) -> str | None:
    code = language.strip().lower().replace("_", "-")
    if not code:
        return None
    return voices.get(code) or voices.get(code.split("-")[0])  # "de-AT" falls back to "de"


def espeak_has_language(language: str) -> bool:
    """True if espeak-ng has a voice for `language`; False also when espeak-ng is not installed."""
    try:
        with _LOCK:
            return _resolve(language, _ensure_state()["voices"]) is not None
    except EspeakUnavailable:
        return False


class EspeakVoice:
    def __init__(self, language: str, rate_wpm: int | None = None) -> None:
        with _LOCK:
            state = _ensure_state()
        ident = _resolve(language, state["voices"])
        if ident is None:
            raise ValueError(f"espeak-ng has no voice for language {language!r}")
        self.language, self.voice_id, self.rate_wpm = language, ident, rate_wpm
        self.sample_rate: int = state["sample_rate"]
        self._lib: ctypes.CDLL = state["lib"]
        self._rate: int = rate_wpm if rate_wpm is not None else state["default_rate"]

    def synthesize(self, text: str) -> np.ndarray:
        """Speak `text`; float32 mono in [-1, 1] at `self.sample_rate`."""
        if not text or not text.strip():
            return np.zeros(0, dtype=np.float32)
        data = text.encode("utf-8")
        with _LOCK:
            # Voice and rate are global in the library, so set both on every call.
            if self._lib.espeak_SetVoiceByName(self.voice_id.encode()) != _EE_OK:
                raise RuntimeError(f"espeak-ng could not load voice {self.voice_id!r}")
            self._lib.espeak_SetParameter(_RATE, self._rate, 0)
            _chunks.clear()
            try:
                err = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
                self._lib.espeak_Synchronize()
                pcm = b"".join(_chunks)
            finally:
                _chunks.clear()
        if err != _EE_OK:
            raise RuntimeError(f"espeak_Synth failed with error {err}")
        return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
