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
from models import cache_dir

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
        cache = ExampleCache(getattr(self._embedder, "model_id", "embedder"))
        try:
            for intent in self.intents:
                for example in intent.examples:
                    vector = cache.get(example)
                    if vector is None:
                        vector = cache.put(example, self._embedder.query(example))  # type: ignore[union-attr]
                    vectors.append(vector)
                    owners.append(intent)
        except Exception:  # the router still works on patterns
            log.exception("could not embed the intents' example phrases")
            return
        cache.save()
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


class ExampleCache:
    """Example-phrase vectors kept between runs (a few hundred phrases take seconds to embed on a laptop CPU)."""

    def __init__(self, model_id: str):
        safe = "".join(c if c.isalnum() else "-" for c in model_id)[:80]
        self.path = cache_dir() / f"intent-examples-{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._changed = False
        try:
            with np.load(self.path, allow_pickle=False) as data:
                self._vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            self._vectors = {}  # no cache yet, or a damaged one: embed again

    def get(self, text: str) -> np.ndarray | None:
        return self._vectors.get(text)

    def put(self, text: str, vector: np.ndarray) -> np.ndarray:
        self._vectors[text] = np.asarray(vector, dtype=np.float32)
        self._changed = True
        return self._vectors[text]

    def save(self) -> None:
        if not self._changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            texts = list(self._vectors)
            temporary = self.path.with_suffix(".tmp.npz")
            np.savez(temporary, texts=np.array(texts), vectors=np.stack([self._vectors[t] for t in texts]))
            temporary.replace(self.path)
        except OSError:
            log.warning("could not cache intent example vectors in %s", self.path)


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
