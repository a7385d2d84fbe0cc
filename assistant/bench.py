"""`voice-assistant bench`: voice-to-voice latency on synthesised shopper questions.

The questions are spoken by the English Piper voice, played through `simulate` in real
time as one conversation, and every latency field is summarised as p50/p95. A second
conversation interrupts long replies to measure barge-in reaction.

`--language es` (repeatable) adds a question set per language, spoken by that language's
configured voice (Kokoro for the languages without Piper) and reported apart, with how
many questions Whisper heard, and the assistant answered, in that language.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Sequence
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
# Open questions no template answers: in hybrid and tools mode the language model does.
MODEL_QUESTIONS = [
    "Are the VoltEdge wireless earbuds good for running in the rain?",
    "What is the difference between the AirWave and the VoltEdge earbuds?",
    "I need a gift for my dad who likes camping, around sixty dollars.",
    "Which yoga mat would you recommend for a beginner?",
    "Would the FlowFit sleeping bag be warm enough for winter camping?",
    "I need something to keep my coffee hot on a hike.",
]
# The English set's questions as a shopper of each language asks them; product names stay as in the catalog.
LANGUAGE_QUESTIONS: dict[str, list[str]] = {
    "es": [
        "¿Cuánto cuestan las zapatillas TrailRunner?",
        "¿Tienen auriculares inalámbricos?",
        "¿La esterilla de yoga FlowFit está disponible?",
        "¿Cuánto cuesta?",
        "¿Venden una chaqueta vaquera?",
        "¿Cuál es el precio de la camisa de lino?",
        "¡Hola!",
        "¿Tienen botas de montaña?",
    ],
    "fr": [
        "Combien coûtent les chaussures de course TrailRunner ?",
        "Avez-vous des écouteurs sans fil ?",
        "Le tapis de yoga FlowFit est-il en stock ?",
        "Combien ça coûte ?",
        "Vendez-vous une veste en jean ?",
        "Quel est le prix de la chemise en lin ?",
        "Bonjour !",
        "Avez-vous des chaussures de randonnée ?",
    ],
    "de": [
        "Wie viel kosten die TrailRunner Laufschuhe?",
        "Haben Sie kabellose Kopfhörer?",
        "Ist die FlowFit Yogamatte vorrätig?",
        "Wie viel kostet das?",
        "Verkaufen Sie eine Jeansjacke?",
        "Was kostet das Leinenhemd?",
        "Guten Tag!",
        "Haben Sie Wanderschuhe?",
    ],
    "it": [
        "Quanto costano le scarpe da corsa TrailRunner?",
        "Avete degli auricolari wireless?",
        "Il tappetino da yoga FlowFit è disponibile?",
        "Quanto costa?",
        "Vendete una giacca di jeans?",
        "Qual è il prezzo della camicia di lino?",
        "Buongiorno!",
        "Avete degli scarponi da trekking?",
    ],
    "pt": [
        "Quanto custam os tênis de corrida TrailRunner?",
        "Vocês têm fones de ouvido sem fio?",
        "O tapete de ioga FlowFit está disponível?",
        "Quanto custa?",
        "Vocês vendem uma jaqueta jeans?",
        "Qual é o preço da camisa de linho?",
        "Olá, bom dia!",
        "Vocês têm botas de caminhada?",
    ],
    "zh": [
        "TrailRunner跑鞋多少钱？",
        "你们有无线耳机吗？",
        "FlowFit瑜伽垫有货吗？",
        "多少钱？",
        "你们卖牛仔夹克吗？",
        "亚麻衬衫多少钱？",
        "你好！",
        "你们有登山靴吗？",
    ],
    "ja": [
        "TrailRunnerのランニングシューズはいくらですか？",
        "ワイヤレスイヤホンはありますか？",
        "FlowFitのヨガマットは在庫がありますか？",
        "いくらですか？",
        "デニムジャケットは売っていますか？",
        "リネンシャツの値段はいくらですか？",
        "こんにちは！",
        "登山靴はありますか？",
    ],
}
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


def latency_table(turns: list[TurnRecord]) -> dict:
    table = {}
    for name in LATENCY_FIELDS:
        values = [v for t in turns if (v := t.latency_ms()[name]) is not None]
        if values:
            table[name] = {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}
    return table


def summarise(turns: list[TurnRecord], barge_turns: list[TurnRecord], model_turns: list[TurnRecord] = ()) -> dict:
    """Router turns and the language model's turns apart: the model's are slower by nature."""
    routed = [t for t in turns if not t.generated]
    generated = [t for t in [*turns, *model_turns] if t.generated]
    report: dict = {"turns": len(routed), "latency_ms": latency_table(routed)}
    if generated or model_turns:
        report["model_turns"] = len(generated)
        report["model_latency_ms"] = latency_table(generated)
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
    lines = _format_english(report) if "turns" in report else []
    for language, figures in report.get("languages", {}).items():
        lines.append("")
        lines.append(
            f"[{language}] {figures['turns']} router turns, voice {figures['voice']}; of {figures['asked']} questions "
            f"Whisper heard {figures['heard_in_language']} in {language}, "
            f"{figures['answered_in_language']} answered in {language}"
        )
        lines.append(f"{'stage':<16}{'p50 ms':>10}{'p95 ms':>10}")
        for name, stage in figures["latency_ms"].items():
            lines.append(f"{name:<16}{stage['p50']:>10.1f}{stage['p95']:>10.1f}")
        if figures.get("model_turns"):
            lines.append(f"{figures['model_turns']} turns answered by the language model")
            for name, stage in figures["model_latency_ms"].items():
                lines.append(f"{name:<16}{stage['p50']:>10.1f}{stage['p95']:>10.1f}")
        lines.append(f"ASR real-time factor (p50): {figures['asr_rtf_p50']}")
        lines.append(f"TTS real-time factor (p50): {figures['tts_rtf_p50']}")
    return "\n".join(lines)


def _format_english(report: dict) -> list[str]:
    lines = [
        f"{report['turns']} turns (voice-to-voice = end of shopper speech -> first reply audio out)",
        f"{'stage':<16}{'p50 ms':>10}{'p95 ms':>10}",
    ]
    for name, figures in report["latency_ms"].items():
        lines.append(f"{name:<16}{figures['p50']:>10.1f}{figures['p95']:>10.1f}")
    if "model_turns" in report:
        lines.append(
            f"{report['model_turns']} turns answered by the language model (voice_to_voice counts a filler; "
            "voice_to_answer is the answer's own first audio)"
        )
        for name, figures in report["model_latency_ms"].items():
            lines.append(f"{name:<16}{figures['p50']:>10.1f}{figures['p95']:>10.1f}")
        if report.get("model"):
            lines.append(f"model: {report['model']}")
    lines.append(f"ASR real-time factor (p50): {report['asr_rtf_p50']}")
    lines.append(f"TTS real-time factor (p50): {report['tts_rtf_p50']}")
    barge = report["barge_in_ms"]
    if barge:
        lines.append(
            f"barge-in reaction (speech onset -> playback stopped): p50 {barge['p50']} ms, "
            f"p95 {barge['p95']} ms over {barge['count']} interruptions"
        )
    return lines


async def run_bench(engines: Engines, rounds: int = 1, languages: Sequence[str] = ("en",)) -> dict:
    """English at the top level as it always was; every other language under `report["languages"]`."""
    unknown = [code for code in languages if code != "en" and code not in LANGUAGE_QUESTIONS]
    if unknown:
        raise ValueError(f"no bench questions for {', '.join(unknown)}; languages: en, {', '.join(LANGUAGE_QUESTIONS)}")
    report: dict = await _english_bench(engines, rounds) if "en" in languages else {}
    others = [code for code in dict.fromkeys(languages) if code != "en"]
    if others:
        report["languages"] = {code: await _language_bench(engines, code, rounds) for code in others}
    report["text"] = format_report(report)
    return report


async def _english_bench(engines: Engines, rounds: int) -> dict:
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
        model_turns: list[TurnRecord] = []
        if engines.dialogue.model is not None:
            open_files = [speak(q, 200 + i) for i, q in enumerate(MODEL_QUESTIONS)]
            for _ in range(rounds):
                for file in open_files:  # one conversation each: no earlier turn to lean on
                    model_turns += await simulate(engines, [file])
        long_q, interrupt = speak(LONG_REPLY_QUESTION, 100), speak(INTERRUPTION, 101)
        barge_turns = await simulate(
            engines, [long_q, interrupt, long_q, interrupt, long_q, interrupt], barge_in_after=1.0
        )
    report = summarise(turns, barge_turns, model_turns)
    if engines.dialogue.model is not None:
        engine = {"engine": engines.llm.name if engines.llm is not None else None}
        report["model"] = engine | engines.dialogue.model.responder.stats.summary()
    return report


async def _language_bench(engines: Engines, language: str, rounds: int) -> dict:
    """One language's question set, spoken by its own voice, as one conversation per round."""
    voice = engines.synthesizer.voices.for_language(language)
    questions = LANGUAGE_QUESTIONS[language]
    reply_languages: list[str] = []

    def on_event(event: dict) -> None:
        if event.get("type") == "reply":
            reply_languages.append(event["language"])

    with tempfile.TemporaryDirectory(prefix=f"va-bench-{language}-") as tmp:
        files = []
        for i, question in enumerate(questions):
            files.append(Path(tmp) / f"q{i}.wav")
            sf.write(files[-1], voice.synthesize(question), voice.sample_rate)
        turns: list[TurnRecord] = []
        for _ in range(rounds):
            turns += await simulate(engines, files, on_event=on_event)
    report = summarise(turns, [])
    del report["barge_in_ms"]  # measured on the English set only
    report["voice"] = voice.name
    report["asked"] = len(questions) * rounds
    # Whisper's language id on the synthetic question, and the language the assistant answered in.
    report["heard_in_language"] = sum(_base(t.language) == language for t in turns)
    report["answered_in_language"] = sum(_base(code) == language for code in reply_languages)
    return report


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()
