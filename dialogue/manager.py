"""One shopper turn in, one grounded reply out: understand (intent, slots, references), act (a skill over
the catalog, orders, policies and cart), check every stated number, decide on a handoff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from catalog.store import CatalogStore
from dialogue import handoff_rules
from dialogue.finder import ProductFinder
from dialogue.glossary import Glossary, builtin_glossaries
from dialogue.grounding import coverage, ungrounded_numbers
from dialogue.history import Message
from dialogue.intents import Intent, IntentRouter, build_intents
from dialogue.llm.responder import LLMResponder
from dialogue.llm.turns import ModelTurns
from dialogue.locale import Locale, base_language, build_locale, builtin_locales, merge
from dialogue.replies import Phrases, Reply
from dialogue.settings import DialogueSettings, builtin_intents
from dialogue.skills import SKILLS
from dialogue.slots import SlotReader, Slots
from dialogue.state import ConversationState, OpenQuestion
from dialogue.text import UNSPACED, normalize, prepare, words
from dialogue.turn import Turn
from dialogue.vocabulary import CatalogVocabulary
from models.llm import LLMEngine

log = logging.getLogger(__name__)
_FALLBACK = Intent("fallback", "reply")
_ANSWERS = {"product": {"search", "details"}, "order_id": {"search", "order_status"}, "option": {"search", "stock"}}
_SMALL_TALK = {"stop", "greeting", "thanks", "goodbye"}
_KEPT_BY_ROUTER = {"cart_add", "cart_remove", "cart_view", "order_status", "stop", "reply"}  # exact, fast, side effects
_GOES_ON = {"cart_add", "cart_remove", "policy", "price", "stock", "details", "compare"}


class DialogueManager:
    def __init__(
        self,
        store: CatalogStore,
        settings: DialogueSettings | None = None,
        embedder: object | None = None,
        llm: LLMEngine | None = None,
    ):
        self.store = store
        self.settings = settings or DialogueSettings()
        self.locales = _locales(self.settings)
        self.default = self.locales.get(base_language(self.settings.language.default)) or self.locales["en"]
        specs = [s.model_dump() for s in self.settings.intents]
        names = {s["name"] for s in specs}
        self.router = IntentRouter(
            build_intents(specs + [i for i in builtin_intents() if i["name"] not in names], self.locales),
            embedder,
            self.settings.example_similarity,
        )
        self.finder = ProductFinder(
            store, self.settings.match_threshold, self.settings.semantic_margin, self.settings.closest_margin
        )
        self.vocabulary = CatalogVocabulary.of(store)
        self._brands = {prepare(k, False): v for k, v in self.vocabulary.brands.items()}
        self.catalog_language = base_language(self.settings.language.default)
        self.glossary = Glossary(builtin_glossaries(), self.catalog_language, UNSPACED)
        self._readers: dict[str, SlotReader] = {}
        self.grounding_violations = 0
        self.model = (
            ModelTurns(LLMResponder(llm, self.settings.llm, store), self.default)
            if llm is not None and self.settings.llm.mode != "off"
            else None
        )

    def warm_up(self) -> None:
        """Compile every language's word matchers now (a few hundred ms), not on a shopper's first turn."""
        for code, locale in self.locales.items():
            self._reader(locale).read("warm up 1")
            self.glossary.concepts("warm up", code)
            locale.phrases("advice_words").contains("warm up")  # which turns the model takes
        self.router.wait_until_ready()  # example phrases: from the cache after the first start
        if self.model is not None:
            self.model.responder.warm_up()

    def new_state(self) -> ConversationState:
        return ConversationState()

    async def respond(
        self,
        transcript: str,
        language: str,
        state: ConversationState | None = None,
        session_id: str = "conversation",
        history: Sequence[Message] = (),
        committed: asyncio.Event | None = None,
        speech_ended_at: float | None = None,
    ) -> Reply:
        """The reply to one turn: the router's, or (for what it cannot answer) the language model's, which
        streams (reply.live). `committed` is set when the turn stops being speculative: a tool that changes
        something waits for it. `speech_ended_at` (time.monotonic()) times the model's filler."""
        said_before = list(history)

        def decide() -> Reply:  # in a worker thread: routing and fact retrieval read the catalog
            before = (state or ConversationState()).copy()
            reply, turn = self._route(transcript, language, before, session_id)
            why = self._model_takes(reply, turn) if self.model is not None else ""
            if not why:
                return reply
            # tools: the model acts from the state as it was (the router's cart change must not count twice)
            base = before if self.model.uses_tools else reply.state
            return self.model.reply(reply, turn, said_before, committed, base, speech_ended_at, suggest=why == "advice")

        return await asyncio.to_thread(decide)

    def respond_now(
        self, transcript: str, language: str, state: ConversationState | None = None, session_id: str = "conversation"
    ) -> Reply:
        """The router's reply to one turn (no language model). `state` is not changed: the reply carries the
        state after it (reply.state), which the caller adopts once the reply is really said."""
        return self._route(transcript, language, state, session_id)[0]

    def _route(
        self, transcript: str, language: str, state: ConversationState | None, session_id: str
    ) -> tuple[Reply, Turn]:
        started = time.perf_counter()
        state = (state or ConversationState()).copy()
        spoken = base_language(language) or self.default.code
        understood = self.locales.get(spoken, self.default)
        replying = understood if spoken in self.locales else self.default
        say = Phrases(replying, self.default)
        if spoken not in self.locales and not state.language_notice_given:
            say.add("language_fallback")  # said once; the rest of the conversation is in the default language
            state.language_notice_given = True
        question = state.open_question
        slots = self._reader(understood).read(transcript, question is not None and question.kind == "order_id")
        intent, inferred = self._intent(transcript, understood.code, slots, state)
        turn = Turn(
            transcript,
            understood,
            say,
            slots,
            state,
            intent,
            self.store,
            self.finder,
            session_id,
            catalog_language=self.catalog_language,
            stock_intent=self.router.by_name.get("stock"),
            glossary=self.glossary,
            known_words=self.vocabulary.words,
            inferred=inferred,
            spoken_language=spoken,
            vocabulary_brands=self._brands,
            question=question,
        )
        if intent.name != "stop":
            state.open_question = None  # it served to read this turn; a skill asks again if it must
        reply = self._act(turn)
        handoff_rules.track(turn, reply)
        why = handoff_rules.reason(turn, self.settings.handoff)
        if why is not None:
            turn.say.pieces.clear()
            turn.say.add(handoff_rules.reply_name(why))
            reply = turn.say.reply(intent.name, reply.products)
            reply.handoff, reply.handoff_reason = True, why
        reply = self._grounded(reply, turn)
        state.present(reply.products)
        state.last_intent = turn.intent.name
        reply.intent = turn.intent.name
        reply.state = state
        log.debug("turn %r -> %s in %.1f ms", transcript[:80], intent.name, (time.perf_counter() - started) * 1000)
        return reply, turn

    def _model_takes(self, reply: Reply, turn: Turn) -> str:
        """Why the language model answers this turn ("advice", "unrecognised", "tools"), or "" for the router.

        hybrid: what the router has no words for (nothing recognised, a request it could not read, or advice:
        "is it good for…", "which is better for…", "a gift for…"); tools: everything but small talk, stop and
        handoffs. "Do you have a grand piano?" or "how bright is the headlamp?" stays with the router (its answer
        reads the description)."""
        mode = self.settings.llm.mode
        if mode == "off" or reply.handoff or turn.intent.name in _SMALL_TALK or turn.intent.action == "handoff":
            return ""
        if mode == "tools" and self.model is not None and self.model.uses_tools:
            return "tools"
        asked_back = reply.state is not None and reply.state.open_question is not None
        if asked_back and turn.intent is not _FALLBACK:
            return ""  # "which one?", "which order number?": the router is waiting for an answer
        if turn.intent is not _FALLBACK and turn.intent.action in _KEPT_BY_ROUTER:
            return ""
        asks_advice = turn.locale.phrases("advice_words").contains(turn.slots.text)
        gave_up = any(piece.template == "fallback" for piece in reply.pieces_said)  # "I can help with products…"
        if asks_advice:
            return "advice"
        return "unrecognised" if turn.intent is _FALLBACK or gave_up else ""

    def phrase(self, language: str, name: str) -> str:
        """One of the locale's replies, in the shopper's language (the default language's when it has none)."""
        locale = self.locales.get(base_language(language), self.default)
        return Phrases(locale, self.default).text(name)

    def handoff_reply(self, language: str, intent: str = "handoff") -> Reply:
        """What the shopper hears when a person takes over (asked for in words, by button or by key)."""
        locale = self.locales.get(base_language(language), self.default)
        say = Phrases(locale, self.default)
        say.add("handoff")
        reply = say.reply(intent, [])
        reply.handoff, reply.handoff_reason = True, intent
        return reply

    # ---- steps -------------------------------------------------------------------------------------------
    def _reader(self, locale: Locale) -> SlotReader:
        reader = self._readers.get(locale.code)
        if reader is None:
            reader = self._readers[locale.code] = SlotReader(locale, self.vocabulary)
        return reader

    def _intent(self, transcript: str, language: str, slots: Slots, state: ConversationState) -> tuple[Intent, bool]:
        """The turn's intent, and whether it was inferred from the slots rather than said in words."""
        found = self.router.by_pattern(transcript, language)
        by_name = self.router.by_name
        locale = self.locales.get(language, self.default)
        search = by_name.get("search")
        limits = slots.min_price is not None or slots.max_price is not None
        if (
            found is not None
            and found.intent.name == "stock"
            and slots.in_stock
            and not slots.only_points
            and search is not None
            and (limits or self.router.says(search, normalize(transcript), language))
        ):
            return search, False  # "any headphones under 100 that are in stock?": a search with a filter
        if slots.topic == "returns" and found is not None and found.intent.name == "order_status":
            return by_name.get("policy", _FALLBACK), False  # "I want to return my order A1017"
        if (
            (found is None or found.intent.name == "search")
            and slots.order_id
            and locale.phrases("order_words").contains(slots.text)
        ):
            return by_name.get("order_status", _FALLBACK), False
        if (
            (slots.topic or slots.country)
            and state.last_intent == "policy"
            and (found is None or found.intent.name in ("price", "search"))
        ):
            return by_name.get("policy", _FALLBACK), False  # "and from what amount is it free?"
        if (
            (found is None or found.intent.name == "search")
            and state.last_intent in _GOES_ON
            and state.last_intent in by_name
            and self._goes_on(transcript, locale)
        ):
            return by_name[state.last_intent], False  # "and two of the power banks", "y también la Alfara ..."
        question = state.open_question
        if question is not None and (found is None or found.intent.name in _ANSWERS.get(question.kind, ())):
            # An answer to the assistant's question: "the second one", "A1017", "blue".
            answers = (
                (question.kind == "order_id" and slots.order_id)
                or (question.kind == "product" and self._picks_a_choice(slots, question, found is not None))
                or (question.kind == "option" and (slots.size or slots.color))
            )
            if answers and question.intent in by_name:
                return by_name[question.intent], False
        if found is not None:
            return found.intent, False
        if slots.order_id and not slots.rest:
            return by_name.get("order_status", _FALLBACK), True
        if (
            (slots.color or slots.size)
            and not self._names_products(slots, locale)
            and not limits
            and (state.focus or state.shown)
        ):
            return by_name.get("stock", _FALLBACK), True  # "and in black?"
        example = self.router.by_example(transcript)
        if example is not None and not (example.intent.name in _SMALL_TALK and self._names_products(slots, locale)):
            return example.intent, False
        if slots.topic and not slots.refers_back:
            return by_name.get("policy", _FALLBACK), True  # "is it free if I spend enough?"
        if slots.rest or slots.has_filters or (slots.refers_back and (state.shown or state.focus)):
            return by_name.get("search", _FALLBACK), True
        return _FALLBACK, True

    def _names_products(self, slots: Slots, locale: Locale) -> bool:
        """The words left name something the shop might sell ("só as de algodão"): not small talk."""
        if not slots.rest:
            return False
        return bool(self.glossary.concepts(slots.text, locale.code)) or any(
            w in self.vocabulary.words for w in words(prepare(slots.rest, locale.unspaced))
        )

    @staticmethod
    def _goes_on(transcript: str, locale: Locale) -> bool:
        """Starts with "and", "also", "what about" as listed, accents included (Portuguese "é" is not "e")."""
        said = normalize(transcript)
        listed = {normalize(p) for p in locale.words("continuations")}
        spans = locale.phrases("continuations").find(prepare(said, locale.unspaced)[:14])
        return any(said[s.start : s.end] in listed for s in spans)

    def _picks_a_choice(self, slots: Slots, question: OpenQuestion, said_intent: bool) -> bool:
        """ "The second one", "the red one", "the cheaper one", or one of the choices by name; not a new
        question about something else."""
        if slots.ordinal is not None or slots.superlative or slots.color or slots.size:
            return True
        if not slots.rest:
            return slots.only_points and not said_intent
        return not question.choices or any(coverage(slots.rest, p) >= 0.5 for p in question.choices)

    def _act(self, turn: Turn) -> Reply:
        if turn.intent is _FALLBACK:
            turn.say.add("fallback")
            return turn.reply([], resolved=False)
        if turn.intent.action == "handoff":
            return turn.reply([])  # the handoff rules say what the shopper hears
        return SKILLS[turn.intent.action](turn)

    def _grounded(self, reply: Reply, turn: Turn) -> Reply:
        """A number no tool supplied never reaches the shopper: the reply becomes the safe one."""
        unsupported = ungrounded_numbers(reply.text, reply.facts)
        if not unsupported:
            return reply
        self.grounding_violations += 1
        log.warning(
            "reply %r states %s, which no catalog value supplied; replaced",
            reply.text[:120],
            ", ".join(sorted(unsupported)),
        )
        say = Phrases(turn.say.locale, self.default)
        say.add("safe")
        safe = say.reply(reply.intent, [], resolved=False)
        safe.handoff, safe.handoff_reason = reply.handoff, reply.handoff_reason
        return safe


def _locales(settings: DialogueSettings) -> dict[str, Locale]:
    raw = builtin_locales()
    overrides = settings.locales
    extra: dict[str, dict[str, str]] = {}
    for name, texts in settings.replies.items():
        for code, text in texts.items():
            extra.setdefault(base_language(code), {})[name] = text
    out = {}
    for code in sorted(set(raw) | set(overrides)):
        data = merge(raw.get(code, {}), overrides.get(code, {}))
        if not data.get("replies") and code not in extra:
            continue
        out[code] = build_locale(code, data, extra.get(code))
    return out
