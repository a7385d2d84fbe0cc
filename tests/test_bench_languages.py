"""The bench per language (Kokoro-spoken questions through the whole pipeline), and the two things that make
Kokoro's first audio come sooner: a shorter first piece and interrupting a synthesis nobody will play."""

from __future__ import annotations

import asyncio
import threading

import pytest

from assistant.bench import LANGUAGE_QUESTIONS, QUESTIONS, format_report, run_bench
from tts.chunking import ClauseChunker
from tts.kokoro_voice import Interrupt, KokoroModel, KokoroVoice


def _clauses(text: str, max_first: int | None) -> list[str]:
    chunker = ClauseChunker(min_chars=12, min_first_chars=2, max_first_chars=max_first)
    clauses = chunker.feed(text) + chunker.flush()
    assert all(text[c.start : c.end] == c.text for c in clauses)  # spans still point into the reply
    return [c.text for c in clauses]


def test_every_language_asks_as_many_questions_as_the_english_set_roughly():
    assert set(LANGUAGE_QUESTIONS) == {"es", "fr", "de", "it", "pt", "zh", "ja"}
    for questions in LANGUAGE_QUESTIONS.values():
        assert len(questions) >= len(QUESTIONS) - 2
        assert any("TrailRunner" in q for q in questions) and any("FlowFit" in q for q in questions)


def test_a_slow_voice_starts_on_a_shorter_first_piece_cut_at_a_word():
    reply = "El TrailRunner Running Shoes cuesta 110,99 dólares."
    assert _clauses(reply, None) == [reply]
    # Near 40% of its spoken length, not inside the product name, the number stays with its words.
    assert _clauses(reply, 24) == ["El TrailRunner Running Shoes", "cuesta 110,99 dólares."]
    assert _clauses("Puedo ayudarle con nuestros productos, precios y más.", 24)[0] == "Puedo ayudarle"
    # Already short, no space to cut at (Chinese), or a tail too short to stand alone: unchanged.
    assert _clauses("Sí, el FlowFit Yoga Mat está disponible.", 24)[0] == "Sí,"
    assert _clauses("有货，FlowFit Yoga Mat目前有库存，还有55件。", 6)[:2] == ["有货，", "FlowFit Yoga Mat目前有库存，"]
    assert _clauses("Vielen herzlichen Dank!", 10) == ["Vielen herzlichen Dank!"]
    # Only the first clause is cut.
    assert _clauses("Ja. Wir haben drei passende Artikel für Sie gefunden.", 10)[1:] == [
        "Wir haben drei passende Artikel für Sie gefunden."
    ]


def test_an_interrupted_kokoro_synthesis_gives_up_the_model():
    model = KokoroModel()
    voice = KokoroVoice(model, "es", "jm_kumo")
    done = Interrupt()
    done.set()
    assert voice.synthesize("Tenemos tres opciones.", done).size == 0  # never runs

    interrupt = Interrupt()
    result = {}
    long_text = " ".join(["El TrailRunner Running Shoes cuesta ciento diez dólares con noventa y nueve."] * 6)
    worker = threading.Thread(target=lambda: result.setdefault("audio", voice.synthesize(long_text, interrupt)))
    worker.start()
    while not model._lock.locked() and worker.is_alive():
        threading.Event().wait(0.01)
    interrupt.set()
    worker.join()
    assert result["audio"].size == 0  # terminated mid-run, not finished
    assert voice.synthesize("Tenemos tres opciones.").size > 0  # and the model still works


@pytest.mark.slow
def test_bench_in_spanish_reports_latency_and_language(engines):
    report = asyncio.run(run_bench(engines, rounds=1, languages=["es"]))
    assert "turns" not in report  # English was not asked
    spanish = report["languages"]["es"]
    assert spanish["voice"].startswith("kokoro:")
    assert spanish["asked"] == len(LANGUAGE_QUESTIONS["es"])
    assert spanish["turns"] + spanish.get("model_turns", 0) >= spanish["asked"] - 1
    for stage in ("asr_final", "first_audio", "voice_to_voice"):
        figures = spanish["latency_ms"][stage]
        assert 0 < figures["p50"] <= figures["p95"]
    assert spanish["heard_in_language"] >= 0.75 * spanish["asked"]
    assert spanish["answered_in_language"] >= 0.75 * spanish["asked"]
    assert "[es]" in report["text"] and report["text"] == format_report(report)
