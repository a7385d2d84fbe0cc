"""`voice-assistant loadtest`: voice-to-voice latency over the real browser and phone protocols.

N simulated shoppers (assistant/callers.py) talk to a server at the same time, each asking the
benchmark's questions (synthesised with Piper) in real time. Voice-to-voice is measured where
the shopper is: from the last voiced sample sent to the first reply audio received. Without
--url the script starts the server in this process, on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr

from assistant.bench import QUESTIONS, percentile
from assistant.callers import RATE, BrowserCaller, Caller, PhoneCaller, TurnResult

CALLERS: dict[str, type[Caller]] = {"browser": BrowserCaller, "phone": PhoneCaller}
_STAGGER_S = 0.3  # callers start a little apart, as real shoppers do


@dataclass
class LoadResult:
    transport: str
    concurrency: int
    turns: list[TurnResult]
    server_v2v_ms: list[float]  # the server's own figure (browser only: sent with each reply_done)

    def summary(self) -> dict:
        v2v = [t.voice_to_voice_ms for t in self.turns if t.voice_to_voice_ms is not None]
        out = {
            "transport": self.transport,
            "concurrency": self.concurrency,
            "turns": len(self.turns),
            "answered": len(v2v),
        }
        if v2v:
            out["voice_to_voice_ms"] = {"p50": round(percentile(v2v, 50), 1), "p95": round(percentile(v2v, 95), 1)}
        if self.server_v2v_ms:
            out["server_voice_to_voice_ms"] = {
                "p50": round(percentile(self.server_v2v_ms, 50), 1),
                "p95": round(percentile(self.server_v2v_ms, 95), 1),
            }
        return out


def synthesise_questions(voice: Any, questions: list[str] = QUESTIONS) -> list[tuple[str, np.ndarray]]:
    """The benchmark's questions as 16 kHz speech, spoken by the English Piper voice."""
    return [(q, soxr.resample(voice.synthesize(q), voice.sample_rate, RATE).astype(np.float32)) for q in questions]


async def run_load(url: str, transport: str, concurrency: int, questions: list[tuple[str, np.ndarray]]) -> LoadResult:
    async def one(index: int) -> tuple[list[TurnResult], list[float]]:
        await asyncio.sleep(index * _STAGGER_S)
        kwargs = {"call_sid": f"CA{index:04d}"} if transport == "phone" else {}
        caller = CALLERS[transport](url, **kwargs)
        shifted = questions[index % len(questions) :] + questions[: index % len(questions)]  # not in lockstep
        turns = await caller.converse(shifted)
        server = [
            e["latency_ms"]["voice_to_voice"]
            for e in caller.events
            if e.get("type") == "reply_done" and e.get("latency_ms", {}).get("voice_to_voice") is not None
        ]
        return turns, server

    results = await asyncio.gather(*(one(i) for i in range(concurrency)))
    return LoadResult(
        transport, concurrency, [t for turns, _ in results for t in turns], [v for _, server in results for v in server]
    )


def format_summary(summaries: list[dict]) -> str:
    lines = [
        "voice-to-voice, ms (shopper side: last voiced sample sent -> first reply audio received)",
        f"{'transport':<10}{'callers':>8}{'turns':>7}{'p50':>9}{'p95':>9}{'server p50':>12}{'server p95':>12}",
    ]
    for s in summaries:
        v2v = s.get("voice_to_voice_ms", {})
        srv = s.get("server_voice_to_voice_ms", {})
        lines.append(
            f"{s['transport']:<10}{s['concurrency']:>8}{s['answered']:>4}/{s['turns']:<3}"
            f"{v2v.get('p50', float('nan')):>8.1f}{v2v.get('p95', float('nan')):>9.1f}"
            f"{srv.get('p50', float('nan')):>12.1f}{srv.get('p95', float('nan')):>12.1f}"
        )
    return "\n".join(lines)


async def load_report(
    url: str | None, transports: list[str], concurrencies: list[int], config: Any = None, rounds: int = 1
) -> list[dict]:
    from assistant.config import AssistantConfig

    config = config or AssistantConfig()
    with contextlib.ExitStack() as stack:
        if url is None:
            from assistant.engines import Engines
            from assistant.server.app import create_app
            from assistant.server.run import BackgroundServer

            engines = await asyncio.to_thread(Engines.load, config)
            url = stack.enter_context(BackgroundServer(create_app(engines=engines))).url
            voice = engines.synthesizer.voices.for_language("en")
        else:
            from tts.voices import VoiceBook

            voice = VoiceBook(config.tts).for_language("en")
        questions = synthesise_questions(voice) * rounds
        summaries = []
        for transport in transports:
            for concurrency in concurrencies:
                result = await run_load(url, transport, concurrency, questions)
                summaries.append(result.summary())
        return summaries
