import numpy as np

from assistant.heard import heard_text
from assistant.transports.base import PlayoutClock
from tts.synthesizer import SpeechChunk


def chunk(text: str, start: int, seconds: float) -> SpeechChunk:
    return SpeechChunk(np.zeros(int(seconds * 1000), np.int16), 1000, text, start, start + len(text), "test")


def test_clock_plays_chunks_back_to_back_and_cut_stops_it():
    clock = PlayoutClock()
    assert clock.schedule(2.0, now=10.0) == 10.0
    assert clock.schedule(1.0, now=10.5) == 12.0  # queued behind the first
    assert clock.played(now=11.0) == 1.0 and clock.idle_in(now=11.0) == 2.0
    assert clock.cut(now=12.5) == 2.5
    assert clock.played(now=20.0) == 2.5 and clock.idle_in(now=20.0) == 0.0
    assert clock.schedule(1.0, now=30.0) == 30.0  # after a gap, a new chunk starts when sent


def test_heard_text_ends_at_the_last_word_played():
    reply = "Yes, the FlowFit Yoga Mat is in stock. We have 55 available, at $33.99."
    first = chunk("Yes,", 0, 0.5)
    second = chunk("the FlowFit Yoga Mat is in stock.", 5, 2.0)
    third = chunk("We have 55 available, at $33.99.", 39, 2.0)
    chunks = [first, second, third]
    assert heard_text(chunks, 0.2, reply) == ""
    assert heard_text(chunks, 0.5, reply) == "Yes,"
    assert heard_text(chunks, 1.5, reply) == "Yes, the FlowFit Yoga"  # half of the second clause
    assert heard_text(chunks, 10.0, reply) == reply
