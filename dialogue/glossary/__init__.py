"""Shopping glossaries: the words shoppers of each language use for common products, keyed by one shared
English concept ("sartenes", "平底锅", "Bratpfanne" -> "frying pan"). A question in one language finds a
catalog written in another by its words, not by embedding similarity alone (which calls a PlayStation a
Bluetooth speaker and an umbrella a garden hose)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from dialogue.text import COMPOUNDING, Span, inflection, matcher, prepare, words

GLOSSARY_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def related_concepts() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load((GLOSSARY_DIR / "related.yml").read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(c) for c in v or ()) for k, v in data.items()}


@lru_cache(maxsize=1)
def builtin_glossaries() -> dict[str, dict[str, tuple[str, ...]]]:
    out = {}
    for path in sorted(GLOSSARY_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[path.stem] = {str(k): tuple(str(w) for w in (v or ())) for k, v in data.items()}
    return out


class Glossary:
    def __init__(self, tables: dict[str, dict[str, tuple[str, ...]]], catalog_language: str, unspaced: set[str]):
        self.tables = tables
        self.catalog_language = catalog_language
        self.unspaced = unspaced
        self._phrases: dict[str, dict[str, str]] = {}

    def _table(self, language: str) -> dict[str, str]:
        """phrase as matched -> concept, for one language (English also knows its concept names)."""
        found = self._phrases.get(language)
        if found is None:
            spaced = language not in self.unspaced
            found = {}
            for concept, phrases in self.tables.get(language, {}).items():
                for phrase in phrases:
                    found.setdefault(prepare(phrase, not spaced), concept)
            if language == "en":
                for concept in self.tables.get("en", {}):
                    found.setdefault(prepare(concept.replace(" (material)", ""), False), concept)
            self._phrases[language] = found
        return found

    def concepts(self, text: str, language: str) -> list[tuple[Span, str]]:
        table = self._table(language)
        unspaced = language in self.unspaced
        spans = matcher(tuple(table), unspaced, language in COMPOUNDING, inflection(language)).find(
            prepare(text, unspaced)
        )
        return [(span, table[span.phrase]) for span in spans]

    def names(self, concept: str) -> list[str]:
        """The concept as the catalog's language says it: its usual name first, then its other names, then
        the names of its neighbours (a shop that calls its frying pans skillets)."""
        out = self._own_names(concept)
        for neighbour in related_concepts().get(concept, ()):
            out += [n for n in self._own_names(neighbour)[:2] if n not in out]
        return out

    def _own_names(self, concept: str) -> list[str]:
        if self.catalog_language == "en":
            return [concept.replace(" (material)", ""), *self.tables.get("en", {}).get(concept, ())]
        return list(self.tables.get(self.catalog_language, {}).get(concept, ()))

    def queries(self, text: str, rest: str, language: str, known_words: frozenset[str]) -> list[str]:
        """Search texts in the catalog's language for what the shopper named, most likely first; empty
        when the glossary knows none of their product words. Words the catalog itself uses (a brand,
        "Hjem") are kept; other leftovers (verbs, "it rains a lot") are not searched."""
        found = self.concepts(text, language)
        if not found:
            return []
        covered = {w for span, _ in found for w in words(span.phrase)}
        kept = [w for w in words(rest) if w not in covered and w in known_words]
        out: list[str] = []
        alternatives = [self.names(concept) for _, concept in found]
        for depth in range(max(len(a) for a in alternatives)):
            named = [names[min(depth, len(names) - 1)] for names in alternatives if names]
            query = " ".join([*named, *kept])
            if query and query not in out:
                out.append(query)
        return out
