import asyncio

import numpy as np

from tests.conftest import run
from tts.chunking import ClauseChunker
from tts.settings import KokoroSettings, TtsSettings
from tts.synthesizer import StreamingSynthesizer


def test_clauses_carry_their_span_of_the_reply():
    chunker = ClauseChunker(min_chars=12)
    clauses = chunker.feed("Yes, the FlowFit Yoga Mat is in stock. We have 55 avail")
    clauses += chunker.feed("able, at $33.99.")
    clauses += chunker.flush()
    text = chunker.text
    assert [c.text for c in clauses] == [
        "Yes, the FlowFit Yoga Mat is in stock.",
        "We have 55 available,",
        "at $33.99.",
    ]
    for clause in clauses:
        assert text[clause.start : clause.end] == clause.text


def test_a_short_first_clause_is_spoken_on_its_own():
    chunker = ClauseChunker(min_chars=12, min_first_chars=2)
    clauses = chunker.feed("Sure, the price of the FlowFit Yoga Mat is $33.99. Yes, ok. It ships free.")
    assert [c.text for c in clauses + chunker.flush()] == [
        "Sure,",
        "the price of the FlowFit Yoga Mat is $33.99.",
        "Yes, ok. It ships free.",
    ]


def test_first_audio_comes_before_the_reply_is_finished(engines):
    release = asyncio.Event()
    received = []

    async def reply_pieces():
        yield "We have the AirWave Wireless Earbuds in black. "
        await release.wait()  # the rest of the reply is not known yet
        yield "They cost $94."

    async def main():
        speech = engines.synthesizer.speak(reply_pieces(), "en")
        first = await asyncio.wait_for(anext(speech), timeout=30)
        received.append(first)
        release.set()
        received.extend([chunk async for chunk in speech])

    run(main())
    first = received[0]
    assert first.text == "We have the AirWave Wireless Earbuds in black."
    assert first.sample_rate == 22050 and first.voice.startswith("piper:")
    assert first.duration_s > 1.0 and np.abs(first.pcm).max() > 1000
    assert [c.text for c in received[1:]] == ["They cost $94."]


def test_language_without_piper_voice_falls_back_to_espeak_not_english():
    synthesizer = StreamingSynthesizer(TtsSettings(kokoro=KokoroSettings(languages=[])))  # Kokoro: test_kokoro_voice
    spanish = synthesizer.synthesize_text("Sí, tenemos el FlowFit Yoga Mat, por 33,99 dólares.", "es")
    assert spanish and all(c.voice.startswith("espeak:") for c in spanish)
    assert sum(c.duration_s for c in spanish) > 1.0
    assert max(np.abs(c.pcm).max() for c in spanish) > 1000
    english = synthesizer.synthesize_text("Yes, we have it.", "en")
    assert english[0].voice.startswith("piper:")
