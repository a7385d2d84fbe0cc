import numpy as np
import pytest

from asr.endpointer import Endpointer, EventKind
from asr.settings import EndpointSettings
from assistant.audio_io import to_pipeline_pcm
from tests.conftest import load_16k


def frames_of(pcm: bytes, endpointer: Endpointer):
    size = endpointer.frame_bytes
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


def events_for(pcm: bytes, endpointer: Endpointer | None = None):
    endpointer = endpointer or Endpointer()
    return [e for f in frames_of(pcm, endpointer) if (e := endpointer.push(f))]


def silence(seconds: float) -> bytes:
    return bytes(int(16000 * seconds) * 2)


def test_speech_between_silences_gives_one_start_and_one_end(say):
    speech = to_pipeline_pcm(load_16k(say("Do you have wireless earbuds in black?")), 16000)
    events = events_for(silence(1.0) + speech + silence(1.5))
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.SPEECH_START and kinds[-1] is EventKind.SPEECH_END
    assert kinds.count(EventKind.SPEECH_START) == 1 and kinds.count(EventKind.SPEECH_END) == 1
    start, end = events[0], events[-1]
    speech_s = len(speech) / 32000
    assert 0.8 <= start.speech_start_s <= 1.3  # speech begins after the 1 s lead-in
    assert abs(end.speech_end_s - (1.0 + speech_s)) < 0.4
    assert end.at_s - end.speech_end_s == pytest.approx(EndpointSettings().silence_ms / 1000, abs=0.05)


def test_silence_hum_and_hiss_give_no_events():
    assert events_for(silence(3.0)) == []
    t = np.arange(16000 * 3) / 16000
    hum = to_pipeline_pcm((0.002 * np.sin(2 * np.pi * 50 * t)).astype(np.float32), 16000)
    assert events_for(hum) == []
    hiss = to_pipeline_pcm((0.3 * np.random.default_rng(3).standard_normal(16000 * 3)).astype(np.float32), 16000)
    assert events_for(hiss) == []  # webrtcvad alone calls white noise speech


def test_pause_inside_speech_resumes_without_ending(say):
    first = to_pipeline_pcm(load_16k(say("I am looking for")), 16000)
    second = to_pipeline_pcm(load_16k(say("a red phone case")), 16000)
    kinds = [e.kind for e in events_for(silence(0.5) + first + silence(0.35) + second + silence(1.0))]
    assert kinds.count(EventKind.SPEECH_END) == 1
    assert EventKind.PAUSE in kinds and EventKind.RESUME in kinds


def test_trailing_silence_depends_on_what_was_said():
    endpointer = Endpointer()
    settings = endpointer.settings
    assert endpointer.silence_for("How much are the running shoes?", "en") == settings.complete_silence_ms
    assert endpointer.silence_for("I would like the, um", "en") == settings.hold_silence_ms
    assert endpointer.silence_for("My order number is 10 42", "en") == settings.hold_silence_ms
    assert endpointer.silence_for("我想买那个", "zh") == settings.hold_silence_ms
    assert endpointer.silence_for("hello there", "en") == settings.silence_ms


@pytest.mark.parametrize(
    "fragment, language",
    [
        ("I'm looking for.", "en"),
        ("Is it available in.", "en"),
        ("I want the.", "en"),
        ("Wait, stop, I meant the", "en"),
        ("Busco una.", "es"),
        ("¿Tienen zapatillas de", "es"),
        ("Je cherche un.", "fr"),
        ("Ich suche eine.", "de"),
        ("Vorrei un.", "it"),
        ("Eu quero uma.", "pt"),
        ("我想买一个。", "zh"),
        ("我想买红色的", "zh"),
        ("赤い靴は", "ja"),
    ],
)
def test_a_fragment_with_a_full_stop_waits_for_the_rest(fragment: str, language: str) -> None:
    # Whisper punctuates a pause inside a sentence ("I'm looking for."): the words, not the full stop, tell.
    endpointer = Endpointer()
    assert endpointer.silence_for(fragment, language) == endpointer.settings.hold_silence_ms


@pytest.mark.parametrize(
    "question, language",
    [
        ("What is it made of?", "en"),
        ("¿Tienen zapatillas rojas?", "es"),
        ("Avez-vous des chaussures de course ?", "fr"),
        ("赤い靴はありますか？", "ja"),
        ("有红色的口红吗？", "zh"),
    ],
)
def test_a_complete_question_still_ends_the_turn_fast(question: str, language: str) -> None:
    endpointer = Endpointer()
    assert endpointer.silence_for(question, language) == endpointer.settings.complete_silence_ms


def test_wrong_frame_size_is_a_clear_error():
    with pytest.raises(ValueError, match="640 bytes"):
        Endpointer().push(b"\0" * 100)
