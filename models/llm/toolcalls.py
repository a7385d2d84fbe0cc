"""Lenient tool-call parsing for local models.

Qwen's template asks for `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, but small models often
write a ```json fenced block or a bare JSON object instead. `ToolCallScanner` finds all three shapes in a
token stream: it passes ordinary text through at once and holds back only what could be the start of a call
(`<tool_call>`, a ``` fence, or `{` at the start of the output or of a line) until it knows. A block that is
not a call to a known tool is given back as text.
"""

from __future__ import annotations

import ast
import json
import uuid
from collections.abc import Collection
from typing import Any

from models.llm.base import ToolCall

_TAG_OPEN, _TAG_CLOSE, _FENCE = "<tool_call>", "</tool_call>", "```"
_STARTS = (_TAG_OPEN, _FENCE)


def parse_tool_calls(text: str, known_tools: Collection[str]) -> tuple[str, list[ToolCall]]:
    """The text with the calls to known tools removed, and those calls in order."""
    scanner = ToolCallScanner(known_tools)
    head = scanner.feed(text)
    tail, calls = scanner.finish()
    return head + tail, calls


class ToolCallScanner:
    """Streaming version of `parse_tool_calls`: `feed` returns the text that is safe to show now."""

    def __init__(self, known_tools: Collection[str]) -> None:
        self._known = frozenset(known_tools)
        self._pending = ""  # not yet emitted: empty, a possible call, or a possible call's first characters
        self._line_blank = True  # only whitespace since the last emitted newline (or nothing emitted yet)
        self._calls: list[ToolCall] = []
        self._after_call = False  # drop the blank space that follows a removed call

    def feed(self, delta: str) -> str:
        if not self._known:
            return delta
        self._pending += delta
        return self._drain(final=False)

    def finish(self) -> tuple[str, list[ToolCall]]:
        """The held-back text and every call found. A call cut off by the end (no closing tag or fence,
        as when generation stops at end-of-turn) is still accepted if its JSON is complete."""
        if not self._known:
            return "", []
        return self._drain(final=True), list(self._calls)

    def _drain(self, final: bool) -> str:
        out: list[str] = []
        while self._pending:
            if self._after_call:
                self._pending = self._pending.lstrip()
                if not self._pending:
                    break
                self._after_call = False
            start = self._candidate_start()
            if start is None:
                keep = 0 if final else _partial_start_len(self._pending)
                self._emit(out, len(self._pending) - keep)
                break
            if start:
                self._emit(out, start)
                continue
            end, calls = self._resolve(final)
            if end is None:  # undecided: wait for more text
                break
            if calls:
                self._calls.extend(calls)
                self._pending = self._pending[end:]
                self._after_call = True
                self._line_blank = True
                continue
            self._emit(out, max(end, 1))
        return "".join(out)

    def _emit(self, out: list[str], n: int) -> None:
        text, self._pending = self._pending[:n], self._pending[n:]
        if not text:
            return
        out.append(text)
        line = text.rsplit("\n", 1)
        self._line_blank = (len(line) > 1 or self._line_blank) and not line[-1].strip()

    def _candidate_start(self) -> int | None:
        """Where the first possible call begins in the pending text, if anywhere."""
        found = [i for i in (self._pending.find(s) for s in _STARTS) if i >= 0]
        blank = self._line_blank
        for i, ch in enumerate(self._pending):
            if ch == "{" and blank:
                found.append(i)
                break
            if ch == "\n":
                blank = True
            elif not ch.isspace():
                blank = False
        return min(found, default=None)

    def _resolve(self, final: bool) -> tuple[int | None, list[ToolCall]]:
        """For the candidate at the head of the pending text: (its end, its calls) once decided; the calls
        are empty when it is only text. (None, []) while it cannot be decided yet."""
        p = self._pending
        if p.startswith(_TAG_OPEN):
            close = p.find(_TAG_CLOSE)
            if close >= 0:
                return close + len(_TAG_CLOSE), self._calls_in(p[len(_TAG_OPEN) : close])
            return (len(p), self._calls_in(p[len(_TAG_OPEN) :])) if final else (None, [])
        if p.startswith(_FENCE):
            close = p.find(_FENCE, len(_FENCE))
            if close >= 0:
                return close + len(_FENCE), self._calls_in(_fence_body(p[len(_FENCE) : close]))
            return (len(p), self._calls_in(_fence_body(p[len(_FENCE) :]))) if final else (None, [])
        # A bare object: it must open like JSON ({ then a quote), and ends at its matching brace.
        body = p[1:].lstrip()
        if body and body[0] not in "\"'":
            return 1, []
        end = _object_end(p)
        if end is not None:
            return end, self._calls_in(p[:end])
        return (len(p), self._calls_in(p)) if final else (None, [])

    def _calls_in(self, payload: str) -> list[ToolCall]:
        values = _decode_all(payload)
        if not values:
            return []
        items = [v for value in values for v in (value if isinstance(value, list) else [value])]
        calls = [_to_call(item, self._known) for item in items]
        # All or nothing: a block that is partly something else stays text.
        return [c for c in calls if c is not None] if calls and None not in calls else []


def _partial_start_len(text: str) -> int:
    """How many characters at the end could be the beginning of `<tool_call>` or a fence."""
    for n in range(min(len(text), len(_TAG_OPEN) - 1), 0, -1):
        tail = text[-n:]
        if any(s.startswith(tail) for s in _STARTS):
            return n
    return 0


def _fence_body(inner: str) -> str:
    """The content of a fenced block without its language tag (```json, ```tool_call, ...)."""
    first, newline, rest = inner.partition("\n")
    if newline and not first.strip().startswith(("{", "[", "<")):
        inner = rest
    inner = inner.strip()
    if inner.startswith(_TAG_OPEN):
        inner = inner[len(_TAG_OPEN) :].removesuffix(_TAG_CLOSE)
    return inner


def _object_end(text: str) -> int | None:
    """The index just past the brace that closes the object opening `text`, if it is there yet."""
    depth, in_string, escaped = 0, "", False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == in_string:
                in_string = ""
        elif ch in "\"'":
            in_string = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _decode_all(payload: str) -> list[Any]:
    """Every JSON value in `payload` (one or several, separated by blanks or commas); [] if anything else
    is there. Python-literal dicts (single quotes) are accepted too: small models write them."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    i, text = 0, payload.strip()
    try:
        while i < len(text):
            value, i = decoder.raw_decode(text, i)
            values.append(value)
            while i < len(text) and text[i] in " \t\r\n,":
                i += 1
        return values
    except json.JSONDecodeError:
        pass
    try:
        return [ast.literal_eval(text)]
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return []


def _to_call(item: Any, known: frozenset[str]) -> ToolCall | None:
    """A ToolCall from {name, arguments}, {name, parameters} or {function: {name, arguments}}."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):
        item = item["function"]
    name = item.get("name")
    if not isinstance(name, str) or name not in known:
        return None
    args = item.get("arguments", item.get("parameters"))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return None
    return ToolCall(name=name, arguments=args, id=f"call_{uuid.uuid4().hex[:12]}")
