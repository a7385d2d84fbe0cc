"""What the assistant says: a reply is a stream of typed pieces (a clause of text and the products it
mentions). Templates yield their pieces at once; the LLM of a later stage streams through the same type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from string import Formatter
from typing import TYPE_CHECKING

from catalog.models import Product
from dialogue.locale import Locale

if TYPE_CHECKING:
    from dialogue.state import ConversationState


@dataclass(frozen=True)
class ReplyPiece:
    text: str
    products: tuple[Product, ...] = ()


@dataclass
class Reply:
    text: str
    language: str
    intent: str  # the intent name, or "fallback"
    products: list[Product] = field(default_factory=list)
    handoff: bool = False  # after saying this, a person takes over
    handoff_reason: str = ""
    pieces_said: tuple[ReplyPiece, ...] = ()
    state: ConversationState | None = None  # the conversation after this reply; adopted on commit
    facts: tuple[str, ...] = ()  # every value filled in from the catalog or order store (for grounding)
    resolved: bool = True  # False: the shopper's need was not met (counts toward a handoff)

    async def stream(self) -> AsyncIterator[ReplyPiece]:
        for piece in self.pieces_said or (ReplyPiece(self.text, tuple(self.products)),):
            yield piece

    async def pieces(self) -> AsyncIterator[str]:
        """The reply's text as it becomes available (what text-to-speech consumes)."""
        first = True
        async for piece in self.stream():
            if piece.text:
                yield piece.text if first else " " + piece.text if not _unspaced_join(piece.text) else piece.text
                first = False


def _unspaced_join(text: str) -> bool:
    return bool(text) and "\u3040" <= text[0] <= "\u9fff"


def template_fields(template: str) -> set[str]:
    return {f for _, f, _, _ in Formatter().parse(template) if f}


class Phrases:
    """Builds one reply in one language, sentence by sentence, and keeps every filled-in fact."""

    def __init__(self, locale: Locale, fallback: Locale):
        self.locale = locale
        self.fallback = fallback
        self.pieces: list[ReplyPiece] = []
        self.facts: list[str] = []

    def text(self, name: str, **facts: object) -> str:
        template = self.locale.replies.get(name)
        if template is None:
            template = self.fallback.replies.get(name)
        if template is None:
            raise KeyError(f"no reply text for {name!r}: add replies.{name} to the config")
        values = {key: "" if value is None else str(value) for key, value in facts.items()}
        self.facts.extend(v for v in values.values() if v)
        return template.format(**{f: values.get(f, "") for f in template_fields(template)})

    def add(self, name: str, products: tuple[Product, ...] | list[Product] = (), **facts: object) -> str:
        text = self.text(name, **facts)
        if text:
            self.pieces.append(ReplyPiece(text, tuple(products)))
        return text

    def reply(self, intent: str, products: list[Product] | None = None, *, resolved: bool = True) -> Reply:
        join = "" if self.locale.unspaced else " "
        text = join.join(p.text for p in self.pieces)
        mentioned = (
            list(products)
            if products is not None
            else list({p.id: p for piece in self.pieces for p in piece.products}.values())
        )
        return Reply(
            text,
            self.locale.code,
            intent,
            mentioned,
            pieces_said=tuple(self.pieces),
            facts=tuple(self.facts),
            resolved=resolved,
        )
