"""One shopper turn in, one grounded reply out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from catalog.models import Product
from catalog.store import CatalogStore
from dialogue.grounding import (
    ProductMatch, alternatives, has_price_range, names_something, naming_words, product_facts, ranked_matches,
    spoken_list,
)
from dialogue.intents import IntentRouter
from dialogue.language import base_language
from dialogue.settings import TEMPLATE_FIELDS, DialogueSettings

_SEARCH_LIMIT = 8


@dataclass
class Reply:
    text: str
    language: str
    intent: str  # the intent name, or "fallback"
    products: list[Product] = field(default_factory=list)
    handoff: bool = False  # after saying this, a person takes over

    async def pieces(self) -> AsyncIterator[str]:
        """The reply as it becomes available; a template is ready at once, an LLM streams."""
        yield self.text


@dataclass
class DialogueContext:
    """Per-conversation memory the turn brain needs ("how much is it?")."""

    last_product: Product | None = None


class DialogueManager:
    def __init__(self, store: CatalogStore, settings: DialogueSettings | None = None):
        self.store = store
        self.settings = settings or DialogueSettings()
        self.router = IntentRouter(self.settings.intents)

    async def respond(self, transcript: str, language: str, context: DialogueContext | None = None) -> Reply:
        return await asyncio.to_thread(self.respond_now, transcript, language, context)

    def respond_now(self, transcript: str, language: str, context: DialogueContext | None = None) -> Reply:
        context = context if context is not None else DialogueContext()
        match = self.router.match(transcript, language)
        if match is None:
            # No intent: if the words name a product, treat it as "do you have it?".
            reply = self._product_reply("have", "product_have", transcript, language, context, fallback_if_none=True)
        elif match.intent.action == "reply":
            reply = self._template_reply(match.intent.name, match.intent.name, language)
        elif match.intent.action == "handoff":
            reply = self.handoff_reply(language, intent=match.intent.name)
        else:
            reply = self._product_reply(match.intent.name, match.intent.action, match.rest, language, context)
        if reply.products:
            context.last_product = reply.products[0]
        return reply

    def handoff_reply(self, language: str, intent: str = "handoff") -> Reply:
        """What the shopper hears when a person takes over (asked for in words, by button or by key)."""
        template = intent if intent in self.settings.replies else "handoff"
        reply = self._template_reply(intent, template, language)
        reply.handoff = True
        return reply

    def _find(self, query: str, context: DialogueContext) -> list[ProductMatch]:
        if not names_something(query):
            # "how much is it?": the product we were talking about
            last = context.last_product
            return [ProductMatch(last, 1.0, 1.0)] if last else []
        hits = self.store.search(query, limit=_SEARCH_LIMIT)
        matches = ranked_matches(query, hits, self.settings.match_threshold)
        if matches or not hits:
            return matches
        # No shared words (a Spanish question, an English catalog): the hybrid search's best hit counts
        # only when the catalog clearly holds something of that meaning.
        top = hits[:3]
        margins = self.store.similarity_margin(naming_words(query) or query, [h.product.id for h in top])
        score = max(margins.values(), default=-1.0)
        return [ProductMatch(top[0].product, score, 0.0)] if score >= self.settings.semantic_margin else []

    def _product_reply(self, intent: str, action: str, query: str, language: str, context: DialogueContext,
                       fallback_if_none: bool = False) -> Reply:
        matches = self._find(query, context)
        choices = alternatives(matches) if action == "product_have" else []
        if len(choices) > 1:
            items = [self._fill("product_list_item", language, **product_facts(p, language)) for p in choices]
            return self._template_reply(intent, "product_list", language, products=choices,
                                        count=str(len(choices)), items=spoken_list(items, language))
        product = matches[0].product if matches else None
        if product is None:
            if fallback_if_none:
                return self._template_reply("fallback", "fallback", language)
            spoken = naming_words(query)
            name = "not_found" if spoken else "not_found_generic"
            return self._template_reply(intent, name, language, query=spoken)
        facts = product_facts(product, language)
        if action == "product_price":
            name = "product_price_from" if has_price_range(product) else "product_price"
        elif action == "product_stock":
            name = "product_in_stock" if product.in_stock else "product_out_of_stock"
        else:
            name = "product_have" if product.in_stock else "product_have_out_of_stock"
        return self._template_reply(intent, name, language, products=[product], **facts)

    def _template_reply(self, intent: str, name: str, language: str,
                        products: list[Product] | None = None, **facts: str) -> Reply:
        texts = self.settings.replies.get(name, {})
        reply_language = base_language(language)
        if reply_language not in texts:
            reply_language = self.settings.language.default
        return Reply(self._fill(name, reply_language, **facts), reply_language, intent, products or [])

    def _fill(self, name: str, language: str, **facts: str) -> str:
        texts = self.settings.replies.get(name, {})
        template = texts.get(language) or texts.get(self.settings.language.default) or next(iter(texts.values()), None)
        if template is None:
            raise KeyError(f"no reply text for {name!r}: add replies.{name} to the config")
        return template.format(**{field: "" for field in TEMPLATE_FIELDS} | facts)


