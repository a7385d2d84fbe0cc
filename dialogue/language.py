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

    def observe(self, detected: str, probability: float) -> str:
        """The language to answer in, given Whisper's language id for this turn."""
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
