"""What the assistant says: a reply is a stream of typed pieces (a clause of text and the products it
mentions). Templates yield their pieces at once; the LLM of a later stage streams through the same type."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
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
    filler: bool = False  # "One moment." while the answer is on its way
    template: str = ""  # the reply template it was said from, if any


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
    facts: Sequence[str] = ()  # every value filled in from the catalog or order store (for grounding)
    resolved: bool = True  # False: the shopper's need was not met (counts toward a handoff)
    # A reply still being generated: its pieces arrive here, and text, products and pieces_said grow as they do.
    live: AsyncIterator[ReplyPiece] | None = None
    generated: bool = False  # the language model wrote it

    async def stream(self) -> AsyncIterator[ReplyPiece]:
        if self.live is None:
            for piece in self.pieces_said or (ReplyPiece(self.text, tuple(self.products)),):
                yield piece
            return
        live, self.live = self.live, None
        said: list[ReplyPiece] = []
        try:
            async for piece in live:
                said.append(piece)
                self.pieces_said = tuple(said)
                self.text = _joined([p.text for p in said])
                known = {p.id for p in self.products}
                self.products += [p for p in piece.products if p.id not in known]
                yield piece
        finally:
            await live.aclose()  # a barge-in stops the generation behind it
            if self.state is not None:
                self.state.present(self.products)

    async def complete(self) -> Reply:
        """The whole reply, generated to the end (for text interfaces and evaluation)."""
        async for _ in self.stream():
            pass
        return self

    async def pieces(self) -> AsyncIterator[str]:
        """The reply's text as it becomes available (what text-to-speech consumes). Each piece ends with the
        space that follows it, so speech can start on a finished sentence without waiting for the next piece."""
        async for piece in self.stream():
            if piece.text:
                yield piece.text if _unspaced_end(piece.text) else piece.text + " "


def _joined(texts: list[str]) -> str:
    return "".join(t if _unspaced_end(t) else t + " " for t in texts).rstrip()


def _unspaced_end(text: str) -> bool:
    """Chinese or Japanese text runs on into the next piece with no space."""
    return bool(text) and ("\u3000" <= text[-1] <= "\u9fff" or text[-1] in "！？，：；")


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
            self.pieces.append(ReplyPiece(text, tuple(products), template=name))
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
