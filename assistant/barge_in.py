"""Is the shopper interrupting, or just acknowledging ("uh-huh", "ok", "嗯")?"""

from __future__ import annotations

import re

from assistant.config import BargeInSettings

_PUNCT = re.compile(r"[\s.,!?¿¡。！？、，…\-]+")


def _words(text: str) -> list[str]:
    return [w for w in _PUNCT.split(text.lower()) if w]


class BackchannelFilter:
    def __init__(self, settings: BargeInSettings):
        phrases = [p for items in settings.backchannels.values() for p in items]
        self._phrases = {" ".join(_words(p)) for p in phrases}
        self._words = {w for p in phrases for w in _words(p)}

    def is_backchannel(self, text: str) -> bool:
        """True when everything said is acknowledgement; empty text is not a backchannel."""
        words = _words(text)
        if not words:
            return False
        return " ".join(words) in self._phrases or all(w in self._words for w in words)
