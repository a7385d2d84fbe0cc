"""Which intent a turn is: the operators' and built-in patterns first (milliseconds), then the nearest
example phrase by meaning (multilingual embeddings, any language), then nothing."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from dialogue.locale import Locale
from dialogue.text import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intent:
    name: str
    action: str
    patterns: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()  # every language's examples: meaning crosses languages
    topic: str | None = None


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    by: str  # "pattern" or "example"
    score: float = 1.0


class IntentRouter:
    def __init__(
        self, intents: list[Intent], embedder: object | None = None, similarity: float = 0.9, margin: float = 0.015
    ):
        self.intents = intents
        self.by_name = {i.name: i for i in intents}
        self._embedder = embedder
        self._similarity = similarity
        self._margin = margin
        self._examples: tuple[np.ndarray, list[Intent]] | None = None
        if embedder is not None and any(i.examples for i in intents):
            # Embedding the examples takes a few seconds: patterns serve until they are ready.
            threading.Thread(target=self._embed_examples, name="intent-examples", daemon=True).start()

    @property
    def embedder(self) -> object | None:
        return self._embedder

    def _embed_examples(self) -> None:
        owners: list[Intent] = []
        vectors: list[np.ndarray] = []
        try:
            for intent in self.intents:
                for example in intent.examples:
                    vectors.append(self._embedder.query(example))  # type: ignore[union-attr]
                    owners.append(intent)
        except Exception:  # the router still works on patterns
            log.exception("could not embed the intents' example phrases")
            return
        self._examples = (np.stack(vectors), owners) if vectors else None

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        for thread in threading.enumerate():
            if thread.name == "intent-examples":
                thread.join(timeout)

    def match(self, text: str, language: str) -> IntentMatch | None:
        return self.by_pattern(text, language) or self.by_example(text)

    def by_pattern(self, text: str, language: str) -> IntentMatch | None:
        said = normalize(text)
        for intent in self.intents:
            if self.says(intent, said, language):
                return IntentMatch(intent, "pattern")
        return None

    def by_example(self, text: str) -> IntentMatch | None:
        return self._nearest_example(normalize(text))

    def says(self, intent: Intent, text: str, language: str) -> bool:
        """Does one of the intent's patterns match (the text already normalized)?"""
        return any(pattern.search(text) for pattern in intent.patterns.get(language, ()))

    def _nearest_example(self, text: str) -> IntentMatch | None:
        examples = self._examples
        if examples is None or not text.strip():
            return None
        matrix, owners = examples
        scores = matrix @ self._embedder.query(text)  # type: ignore[union-attr]
        order = np.argsort(-scores)
        best = owners[order[0]]
        runner_up = next((scores[i] for i in order[1:] if owners[i].name != best.name), -1.0)
        score = float(scores[order[0]])
        if score >= self._similarity and score - runner_up >= self._margin:
            return IntentMatch(best, "example", score)
        return None


def build_intents(specs: list[dict], locales: dict[str, Locale]) -> list[Intent]:
    """Intents in priority order; patterns and examples come from each language's file, plus the spec's."""
    out = []
    for spec in specs:
        name = spec["name"]
        patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
        examples: list[str] = []
        for code, locale in locales.items():
            phrases = locale.intents.get(name)
            if phrases:
                patterns[code] = phrases.patterns
                examples += phrases.examples
        for code, items in (spec.get("patterns") or {}).items():
            patterns[code] = tuple(re.compile(p, re.IGNORECASE) for p in items)  # the operator's replace ours
        for items in (spec.get("examples") or {}).values():
            examples += items
        out.append(Intent(name, spec["action"], patterns, tuple(dict.fromkeys(examples)), spec.get("topic")))
    return out
