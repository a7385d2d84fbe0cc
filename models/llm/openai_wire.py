"""The OpenAI chat-completions wire format: our messages out, and the streamed (or whole) response chunks in,
accumulated into text, tool calls and usage."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.llm.base import ChatMessage, ToolCall
from models.llm.toolcalls import ToolCallScanner

log = logging.getLogger(__name__)


@dataclass
class PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""
    parsed: dict[str, Any] | None = None  # servers that send the arguments as an object


@dataclass
class GenerationRun:
    """What one generation has produced so far, across attempts."""

    started: float
    scanner: ToolCallScanner | None
    first_token_s: float | None = None
    first_token_at: float = 0.0
    finish_reason: str | None = None
    calls: dict[int, PartialCall] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    tokens_per_s: float | None = None
    skipped: int = 0  # malformed SSE lines
    deltas: int = 0  # content deltas: about one per token on local servers, used when no usage is sent

    def mark_token(self) -> None:
        if self.first_token_s is None:
            self.first_token_at = time.perf_counter()
            self.first_token_s = self.first_token_at - self.started

    def handle(self, chunk: dict[str, Any]) -> list[str]:
        """Record one chunk (streamed or whole); return the text to show now."""
        self._usage(chunk)
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return []
        choice = choices[0]  # we never ask for n > 1
        delta = choice.get("delta") or choice.get("message") or {}
        out: list[str] = []
        if isinstance(delta, dict):
            content = delta.get("content")
            if isinstance(content, str) and content:
                self.mark_token()
                self.deltas += 1
                text = self.scanner.feed(content) if self.scanner else content
                if text:
                    out.append(text)
            tool_calls = delta.get("tool_calls")
            if isinstance(tool_calls, list):
                for position, fragment in enumerate(tool_calls):
                    if isinstance(fragment, dict):
                        self.mark_token()
                        self._add_fragment(fragment, position)
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            self.finish_reason = reason
        return out

    def _add_fragment(self, fragment: dict[str, Any], position: int) -> None:
        index = fragment.get("index")
        if not isinstance(index, int):
            # No index (some servers send whole calls): a named fragment starts a new call.
            fn = fragment.get("function")
            named = isinstance(fn, dict) and bool(fn.get("name"))
            index = len(self.calls) if not self.calls or named else max(self.calls)
            index = max(index, position)
        call = self.calls.setdefault(index, PartialCall())
        if isinstance(fragment.get("id"), str) and fragment["id"] and not call.id:
            call.id = fragment["id"]
        fn = fragment.get("function")
        if not isinstance(fn, dict):
            return
        if isinstance(fn.get("name"), str) and fn["name"] and not call.name:
            call.name = fn["name"]
        args = fn.get("arguments")
        if isinstance(args, str):
            call.arguments += args
        elif isinstance(args, dict):
            call.parsed = args

    def _usage(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.prompt_tokens = _int(usage.get("prompt_tokens")) or self.prompt_tokens
            self.completion_tokens = _int(usage.get("completion_tokens")) or self.completion_tokens
            details = usage.get("prompt_tokens_details")
            if isinstance(details, dict):
                self.cached_tokens = _int(details.get("cached_tokens")) or self.cached_tokens
        timings = chunk.get("timings")  # llama.cpp's own server adds these
        if isinstance(timings, dict):
            self.cached_tokens = _int(timings.get("cache_n")) or self.cached_tokens
            speed = timings.get("predicted_per_second")
            if isinstance(speed, int | float) and speed > 0:
                self.tokens_per_s = float(speed)

    def tool_calls(self, known: frozenset[str]) -> list[ToolCall]:
        calls: list[ToolCall] = []
        for index in sorted(self.calls):
            partial = self.calls[index]
            args = partial.parsed if partial.parsed is not None else parse_arguments(partial.arguments)
            if not partial.name or args is None:
                log.warning("dropping a malformed tool call from the server: %r", partial.name or "(no name)")
                continue
            if known and partial.name not in known:
                log.warning("dropping a call to a tool that was not offered: %r", partial.name)
                continue
            calls.append(ToolCall(name=partial.name, arguments=args, id=partial.id or _call_id()))
        return calls


def wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Our messages in the OpenAI format. Calls without ids get stable ones so that each tool result can
    name the call it answers, which strict servers require."""
    out: list[dict[str, Any]] = []
    pending: list[tuple[str, str]] = []  # (id, tool name) of calls not yet answered
    for i, m in enumerate(messages):
        if m.role == "assistant" and m.tool_calls:
            calls = []
            pending = []
            for j, call in enumerate(m.tool_calls):
                call_id = call.id or f"call_{i}_{j}"
                pending.append((call_id, call.name))
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
                    }
                )
            out.append({"role": "assistant", "content": m.content or None, "tool_calls": calls})
        elif m.role == "tool":
            call_id = m.tool_call_id
            if not call_id:
                match = next((p for p in pending if p[1] == m.name), pending[0] if pending else None)
                call_id = match[0] if match else ""
            pending = [p for p in pending if p[0] != call_id]
            if call_id:
                out.append({"role": "tool", "tool_call_id": call_id, "content": m.content})
            else:  # a result no call asked for: strict servers would refuse a tool message
                label = f"Result of {m.name}" if m.name else "Tool result"
                out.append({"role": "user", "content": f"{label}:\n{m.content}"})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def sse_data(line: str) -> str | None:
    """The payload of an SSE `data:` line; None for comments, other fields and blank lines."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def parse_arguments(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
        if isinstance(value, str):  # some servers encode the arguments twice
            value = json.loads(value)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def done_reason(reason: str | None) -> str:
    """The server's finish reason as GenerationDone says it (anything else ends as "stop")."""
    return reason if reason in ("stop", "length") else "stop"


def tokens_per_s(run: GenerationRun) -> float | None:
    tokens = run.completion_tokens or run.deltas
    if tokens < 2 or run.first_token_s is None:
        return None
    elapsed = time.perf_counter() - run.first_token_at
    return (tokens - 1) / elapsed if elapsed > 0 else None


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
