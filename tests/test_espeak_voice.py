"""Tests for the espeak-ng fallback voice, against the real library (no mocks)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tts.espeak_voice import EspeakVoice, espeak_has_language

SPANISH = "Hola, ¿en qué puedo ayudarle con su pedido hoy?"
FRENCH = "Bonjour, comment puis-je vous aider avec votre commande?"


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def _close(a: int, b: int, tol: float = 0.01) -> bool:
    # espeak carries a little state (pitch flutter, phase) between calls, so equal input
    # gives lengths that differ by a few samples; never bit-identical audio.
    return abs(a - b) <= tol * max(a, b)


def _assert_speech(voice: EspeakVoice, audio: np.ndarray) -> None:
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.5 <= audio.size / voice.sample_rate <= 10.0
    assert _rms(audio) > 0.01
    assert float(np.max(np.abs(audio))) <= 1.0


def test_import_does_not_load_library() -> None:
    import subprocess
    import sys

    code = "import tts.espeak_voice as m; assert m._state is None"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("language, text", [("es", SPANISH), ("fr", FRENCH)])
def test_sentence_gives_plausible_speech(language: str, text: str, capfd: pytest.CaptureFixture[str]) -> None:
    voice = EspeakVoice(language)
    assert voice.sample_rate == 22050
    _assert_speech(voice, voice.synthesize(text))
    assert capfd.readouterr().out == ""  # the library must not write to stdout


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_gives_empty_array(text: str) -> None:
    audio = EspeakVoice("es").synthesize(text)
    assert audio.size == 0 and audio.dtype == np.float32


@pytest.mark.parametrize("language", ["xx", "klingon", ""])
def test_unknown_language_raises_value_error(language: str) -> None:
    assert not espeak_has_language(language)
    with pytest.raises(ValueError, match="no voice"):
        EspeakVoice(language)


@pytest.mark.parametrize("language", ["es", "fr", "de", "zh", "ja", "en", "pt-BR", "en_US", "de-AT"])
def test_has_language(language: str) -> None:
    assert espeak_has_language(language)


def test_alternating_languages() -> None:
    es, fr = EspeakVoice("es"), EspeakVoice("fr")
    first = es.synthesize(SPANISH)
    french = fr.synthesize(SPANISH)  # same text, French voice: must sound different
    again = es.synthesize(SPANISH)
    assert _close(first.size, again.size)  # Spanish voice restored
    assert not _close(first.size, french.size, tol=0.1)  # French reads it much longer
    _assert_speech(es, again)


def test_rate_changes_duration_and_does_not_leak() -> None:
    text = "This sentence is long enough to measure the speaking rate."
    normal = EspeakVoice("en")
    before = normal.synthesize(text).size
    fast = EspeakVoice("en", rate_wpm=350).synthesize(text).size
    assert fast < 0.75 * before
    assert _close(normal.synthesize(text).size, before)  # the fast voice's rate is not inherited


def test_concurrent_threads() -> None:
    voices = {"es": (EspeakVoice("es"), SPANISH), "fr": (EspeakVoice("fr"), FRENCH)}
    expected = {lang: v.synthesize(t) for lang, (v, t) in voices.items()}
    results: dict[str, list[np.ndarray]] = {"es": [], "fr": []}
    errors: list[BaseException] = []

    def worker(lang: str) -> None:
        voice, text = voices[lang]
        try:
            for _ in range(10):
                results[lang].append(voice.synthesize(text))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(lang,)) for lang in voices]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    for lang, outs in results.items():
        assert len(outs) == 10
        for audio in outs:  # no interleaved, truncated or cross-language audio
            assert _close(audio.size, expected[lang].size)
            _assert_speech(voices[lang][0], audio)
