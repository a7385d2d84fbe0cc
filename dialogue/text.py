"""Finding a language's phrases in a transcript: whole words where words have spaces, anywhere in
Chinese and Japanese. Every matcher is built once per phrase list and cached."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

UNSPACED = frozenset({"zh", "ja", "th", "ko"})  # Korean has spaces, but particles glue onto nouns
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """NFKC, lower case, curly quotes straightened, runs of spaces folded."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    """"envío" -> "envio": shoppers and ASR drop accents; CJK text is left alone."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def prepare(text: str, unspaced: bool) -> str:
    """The form every match runs on: normalized, and without accents where words have spaces (the
    offsets of a folded Latin text stay those of the NFKC text: one letter per letter)."""
    text = normalize(text)
    return text if unspaced else "".join(fold_accents(c) or c for c in text)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    phrase: str


class PhraseMatcher:
    """Longest phrases first, so "extra large" wins over "large"."""

    def __init__(self, phrases: Iterable[str], unspaced: bool):
        prepared = {prepare(p, unspaced) for p in phrases if p}
        cleaned = sorted((p for p in prepared if p), key=len, reverse=True)
        self.phrases = tuple(cleaned)
        if not cleaned:
            self._regex = None
            return
        if unspaced:
            alternatives = [re.escape(p) for p in cleaned]
        else:  # whole words, but only where the phrase edge is a word character ("$" and "€" have none)
            alternatives = [("(?<![\\w'])" if p[0].isalnum() else "") + re.escape(p)
                            + ("(?![\\w'])" if p[-1].isalnum() else "") for p in cleaned]
        self._regex = re.compile("|".join(alternatives))

    def find(self, text: str) -> list[Span]:
        if self._regex is None:
            return []
        return [Span(m.start(), m.end(), m.group(0)) for m in self._regex.finditer(text)]

    def contains(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(text) is not None


@lru_cache(maxsize=4096)
def matcher(phrases: tuple[str, ...], unspaced: bool) -> PhraseMatcher:
    return PhraseMatcher(phrases, unspaced)


def blank(text: str, spans: Iterable[Span]) -> str:
    """The text with the spans replaced by spaces (offsets of the rest stay the same)."""
    chars = list(text)
    for span in spans:
        chars[span.start:span.end] = " " * (span.end - span.start)
    return "".join(chars)


_WORD = re.compile(r"[\w'$€£¥]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Word tokens; a possessive or contracted "'s" goes ("one's" -> "one")."""
    out = []
    for word in _WORD.findall(text):
        word = word.strip("'")
        if word.endswith("'s"):
            word = word[:-2]
        if word:
            out.append(word)
    return out
