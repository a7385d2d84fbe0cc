"""The note an agent reads before taking over: a template one at once, and a short model-written one when
the model can, grounded in the transcript (a number the transcript does not contain means the template)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from dialogue.grounding import ungrounded_numbers
from dialogue.history import Message
from dialogue.llm.prompts import SUMMARY_SYSTEM
from models.llm import ChatMessage, LLMEngine, LLMError, TextDelta

log = logging.getLogger(__name__)
_TRANSCRIPT_CHARS = 3000  # the most recent part of a long conversation
_SUMMARY_CHARS = 600


def template_summary(messages: Sequence[Message], reason: str, products: Sequence[str], cart_items: int) -> str:
    asked = [m.text for m in messages if m.role == "user" and m.text][-2:]
    parts = [f"Handed over because: {reason}."]
    if asked:
        parts.append("The shopper last said: " + " / ".join(f'"{text}"' for text in asked) + ".")
    if products:
        parts.append(f"Products discussed: {', '.join(products[-5:])}.")
    if cart_items:
        parts.append(f"Cart: {cart_items} item(s).")
    return " ".join(parts)


def transcript_text(messages: Sequence[Message]) -> str:
    lines = [f"{'Shopper' if m.role == 'user' else 'Assistant'} ({m.language}): {m.text}" for m in messages if m.text]
    return "\n".join(lines)[-_TRANSCRIPT_CHARS:]


async def model_summary(engine: LLMEngine, messages: Sequence[Message], reason: str, timeout_s: float = 20.0) -> str:
    """The model's summary, or "" when it fails, is too slow, or states a number the transcript lacks."""
    transcript = transcript_text(messages)
    request = [
        ChatMessage("system", SUMMARY_SYSTEM),
        ChatMessage("user", f"Reason for the handover: {reason}\n\nTranscript:\n{transcript}"),
    ]

    async def generate() -> str:
        text = ""
        async for event in engine.stream(request, max_tokens=120):
            if isinstance(event, TextDelta):
                text += event.text
        return text.strip()

    try:
        summary = await asyncio.wait_for(generate(), timeout_s)
    except (TimeoutError, LLMError) as exc:
        log.warning("no model summary for the handoff: %s", exc or "too slow")
        return ""
    if not summary or ungrounded_numbers(summary, [transcript, reason]):
        log.warning("model summary %r not grounded in the transcript; the template summary stays", summary[:120])
        return ""
    return summary[:_SUMMARY_CHARS]
