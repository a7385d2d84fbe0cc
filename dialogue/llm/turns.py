"""Turning a routed turn over to the language model: the facts it may use (the router's products, the ones
in focus, what the shopper's words find, the policy asked about) and a reply that streams its answer."""

from __future__ import annotations

import asyncio

from catalog.models import Product
from dialogue.grounding import NAMED, title_coverage
from dialogue.history import Message
from dialogue.llm.facts import FactSheet
from dialogue.llm.prompts import language_name
from dialogue.llm.responder import LLMRequest, LLMResponder
from dialogue.locale import Locale
from dialogue.replies import Phrases, Reply, ReplyPiece
from dialogue.state import ConversationState
from dialogue.text import prepare
from dialogue.turn import Turn

_FILLERS = {"think": "filler_think", "lookup": "filler_lookup", "order": "filler_order"}
_MODEL_SAYS_INSTEAD = {"product_description"}


class ModelTurns:
    def __init__(self, responder: LLMResponder, default: Locale):
        self.responder = responder
        self.default = default

    @property
    def uses_tools(self) -> bool:
        return self.responder.uses_tools

    def filler_texts(self, locale: Locale) -> list[str]:
        """What this language says while the model thinks (synthesised at start-up: no time for it later)."""
        return [locale.replies[name] for name in _FILLERS.values() if locale.replies.get(name)]

    def reply(
        self,
        routed: Reply,
        turn: Turn,
        history: list[Message],
        committed: asyncio.Event | None = None,
        state: ConversationState | None = None,
        speech_ended_at: float | None = None,
        suggest: bool = False,
    ) -> Reply:
        """A live reply: the model's answer, streamed; the router's reply is its fallback."""
        say = Phrases(turn.say.locale, self.default)
        language = say.locale.code
        facts = self._facts(routed, turn, language, suggest)
        facts.allow(turn.text, *(m.text for m in history if m.role == "user"))
        facts.values += routed.facts  # the template answer may replace a clause
        unavailable = (ReplyPiece(say.text("llm_unavailable")),)
        if turn.intent.name != "fallback":
            unavailable += routed.pieces_said
        # The router found the products ("the difference between these two?", "do you have the Lumio? it's a
        # gift"): its grounded answer (prices, ratings, stock) is said at once, and the model adds the rest.
        lead = ()
        if not self.uses_tools and turn.intent.name != "fallback" and routed.resolved and routed.products:
            # Not the catalog's description read out: that is what the model answers from.
            lead = tuple(p for p in routed.pieces_said if p.template not in _MODEL_SAYS_INSTEAD)
        request = LLMRequest(
            transcript=turn.text,
            language=language,
            language_name=language_name(language, say.locale.name),
            facts=facts,
            history=history,
            template=routed.pieces_said or (ReplyPiece(say.text("safe")),),
            unavailable=unavailable,
            fillers={action: say.text(name) for action, name in _FILLERS.items()},
            state=state or routed.state or turn.state,
            session_id=turn.session_id,
            committed=committed,
            speech_ended_at=speech_ended_at,
            lead=lead,
        )
        return Reply(
            "",
            language,
            routed.intent,
            [],
            state=request.state,
            facts=facts.values,  # grows with the tool results of this turn
            resolved=True,
            live=self.responder.answer(request),
            generated=True,
        )

    def _facts(self, routed: Reply, turn: Turn, language: str, suggest: bool) -> FactSheet:
        limit = self.responder.settings.fact_products
        candidates: list[Product] = list(routed.products) + self._named(turn)
        candidates = list({p.id: p for p in candidates}.values())
        if len(candidates) != 1:  # one product named ("is it good for rain?"): its facts alone keep the prompt short
            if turn.state.focus is not None:
                candidates.append(turn.state.focus)
            candidates += list(turn.state.shown)
            if len(candidates) < limit and not self.responder.uses_tools:
                candidates += self._found(turn, limit, suggest)
        facts = FactSheet()
        chosen = list({p.id: p for p in candidates}.values())[:limit]
        for product in chosen:
            facts.add_product(product, language, detailed=len(chosen) == 1)
        topic = turn.slots.topic or (turn.state.topic if turn.intent.name == "policy" else None)
        if topic:
            policy = turn.store.get_policy(topic, turn.slots.country or turn.state.country)
            if policy is not None:
                facts.add_policy(policy, language)
        return facts

    @staticmethod
    def _named(turn: Turn) -> list[Product]:
        """Every product the shopper named ("between the AirWave and the VoltEdge earbuds")."""
        found = turn.find(turn.slots.rest) if turn.slots.rest else None
        if found is None or not found.matches:
            return []
        return [p for p in found.products if title_coverage(turn.text, p) >= NAMED]

    def _found(self, turn: Turn, limit: int, suggest: bool) -> list[Product]:
        """What the shopper's words find, within the price limits they said ("a gift around 50 euros"): the
        router's own finder (it translates product words); when the shopper asks for suggestions, also the
        nearest products by meaning. Never for "do you sell drills?": the nearest kettle is not a drill."""
        query = _need_words(turn)
        if not query:
            return []
        found = turn.find(query)
        products = [p for p in found.products if _within(p, turn)] if found.matches else []
        if suggest and len(products) < limit:
            filters = {k: v for k, v in (("max_price", turn.slots.max_price), ("min_price", turn.slots.min_price)) if v}
            hits = turn.store.search(query, limit=limit, **filters) or turn.store.search(query, limit=limit)
            products += [h.product for h in hits]
        return products[:limit]


def _need_words(turn: Turn) -> str:
    """The shopper's words without the advice around them: "a gift for my dad who likes camping" -> "dad
    likes camping" (what to search for)."""
    text = prepare(turn.slots.rest or turn.text, turn.locale.unspaced)
    for span in sorted(turn.locale.phrases("advice_words").find(text), key=lambda s: s.start, reverse=True):
        text = text[: span.start] + " " + text[span.end :]
    return " ".join(text.split())


def _within(product: Product, turn: Turn) -> bool:
    low, high = turn.slots.min_price, turn.slots.max_price
    return (low is None or product.price >= low) and (high is None or product.price <= high)
