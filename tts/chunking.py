"""Cut streaming reply text into clauses, so speech can start before the reply is complete."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A clause ends at sentence or clause punctuation followed by a space (or CJK punctuation).
_BOUNDARY = re.compile(r"(?<=[.!?;:,])\s+|(?<=[。！？；，、])")


@dataclass(frozen=True)
class Clause:
    text: str
    start: int  # offsets into the whole reply text
    end: int


class ClauseChunker:
    def __init__(self, min_chars: int = 12, min_first_chars: int | None = None):
        self.min_chars = min_chars
        self.min_first_chars = min_chars if min_first_chars is None else min_first_chars
        self._text = ""
        self._emitted = 0  # offset of the first character not yet emitted

    @property
    def text(self) -> str:
        return self._text

    def feed(self, piece: str) -> list[Clause]:
        """Add streamed text; return the clauses it completed."""
        self._text += piece
        clauses = []
        for match in _BOUNDARY.finditer(self._text, self._emitted):
            clause = self._take(match.start(), match.end())
            if clause:
                clauses.append(clause)
        return clauses

    def flush(self) -> list[Clause]:
        clause = self._take(len(self._text), len(self._text), force=True)
        return [clause] if clause else []

    def _take(self, end: int, next_start: int, force: bool = False) -> Clause | None:
        raw = self._text[self._emitted : end]
        minimum = self.min_first_chars if self._emitted == 0 else self.min_chars
        if not raw.strip() or (len(raw.strip()) < minimum and not force):
            return None
        start = self._emitted + (len(raw) - len(raw.lstrip()))
        self._emitted = next_start
        return Clause(self._text[start:end].rstrip(), start, start + len(self._text[start:end].rstrip()))
