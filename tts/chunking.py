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
    def __init__(self, min_chars: int = 12, min_first_chars: int | None = None, max_first_chars: int | None = None):
        self.min_chars = min_chars
        self.min_first_chars = min_chars if min_first_chars is None else min_first_chars
        # A slow voice's first audio waits for its whole first clause: a longer one is cut at a word boundary.
        self.max_first_chars = max_first_chars
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
            clauses += self._take_split(match.start(), match.end())
        return clauses

    def flush(self) -> list[Clause]:
        return self._take_split(len(self._text), len(self._text), force=True)

    def _take_split(self, end: int, next_start: int, force: bool = False) -> list[Clause]:
        if self._emitted == 0 and self.max_first_chars is not None:
            cut = _first_cut(self._text[:end], self.max_first_chars, self.min_chars)
            if cut is not None:
                head = self._take(cut, cut + 1, force=True)
                tail = self._take(end, next_start, force=True)
                return [c for c in (head, tail) if c]
        clause = self._take(end, next_start, force)
        return [clause] if clause else []

    def _take(self, end: int, next_start: int, force: bool = False) -> Clause | None:
        raw = self._text[self._emitted : end]
        minimum = self.min_first_chars if self._emitted == 0 else self.min_chars
        if not raw.strip() or (len(raw.strip()) < minimum and not force):
            return None
        start = self._emitted + (len(raw) - len(raw.lstrip()))
        self._emitted = next_start
        return Clause(self._text[start:end].rstrip(), start, start + len(self._text[start:end].rstrip()))


# A digit is read as a word or more ("33,99" -> "treinta y tres coma noventa y nueve").
_DIGIT_WEIGHT = 5
# The head's share of a cut first clause: the tail is synthesised while the head plays, and a voice with a
# real-time factor up to ~0.6 finishes a tail 1.5 times the head's length before the head has played out.
_HEAD_SHARE = 0.4


def _spoken_length(text: str) -> int:
    return len(text.strip()) + sum(c.isdigit() for c in text) * (_DIGIT_WEIGHT - 1)


def _first_cut(text: str, limit: int, min_tail: int) -> int | None:
    """Where to cut a first clause longer than `limit`: at a space, the head nearest 40% of its spoken length.
    Never inside a product name (between two capitalised words), never after a short lower-case word ("el",
    "de", "the"); the head keeps two words and the tail `min_tail` characters. None: no good cut (CJK text has
    no spaces, so it is never cut)."""
    if _spoken_length(text) <= limit:
        return None
    target = _HEAD_SHARE * _spoken_length(text)
    words = [m.span() for m in re.finditer(r"\S+", text)]
    best, best_miss = None, None
    for (prev_start, prev_end), (next_start, next_end) in zip(words[1:], words[2:]):
        prev, following = text[prev_start:prev_end], text[next_start:next_end]
        if (len(prev.strip(",.;:!?")) <= 3 and not prev[:1].isupper()) or (
            prev[:1].isupper() and following[:1].isupper()
        ):
            continue
        if len(text[next_start:].strip()) < min_tail:
            break
        miss = abs(_spoken_length(text[:prev_end]) - target)
        if best_miss is None or miss < best_miss:
            best, best_miss = prev_end, miss
    return best
