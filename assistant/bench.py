"""`voice-assistant bench`: voice-to-voice latency on synthesised shopper questions.

The questions are spoken by the English Piper voice, played through `simulate` in real
time as one conversation, and every latency field is summarised as p50/p95. A second
conversation interrupts long replies to measure barge-in reaction.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import soundfile as sf

from assistant.engines import Engines
from assistant.simulate import simulate
from assistant.turn import LATENCY_FIELDS, TurnRecord

QUESTIONS = [
    "How much are the TrailRunner running shoes?",
    "Do you have wireless earbuds?",
    "Is the FlowFit yoga mat in stock?",
    "How much is it?",
    "Do you sell a denim jacket?",
    "Is the Cloudstep running shoe available?",
    "What is the price of the linen shirt?",
    "Do you have a grand piano?",
    "Hello!",
    "Do you have hiking boots?",
]
LONG_REPLY_QUESTION = "Is the FlowFit yoga mat in stock?"
INTERRUPTION = "How much are the TrailRunner running shoes?"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(turns: list[TurnRecord], barge_turns: list[TurnRecord]) -> dict:
    report: dict = {"turns": len(turns), "latency_ms": {}}
    for name in LATENCY_FIELDS:
        values = [v for t in turns if (v := t.latency_ms()[name]) is not None]
        if values:
            report["latency_ms"][name] = {
                "p50": round(percentile(values, 50), 1),
                "p95": round(percentile(values, 95), 1),
            }
    asr = [t.asr_decode_s / t.asr_audio_s for t in turns if t.asr_audio_s]
    tts = [t.tts_synth_s / t.tts_audio_s for t in turns if t.tts_audio_s]
    report["asr_rtf_p50"] = round(statistics.median(asr), 3) if asr else None
    report["tts_rtf_p50"] = round(statistics.median(tts), 3) if tts else None
    reactions = [t.barge_in_ms for t in barge_turns if t.barge_in_ms is not None]
    report["barge_in_ms"] = (
        {
            "p50": round(percentile(reactions, 50), 1),
            "p95": round(percentile(reactions, 95), 1),
            "count": len(reactions),
        }
        if reactions
        else None
    )
    return report


def format_report(report: dict) -> str:
    lines = [
        f"{report['turns']} turns (voice-to-voice = end of shopper speech -> first reply audio out)",
        f"{'stage':<16}{'p50 ms':>10}{'p95 ms':>10}",
    ]
    for name, figures in report["latency_ms"].items():
        lines.append(f"{name:<16}{figures['p50']:>10.1f}{figures['p95']:>10.1f}")
    lines.append(f"ASR real-time factor (p50): {report['asr_rtf_p50']}")
    lines.append(f"TTS real-time factor (p50): {report['tts_rtf_p50']}")
    barge = report["barge_in_ms"]
    if barge:
        lines.append(
            f"barge-in reaction (speech onset -> playback stopped): p50 {barge['p50']} ms, "
            f"p95 {barge['p95']} ms over {barge['count']} interruptions"
        )
    return "\n".join(lines)


async def run_bench(engines: Engines, rounds: int = 1) -> dict:
    voice = engines.synthesizer.voices.for_language("en")
    with tempfile.TemporaryDirectory(prefix="va-bench-") as tmp:

        def speak(text: str, index: int) -> Path:
            path = Path(tmp) / f"q{index}.wav"
            sf.write(path, voice.synthesize(text), voice.sample_rate)
            return path

        files = [speak(q, i) for i, q in enumerate(QUESTIONS)]
        turns: list[TurnRecord] = []
        for _ in range(rounds):
            turns += await simulate(engines, files)
        long_q, interrupt = speak(LONG_REPLY_QUESTION, 100), speak(INTERRUPTION, 101)
        barge_turns = await simulate(
            engines, [long_q, interrupt, long_q, interrupt, long_q, interrupt], barge_in_after=1.0
        )
    report = summarise(turns, barge_turns)
    report["text"] = format_report(report)
    return report
