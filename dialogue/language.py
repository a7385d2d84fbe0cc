"""The session's language, with hysteresis: one English product name in a Spanish
sentence must not flip the conversation to English."""

from __future__ import annotations

from dialogue.locale import base_language
from dialogue.settings import LanguageSettings

__all__ = ["LanguageTracker", "base_language"]


class LanguageTracker:
    def __init__(self, settings: LanguageSettings | None = None):
        self.settings = settings or LanguageSettings()
        self.current: str | None = None
        self._streak_language: str | None = None
        self._streak = 0

    def observe(self, detected: str, probability: float, text: str | None = None) -> str:
        """The language to answer in, given Whisper's language id for this turn and what it heard. A few words
        ("uh-huh" heard as "bye-bye", a brand) are too little to tell a language by: they never switch it."""
        short = text is not None and _word_count(text) < self.settings.switch_min_words
        if self.current is not None and detected != self.current and short:
            return self.current
        if self.current is None or detected == self.current:
            if self.current is None:
                self.current = detected
            self._streak, self._streak_language = 0, None
            return self.current
        if detected == self._streak_language:
            self._streak += 1
        else:
            self._streak_language, self._streak = detected, 1
        if probability >= self.settings.switch_probability or self._streak >= self.settings.switch_after:
            self.current = detected
            self._streak, self._streak_language = 0, None
        return self.current


def _word_count(text: str) -> float:
    """Words, with every two CJK characters or kana counted as one (those scripts have no spaces)."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80 and ch.isalnum())
    spaced = len(
        [w for w in "".join(" " if ord(ch) >= 0x2E80 else ch for ch in text).split() if any(c.isalnum() for c in w)]
    )
    return spaced + wide / 2
