"""Streamed model text cut into clauses, each checked and spoken as soon as it is complete."""

from __future__ import annotations

import re

# A sentence end: . ! ? followed by a space (not "67.99", not "e.g." inside a word), or CJK punctuation.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])")
# A clause end, used only once enough text waits: the first clause should not wait for a long sentence.
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+(?!\d)|(?<=[，、；：])")
_MIN_CLAUSE_CHARS = 40
_MIN_FIRST_CLAUSE_CHARS = 16  # "Yes, the VoltEdge earbuds are," is worth saying while the rest is generated
_SHORT_WORDS = {"mr.", "mrs.", "dr.", "sr.", "sra.", "st.", "vs.", "etc.", "e.g.", "i.e.", "approx."}


class ClauseSplitter:
    def __init__(
        self, min_clause_chars: int = _MIN_CLAUSE_CHARS, min_first_clause_chars: int = _MIN_FIRST_CLAUSE_CHARS
    ):
        self.min_clause_chars = min_clause_chars
        self.min_first_clause_chars = min_first_clause_chars
        self._buffer = ""
        self._emitted = 0

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        out = []
        while True:
            cut = self._cut()
            if cut is None:
                return out
            clause, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if clause:
                out.append(clause)
                self._emitted += 1

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []

    def _cut(self) -> int | None:
        for match in _SENTENCE_END.finditer(self._buffer):
            before = self._buffer[: match.start()].rsplit(None, 1)
            if before and before[-1].lower() in _SHORT_WORDS:
                continue
            if match.end() == len(self._buffer) and not match.group():
                return match.end()  # CJK end at the very end of what arrived
            return match.end() if match.end() < len(self._buffer) or match.group() else None
        minimum = self.min_first_clause_chars if not self._emitted else self.min_clause_chars
        if len(self._buffer) >= minimum:
            for match in _CLAUSE_END.finditer(self._buffer):
                if match.start() >= minimum // 2 and match.end() < len(self._buffer):
                    return match.end()
        return None
