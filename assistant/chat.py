"""`voice-assistant chat`: the dialogue as text, for operators trying their config. Interactive by default;
with --json, one JSON object per line in ({"text", "language"}) and out."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import IO, Any

from dialogue.history import ConversationHistory
from dialogue.manager import DialogueManager
from dialogue.replies import Reply
from dialogue.state import ConversationState

MAX_LINE = 4000  # characters of one shopper line; longer input is refused with a message


def reply_json(reply: Reply, latency_ms: float) -> dict[str, Any]:
    return {
        "reply": reply.text,
        "language": reply.language,
        "intent": reply.intent,
        "products": [
            {"id": p.id, "title": p.title, "price": float(p.price), "currency": p.currency} for p in reply.products
        ],
        "handoff": reply.handoff,
        "handoff_reason": reply.handoff_reason or None,
        "generated": reply.generated,
        "latency_ms": round(latency_ms, 1),
    }


def run_chat(
    dialogue: DialogueManager, language: str, as_json: bool, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout
) -> int:
    state = ConversationState()
    history = ConversationHistory()
    interactive = not as_json and stdin.isatty()
    if interactive:
        print(f"Talk to the assistant ({language}); an empty line or Ctrl-D ends.", file=stdout)
    while True:
        if interactive:
            print("you> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or (interactive and not line.strip()):
            return 0
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            _error(stdout, as_json, f"line longer than {MAX_LINE} characters; skipped")
            continue
        text, turn_language = line.strip(), language
        if as_json:
            try:
                message = json.loads(line)
            except json.JSONDecodeError as exc:
                _error(stdout, as_json, f"not JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(message, dict) or not isinstance(message.get("text"), str):
                _error(stdout, as_json, 'expected an object like {"text": "...", "language": "es"}')
                continue
            text = message["text"]
            turn_language = str(message.get("language") or language)
        started = time.perf_counter()
        reply = asyncio.run(_answer(dialogue, text, turn_language, state, history))
        history.add_user(text, turn_language)
        history.add_assistant(reply.text, reply.language)
        latency = (time.perf_counter() - started) * 1000
        state = reply.state or state
        if as_json:
            print(json.dumps(reply_json(reply, latency), ensure_ascii=False), file=stdout, flush=True)
        else:
            products = f"  [{', '.join(p.id for p in reply.products)}]" if reply.products else ""
            print(f"assistant ({reply.language}, {reply.intent}): {reply.text or '…'}{products}", file=stdout)
            if reply.handoff:
                print(f"-- handed to a person: {reply.handoff_reason}", file=stdout)
        if reply.handoff:
            return 0


async def _answer(
    dialogue: DialogueManager, text: str, language: str, state: ConversationState, history: ConversationHistory
) -> Reply:
    """The router's reply, or the language model's, generated to the end."""
    reply = await dialogue.respond(text, language, state, history=history.messages)
    return await reply.complete() if reply.generated else reply


def _error(stdout: IO[str], as_json: bool, message: str) -> None:
    print(json.dumps({"error": message}) if as_json else f"error: {message}", file=stdout, flush=True)
