"""Reply text as a voice should read it (display text keeps its symbols)."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"[*_`#<>\[\]]")
_SPACES = re.compile(r"\s+")


def speakable(text: str) -> str:
    # Markup characters are read aloud literally by espeak-based voices.
    return _SPACES.sub(" ", _MARKUP.sub(" ", text)).strip()
