"""The fast path: intents from the operators' config, matched by pattern, no LLM."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.language import base_language
from dialogue.settings import IntentSpec


@dataclass(frozen=True)
class IntentMatch:
    intent: IntentSpec
    rest: str  # the transcript with the matched phrase removed: what the shopper asks about


class IntentRouter:
    def __init__(self, intents: list[IntentSpec]):
        self._compiled = [
            (intent, {lang: [re.compile(p, re.IGNORECASE) for p in pats] for lang, pats in intent.patterns.items()})
            for intent in intents
        ]

    def match(self, text: str, language: str) -> IntentMatch | None:
        base = base_language(language)
        for intent, by_language in self._compiled:
            for pattern in by_language.get(base, []):
                found = pattern.search(text)
                if found:
                    return IntentMatch(intent, (text[: found.start()] + " " + text[found.end():]).strip())
        return None
