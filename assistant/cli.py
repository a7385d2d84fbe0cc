"""The `voice-assistant` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from assistant.audio_io import AudioFileError
from assistant.config import ConfigError, load_config
from assistant.records.cli import add_agent_commands, add_conversation_commands
from assistant.records.store import StoreError
from catalog.cli import add_catalog_commands
from models import ModelError
from models.embedder import load_embedder


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    command = getattr(args, "run", None) or getattr(args, "func", None)  # catalog commands use `func`
    if command is None:
        parser.print_help()
        return 2
    try:
        return command(args) or 0
    except (ConfigError, AudioFileError, ModelError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voice-assistant", description="Offline voice shopping assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="serve shoppers: the browser page and the phone stream")
    serve.add_argument("--config", metavar="FILE", help="assistant.yaml")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for every interface)")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    sim = commands.add_parser("simulate", help="feed WAV files through the full pipeline as one conversation")
    sim.add_argument(
        "--audio",
        action="append",
        required=True,
        metavar="WAV",
        help="a shopper utterance (repeat for a conversation); any rate, mono or stereo",
    )
    sim.add_argument("--out", metavar="WAV", help="write the assistant's audio as the shopper heard it")
    sim.add_argument("--json", action="store_true", help="print the turns as JSON")
    sim.add_argument(
        "--barge-in-after",
        type=float,
        metavar="SECONDS",
        help="start the next file this long after the previous reply began playing",
    )
    sim.add_argument(
        "--fast", action="store_true", help="stream the files as fast as possible (latency figures then mean little)"
    )
    sim.add_argument("--config", metavar="FILE", help="assistant.yaml")
    sim.set_defaults(run=_simulate)

    talk = commands.add_parser("talk", help="talk to the assistant through this computer's mic and speaker")
    talk.add_argument("--config", metavar="FILE", help="assistant.yaml")
    talk.add_argument(
        "--barge-in",
        action="store_true",
        help="let speech interrupt the reply (use a headset: speakers would interrupt themselves)",
    )
    talk.add_argument("--input-device", help="sounddevice input device (name or index)")
    talk.add_argument("--output-device", help="sounddevice output device (name or index)")
    talk.set_defaults(run=_talk)

    bench = commands.add_parser("bench", help="latency benchmark on synthesised shopper questions")
    bench.add_argument("--config", metavar="FILE", help="assistant.yaml")
    bench.add_argument("--rounds", type=int, default=1, help="how many times to ask the question set")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument(
        "--language",
        action="append",
        metavar="CODE",
        help="ask the question set of this language (en es fr de it pt zh ja), in its own voice; repeat (default: en)",
    )
    bench.add_argument(
        "--llm", choices=["off", "hybrid", "tools"], help="the language model's part (default: the config's)"
    )
    bench.set_defaults(run=_bench)

    load = commands.add_parser("loadtest", help="voice-to-voice latency over the browser and phone protocols")
    load.add_argument("--url", help="a running server (default: start one in this process)")
    load.add_argument(
        "--transport",
        action="append",
        choices=["browser", "phone"],
        help="repeat for both (default: browser and phone)",
    )
    load.add_argument(
        "--concurrency",
        action="append",
        type=int,
        metavar="N",
        help="simultaneous conversations; repeat for several runs (default: 1 and 4)",
    )
    load.add_argument("--rounds", type=int, default=1, help="how many times each caller asks the question set")
    load.add_argument("--config", metavar="FILE", help="assistant.yaml (for the in-process server)")
    load.add_argument("--json", action="store_true", help="print the figures as JSON")
    load.set_defaults(run=_loadtest)

    chat = commands.add_parser("chat", help="the dialogue as text, to try a config")
    chat.add_argument("--config", metavar="FILE", help="assistant.yaml")
    chat.add_argument("--db", metavar="CATALOG.db", help="catalog file (default: the config's catalog)")
    chat.add_argument("--lang", default=None, help="the shopper's language (default: the config's default)")
    chat.add_argument("--json", action="store_true", help='read {"text", "language"} lines, write JSON lines')
    chat.add_argument(
        "--llm", choices=["off", "hybrid", "tools"], help="the language model's part (default: the config's)"
    )
    chat.set_defaults(run=_chat)

    evaluate = commands.add_parser("eval", help="evaluation sets")
    eval_commands = evaluate.add_subparsers(title="eval commands")
    eval_dialogue = eval_commands.add_parser("dialogue", help="multi-turn dialogue cases: success, grounding, latency")
    eval_dialogue.add_argument("cases", nargs="+", metavar="CASES.yaml")
    eval_dialogue.add_argument("--db", metavar="CATALOG.db", help="run on this catalog instead of the cases' own")
    eval_dialogue.add_argument("--config", metavar="FILE", help="assistant.yaml (its dialogue settings)")
    eval_dialogue.add_argument("--json", action="store_true", help="print the report as JSON")
    eval_dialogue.add_argument("--failures", action="store_true", help="list every failed turn")
    eval_dialogue.add_argument(
        "--llm", choices=["off", "hybrid", "tools"], help="the language model's part (default: the config's)"
    )
    eval_dialogue.set_defaults(run=_eval_dialogue)
    eval_voices = eval_commands.add_parser(
        "voices", help="round trip per language: each voice speaks, Whisper transcribes, word error and speed"
    )
    eval_voices.add_argument("--lang", action="append", help="repeat for several (default: es pt fr de it zh ja)")
    eval_voices.add_argument(
        "--voice",
        action="append",
        metavar="NAME[@SPEED]",
        help="a Kokoro voice to measure, e.g. jm_kumo@0.85 (repeat; default: the config's voice per language)",
    )
    eval_voices.add_argument("--all-voices", action="store_true", help="every bundled Kokoro voice at 1.0 and 0.85")
    eval_voices.add_argument("--latency", action="store_true", help="also time a 5- and a 15-word clause")
    eval_voices.add_argument("--config", metavar="FILE", help="assistant.yaml (its asr and tts.kokoro settings)")
    eval_voices.add_argument("--json", action="store_true", help="print every sentence and transcript as JSON")
    eval_voices.set_defaults(run=_eval_voices)

    config = commands.add_parser("config", help="configuration tools")
    config_commands = config.add_subparsers(title="config commands")
    check = config_commands.add_parser("check", help="validate an assistant.yaml")
    check.add_argument("file")
    check.set_defaults(run=_config_check)
    show = config_commands.add_parser("defaults", help="print the built-in configuration as YAML")
    show.set_defaults(run=_config_defaults)

    add_conversation_commands(commands)
    add_agent_commands(commands)
    add_catalog_commands(
        commands, embedder_factory=load_embedder, rankers={"dialogue": lambda store: _dialogue_ranker(store)}
    )
    return parser


def _dialogue_ranker(store):  # noqa: ANN001, ANN202 - see dialogue.evaluation.shown_products
    from dialogue.evaluation import shown_products  # local: the dialogue loads only for `catalog eval`

    return shown_products(load_embedder())(store)


def _load_engines(config_path: str | None, llm_mode: str | None = None):
    from assistant.engines import Engines

    config = load_config(config_path)
    if llm_mode:
        config.dialogue.llm.mode = llm_mode
    print("loading models…", file=sys.stderr)
    return Engines.load(config)


def _serve(args: argparse.Namespace) -> int:
    from assistant.server.app import create_app
    from assistant.server.run import serve

    if not args.verbose:
        logging.getLogger("assistant").setLevel(logging.INFO)  # sessions opening and closing, bad input
    # A bad config fails before listening; a later bad edit is refused and the running config stays.
    serve(create_app(load_config(args.config), config_path=args.config), args.host, args.port)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from assistant.audio_io import read_audio_file
    from assistant.simulate import simulate

    for path in args.audio:  # fail on a bad file before spending time on models
        read_audio_file(path)
    engines = _load_engines(args.config)
    turns = asyncio.run(
        simulate(engines, args.audio, barge_in_after=args.barge_in_after, out=args.out, realtime=not args.fast)
    )
    if args.json:
        print(json.dumps({"turns": [t.to_json() for t in turns]}, ensure_ascii=False, indent=2))
    else:
        for turn in turns:
            cut = " [interrupted]" if turn.interrupted else ""
            print(f"shopper ({turn.language}): {turn.transcript}")
            print(f"assistant{cut}: {turn.heard_reply if turn.interrupted else turn.reply}")
            print(f"  voice-to-voice {turn.latency_ms()['voice_to_voice']} ms")
        if not turns:
            print("no speech was recognised in the audio", file=sys.stderr)
    return 0


def _talk(args: argparse.Namespace) -> int:
    from assistant.transports.local import LocalAudio, LocalAudioUnavailable, talk

    try:
        # The devices are checked before the models load: a missing sound card is found in a second.
        audio = LocalAudio(args.input_device, args.output_device, half_duplex=not args.barge_in)
        asyncio.run(talk(_load_engines(args.config), audio))
    except LocalAudioUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _bench(args: argparse.Namespace) -> int:
    from assistant.bench import LANGUAGE_QUESTIONS, run_bench

    languages = args.language or ["en"]
    unknown = sorted({code for code in languages if code != "en" and code not in LANGUAGE_QUESTIONS})
    if unknown:  # before the models load
        print(
            f"error: no bench questions for {', '.join(unknown)}; choose from en, {', '.join(LANGUAGE_QUESTIONS)}",
            file=sys.stderr,
        )
        return 2
    engines = _load_engines(args.config, args.llm)
    report = asyncio.run(run_bench(engines, rounds=args.rounds, languages=languages))
    print(json.dumps(report, indent=2) if args.json else report["text"])
    return 0


def _loadtest(args: argparse.Namespace) -> int:
    from assistant.loadtest import format_summary, load_report

    config = load_config(args.config)
    print("running conversations…", file=sys.stderr)
    summaries = asyncio.run(
        load_report(args.url, args.transport or ["browser", "phone"], args.concurrency or [1, 4], config, args.rounds)
    )
    print(json.dumps(summaries, indent=2) if args.json else format_summary(summaries))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from assistant.chat import run_chat
    from assistant.engines import load_llm, open_store
    from dialogue.manager import DialogueManager

    config = load_config(args.config)
    if args.db:
        config.catalog.path = args.db
    if args.llm:
        config.dialogue.llm.mode = args.llm
    embedder = load_embedder() if config.catalog.embeddings else None
    dialogue = DialogueManager(open_store(config, embedder), config.dialogue, embedder, load_llm(config.dialogue.llm))
    dialogue.warm_up()
    return run_chat(dialogue, args.lang or config.dialogue.language.default, args.json)


def _eval_dialogue(args: argparse.Namespace) -> int:
    from assistant.engines import load_llm
    from dialogue.evaluation import evaluate, format_report

    config = load_config(args.config)
    if args.llm:
        config.dialogue.llm.mode = args.llm
    for path in args.cases:
        if not Path(path).is_file():
            print(f"error: {path}: no such cases file", file=sys.stderr)
            return 1
    embedder = load_embedder() if config.catalog.embeddings else None
    llm = load_llm(config.dialogue.llm)
    reports = {path: evaluate(path, args.db, embedder, config.dialogue, llm) for path in args.cases}
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(f"== {path}\n{format_report(r, args.failures)}" for path, r in reports.items()))
    return 0


def _eval_voices(args: argparse.Namespace) -> int:
    import dataclasses
    import time

    from asr.whisper_engine import WhisperEngine
    from assistant import voice_eval
    from tts.kokoro_voice import KokoroModel, KokoroUnavailable, KokoroVoice

    config = load_config(args.config)
    kokoro_settings = config.tts.kokoro
    languages = args.lang or list(voice_eval.SENTENCES)
    unknown = [lang for lang in languages if lang not in voice_eval.SENTENCES]
    if unknown:
        print(f"error: no sentences for {', '.join(unknown)} (have {', '.join(voice_eval.SENTENCES)})", file=sys.stderr)
        return 1
    print("loading models…", file=sys.stderr)
    whisper = WhisperEngine(config.asr)
    load_s = None
    try:
        started = time.perf_counter()
        kokoro = KokoroModel(kokoro_settings.model, kokoro_settings.voices_file, kokoro_settings.threads)
        load_s = time.perf_counter() - started
    except KokoroUnavailable as exc:
        print(f"warning: Kokoro is not measured: {exc}", file=sys.stderr)
        kokoro = None
    candidates = {}
    for lang in languages:
        chosen = voice_eval.default_candidates(kokoro_settings, lang, args.all_voices)
        extra = [voice_eval.Candidate.parse(v) for v in args.voice or []]
        candidates[lang] = chosen[:1] + extra if extra else chosen
    scores = voice_eval.evaluate_voices(
        whisper, kokoro, candidates, progress=lambda s: print(f"{s.language} {s.voice}: {s.error:.2f}", file=sys.stderr)
    )
    latencies = []
    if args.latency and kokoro is not None:
        for lang in languages:
            voice = KokoroVoice(kokoro, lang, kokoro_settings.voice_for(lang), kokoro_settings.speed_for(lang))
            latencies.append(voice_eval.clause_latency(voice, lang, voice.name))
    if args.json:
        report = {"scores": [dataclasses.asdict(s) for s in scores], "kokoro_load_s": load_s}
        report["latency"] = [dataclasses.asdict(f) for f in latencies]
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(voice_eval.format_table(scores))
        if latencies:
            print("\n" + voice_eval.format_latency(latencies, load_s))
    return 0


def _config_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(
        f"{args.file}: ok ({len(config.dialogue.intents)} intents, languages with voices: "
        f"{', '.join(sorted(config.tts.voices))})"
    )
    return 0


def _config_defaults(args: argparse.Namespace) -> int:
    import yaml

    from assistant.config import AssistantConfig

    print(yaml.safe_dump(AssistantConfig().model_dump(mode="json"), allow_unicode=True, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
