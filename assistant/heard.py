"""Which words of a reply the shopper actually heard, from the play-out position."""

from __future__ import annotations

import re

from tts.synthesizer import SpeechChunk

_TOKEN = re.compile(r"\S+")
_TAIL_S = 0.05  # a chunk this close to its end counts as fully heard


def heard_text(chunks: list[SpeechChunk], played_s: float, full_text: str) -> str:
    """The reply up to the last word that had finished playing when playback stopped."""
    end = 0
    remaining = played_s
    for chunk in chunks:
        if remaining >= chunk.duration_s - _TAIL_S:
            end = chunk.end
            remaining -= chunk.duration_s
            continue
        words = list(_TOKEN.finditer(chunk.text))
        # Words are spread roughly evenly over a clause's audio.
        whole = int(len(words) * max(remaining, 0.0) / chunk.duration_s) if chunk.duration_s else 0
        if whole:
            end = chunk.start + words[whole - 1].end()
        break
    return full_text[:end].strip()
