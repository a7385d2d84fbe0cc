"""Finding a language's phrases in a transcript: whole words where words have spaces, anywhere in
Chinese and Japanese. Every matcher is built once per phrase list and cached."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

UNSPACED = frozenset({"zh", "ja", "th", "ko"})  # Korean has spaces, but particles glue onto nouns
# Languages that glue nouns together ("Campingzelte", "Rücksendeetikett"): a phrase of four letters or more
# also matches at the start or the end of a longer word.
COMPOUNDING = frozenset({"de", "nl", "sv", "da", "no", "fi"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """NFKC, lower case, curly quotes straightened, runs of spaces folded."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    """ "envío" -> "envio": shoppers and ASR drop accents; CJK text is left alone."""
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

    def __init__(self, phrases: Iterable[str], unspaced: bool, compounding: bool = False, inflect: str = ""):
        prepared = {prepare(p, unspaced) for p in phrases if p}
        cleaned = sorted((p for p in prepared if p), key=len, reverse=True)
        self.phrases = tuple(cleaned)
        self._inflect = "" if unspaced else inflect
        self._exact = frozenset(cleaned)
        self._by_start: dict[str, list[str]] = {}
        for phrase in cleaned:
            self._by_start.setdefault(phrase[:2], []).append(phrase)
        if not cleaned:
            self._regex = None
            return
        if unspaced:
            # Latin words keep their word edges even in Chinese text: "Tan" is not inside "Resistance".
            alternatives = [_latin_bounded(p) for p in cleaned]
        else:  # whole words, but only where the phrase edge is a word character ("$" and "€" have none)
            alternatives = [_bounded(p, compounding and len(p) >= 4, inflect) for p in cleaned]
        self._regex = re.compile("|".join(alternatives))

    def find(self, text: str) -> list[Span]:
        """Matches, each named by the listed phrase it matched (also when it matched an inflected form)."""
        if self._regex is None:
            return []
        return [Span(m.start(), m.end(), self._listed(m.group(0))) for m in self._regex.finditer(text)]

    def _listed(self, said: str) -> str:
        if not self._inflect or said in self._exact:
            return said
        for phrase in self._by_start.get(said[:2], ()):
            if re.fullmatch(_inflected(phrase, self._inflect), said):
                return phrase
        return said

    def contains(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(text) is not None


# Plural and gender endings a phrase's words may take: "esterilla de yoga" also matches "esterillas de yoga".
INFLECTIONS = {"s": "(?:s|es)?", "de": "(?:e|en|n|er|s|es)?"}
_ROMANCE_VOWEL = re.compile(r"[aeio]$")


def _inflected(phrase: str, inflect: str) -> str:
    out = []
    for word in phrase.split(" "):
        if len(word) < 3 or not word[-1].isalpha():
            out.append(re.escape(word))
        elif inflect == "it":  # scarpa / scarpe, cuscino / cuscini
            out.append(re.escape(word[:-1]) + "[aeio]" if _ROMANCE_VOWEL.search(word) else re.escape(word))
        else:
            out.append(re.escape(word) + INFLECTIONS.get(inflect, ""))
    return " ".join(out)


def inflection(language: str) -> str:
    return {"en": "s", "es": "s", "pt": "s", "fr": "s", "it": "it", "de": "de"}.get(language, "")


def _latin_bounded(phrase: str) -> str:
    left = "(?<![A-Za-z0-9])" if phrase[0].isascii() and phrase[0].isalnum() else ""
    right = "(?![A-Za-z0-9])" if phrase[-1].isascii() and phrase[-1].isalnum() else ""
    return f"{left}{re.escape(phrase)}{right}"


def _bounded(phrase: str, part_of_word: bool, inflect: str = "") -> str:
    left = "(?<![\\w'])" if phrase[0].isalnum() else ""
    right = "(?![\\w'])" if phrase[-1].isalnum() else ""
    body = _inflected(phrase, inflect) if inflect else re.escape(phrase)
    if part_of_word and left and right:
        return f"(?:{left}{body}|{body}{right})"
    return f"{left}{body}{right}"


@lru_cache(maxsize=4096)
def matcher(phrases: tuple[str, ...], unspaced: bool, compounding: bool = False, inflect: str = "") -> PhraseMatcher:
    return PhraseMatcher(phrases, unspaced, compounding, inflect)


def blank(text: str, spans: Iterable[Span]) -> str:
    """The text with the spans replaced by spaces (offsets of the rest stay the same)."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
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
