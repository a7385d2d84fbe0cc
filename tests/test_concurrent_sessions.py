"""Four shoppers talk to one server at the same time over the browser protocol.

They share one Whisper and one Piper; each must get its own transcripts and replies, never
another shopper's.
"""

from __future__ import annotations

import asyncio

import httpx

from assistant.callers import BrowserCaller
from tests.conftest import load_16k
from tests.wire import AGENT

# (question, words of which its transcript must contain one, a word its reply must contain). Whisper's
# spelling of a product name varies with the CPU ("Flow Fit Yoge Mat"), so any of its words will do.
SHOPPERS = [
    ("How much are the TrailRunner running shoes?", ("running", "shoes"), "Running Shoes"),
    ("Is the FlowFit yoga mat in stock?", ("yoga", "mat", "flow"), "Yoga Mat"),
    ("Do you have any water bottles?", ("water", "bottle"), "Water Bottle"),
    ("Do you have hiking boots?", ("hiking", "boots"), "Hiking Boots"),
]


def test_four_simultaneous_conversations_keep_their_own_transcripts(live_server, say):
    async def shopper(index: int):
        question, _, _ = SHOPPERS[index]
        caller = BrowserCaller(live_server)
        # Everyone asks twice, so turns overlap while others are being answered.
        turns = await caller.converse([(question, load_16k(say(question)))] * 2)
        return caller, turns

    async def everyone():
        return await asyncio.gather(*(shopper(i) for i in range(len(SHOPPERS))))

    results = asyncio.run(everyone())
    for (caller, turns), (question, heard_words, product_word) in zip(results, SHOPPERS):
        assert len(turns) == 2
        for turn in turns:
            assert turn.done, f"{question!r}: the reply never finished"
            assert any(w in turn.transcript.lower() for w in heard_words), (question, turn.transcript)
            assert product_word in turn.reply, (question, turn.reply)
            others = [w for _, _, w in SHOPPERS if w != product_word]
            assert not any(w in turn.reply for w in others), (question, turn.reply)
            assert turn.voice_to_voice_ms is not None and len(turn.heard_audio()) > 0
        assert not [e for e in caller.events if e.get("type") == "barge_in"], "nobody interrupted anybody"

    metrics = httpx.get(f"{live_server}/metrics", headers=AGENT).text
    assert 'va_sessions_active{channel="browser"} 0.0' in metrics
