"""A turn answered by the language model: generation streamed clause by clause, every clause checked
against this turn's facts before it is spoken, a filler while the model is slow, and the template answer
whenever the model fails, is too slow, or says something the facts do not support."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from catalog.store import CatalogStore
from dialogue.grounding import named_in
from dialogue.history import Message
from dialogue.llm import prompts
from dialogue.llm.clauses import ClauseSplitter
from dialogue.llm.facts import FactSheet
from dialogue.llm.guard import clause_problem
from dialogue.llm.settings import LLMSettings
from dialogue.llm.tools import TOOL_SPECS, TurnTools
from dialogue.replies import ReplyPiece
from dialogue.state import ConversationState
from models.llm import ChatMessage, GenerationDone, GenerationStarted, LLMEngine, LLMError, TextDelta, ToolCall

log = logging.getLogger(__name__)
_FILLER_FOR_TOOL = {"get_order_status": "order"}


@dataclass
class LLMRequest:
    transcript: str
    language: str  # the reply's language code
    language_name: str
    facts: FactSheet
    history: list[Message]
    template: tuple[ReplyPiece, ...]  # the router's answer: said instead of a clause that fails the check
    unavailable: tuple[ReplyPiece, ...]  # said when the model cannot answer at all
    fillers: dict[str, str]  # pending action ("think", "lookup", "order") -> a short localized filler
    state: ConversationState
    session_id: str = "conversation"
    committed: asyncio.Event | None = None  # set when the turn is no longer speculative
    speech_ended_at: float | None = None  # time.monotonic() when the shopper stopped speaking
    lead: tuple[ReplyPiece, ...] = ()  # the router's answer, said first; the model adds to it


@dataclass
class LLMStats:
    """Per-process counters the benchmark and metrics read."""

    turns: int = 0
    first_token_s: list[float] = field(default_factory=list)
    decode_tokens_per_s: list[float] = field(default_factory=list)
    replaced_clauses: int = 0
    unavailable: int = 0
    fillers: int = 0

    def summary(self) -> dict[str, float | int | None]:
        """What the evaluation and the benchmark report."""
        return {
            "first_token_s_p50": round(statistics.median(self.first_token_s), 3) if self.first_token_s else None,
            "decode_tokens_per_s_p50": (
                round(statistics.median(self.decode_tokens_per_s), 1) if self.decode_tokens_per_s else None
            ),
            "fillers": self.fillers,
            "replaced_clauses": self.replaced_clauses,
            "unavailable": self.unavailable,
        }


class _Unanswerable(Exception):
    pass


class LLMResponder:
    def __init__(self, engine: LLMEngine, settings: LLMSettings, store: CatalogStore):
        self.engine = engine
        self.settings = settings
        self.store = store
        self.stats = LLMStats()

    @property
    def uses_tools(self) -> bool:
        return self.settings.mode == "tools" and self.engine.supports_tools

    def warm_up(self) -> None:
        """Evaluate the fixed system prompt (and tools) once, so every turn reuses its KV cache."""
        system = ChatMessage("system", prompts.TOOLS_SYSTEM if self.uses_tools else prompts.HYBRID_SYSTEM)
        self.engine.warm_up([system], TOOL_SPECS if self.uses_tools else ())

    async def answer(self, request: LLMRequest) -> AsyncIterator[ReplyPiece]:
        """The reply's pieces; closing this iterator (barge-in, a dropped speculation) stops generation.

        Generation runs ahead in its own task, so a slow consumer (speech being synthesised) never holds
        the model back; the filler is said once if nothing is ready after `filler_after_s`."""
        self.stats.turns += 1
        pending = {"action": "think"}
        ready: asyncio.Queue[ReplyPiece | BaseException | None] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(request, pending, ready))
        now = time.monotonic()
        ended = request.speech_ended_at
        # The filler is due filler_after_s after the shopper stopped speaking (not after recognition took its part).
        filler_at = (ended if ended is not None and now - 5 < ended <= now else now) + self.settings.filler_after_s
        spoken = False
        try:
            for piece in request.lead:
                spoken = True
                yield piece
            while True:
                if spoken or filler_at is None:
                    item = await ready.get()
                else:
                    try:
                        item = await asyncio.wait_for(ready.get(), max(filler_at - time.monotonic(), 0))
                    except TimeoutError:
                        filler_at = None  # once per turn
                        text = request.fillers.get(pending["action"]) or request.fillers.get("think")
                        if text:
                            self.stats.fillers += 1
                            yield ReplyPiece(text, filler=True)
                        continue
                if item is None:
                    return
                if isinstance(item, _Unanswerable):
                    self.stats.unavailable += 1
                    for piece in request.unavailable if not spoken else ():
                        yield piece
                    return
                if isinstance(item, BaseException):
                    log.error("the language model's turn failed; the template answers: %s", item)
                    for piece in request.unavailable if not spoken else ():
                        yield piece
                    return
                spoken = True
                yield item
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def _produce(self, request: LLMRequest, pending: dict[str, str], ready: asyncio.Queue) -> None:
        clauses = self._clauses(request, pending)
        try:
            async for piece in clauses:
                ready.put_nowait(piece)
            ready.put_nowait(None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the consumer, which says the template answer or raises
            ready.put_nowait(exc)
        finally:
            await clauses.aclose()

    # ---- generation ------------------------------------------------------------------------------------------
    async def _clauses(self, request: LLMRequest, pending: dict[str, str]) -> AsyncIterator[ReplyPiece]:
        """The model's clauses that pass the check; at the first that fails, the template answer instead."""
        tools = TurnTools(self.store, request.state, request.session_id, request.committed) if self.uses_tools else None
        said_any = False
        generated = self._generated(request, tools, pending)
        try:
            async for clause in generated:
                if tools is not None and _about_tools(clause):
                    continue  # "I will use the search_products function:": the call, not an answer
                piece = self._checked(clause, request, tools)
                if piece is None:  # the rest would build on a false clause: stop here
                    for template_piece in request.template if not request.lead else ():
                        yield template_piece
                    return
                said_any = True
                yield piece
        finally:
            await generated.aclose()  # stops generation at once (an async for that returns does not)
        if not said_any and not request.lead:
            raise _Unanswerable("the model said nothing in time")

    async def _generated(
        self, request: LLMRequest, tools: TurnTools | None, pending: dict[str, str]
    ) -> AsyncIterator[str]:
        """The model's text, clause by clause; in tools mode, each round's calls run and their results go
        back to the model. A model that fails or is too slow just ends the text."""
        messages = self._messages(request)
        splitter = ClauseSplitter()
        for _ in range(self.settings.max_tool_rounds if tools else 1):
            calls: list[ToolCall] = []
            events = self._events(messages, tools)
            try:
                async for event in events:
                    if isinstance(event, TextDelta):
                        for clause in splitter.feed(event.text):
                            yield clause
                    elif isinstance(event, ToolCall):
                        calls.append(event)
            finally:
                await events.aclose()
            if not calls or tools is None:
                break
            pending["action"] = _FILLER_FOR_TOOL.get(calls[0].name, "lookup")
            messages.append(ChatMessage("assistant", "", tool_calls=tuple(calls)))
            for call in calls:
                result, text = await tools.run(call)
                request.facts.add_tool_result(result, text)
                messages.append(ChatMessage("tool", text, tool_call_id=call.id, name=call.name))
        for clause in splitter.flush():
            yield clause

    async def _events(self, messages: list[ChatMessage], tools: TurnTools | None) -> AsyncIterator:
        """The engine's events. Not taken within start_timeout_s (busy or down), no first word within
        first_token_timeout_s once taken (a prompt too long), or an engine error: the events just end."""
        stream = self.engine.stream(
            messages, TOOL_SPECS if tools else (), max_tokens=self.settings.max_tokens, temperature=0.0
        )
        waiting: float | None = self.settings.start_timeout_s
        step: asyncio.Task | None = None
        abandoned = False
        try:
            while True:
                step = asyncio.ensure_future(anext(stream))
                done, _ = await asyncio.wait({step}, timeout=waiting)
                if not done:
                    # A prompt being evaluated cannot stop mid-way: let it wind down in the background,
                    # and answer from the templates now.
                    _let_finish(step)
                    step, abandoned = None, True
                    log.warning("language model did not answer within %.1f s", waiting)
                    return
                try:
                    event = step.result()
                except StopAsyncIteration:
                    return
                except LLMError as exc:
                    log.warning("language model unavailable for this turn: %s", exc)
                    return
                finally:
                    step = None
                if isinstance(event, GenerationStarted):
                    waiting = self.settings.first_token_timeout_s
                    continue
                waiting = None
                if isinstance(event, GenerationDone):
                    if event.first_token_s is not None:
                        self.stats.first_token_s.append(event.first_token_s)
                    if event.decode_tokens_per_s:
                        self.stats.decode_tokens_per_s.append(event.decode_tokens_per_s)
                    continue
                yield event
        finally:
            if step is not None:  # cancelled while waiting: stop the engine too
                step.cancel()
                with contextlib.suppress(BaseException):
                    await step
            elif not abandoned:
                await stream.aclose()

    def _messages(self, request: LLMRequest) -> list[ChatMessage]:
        history = request.history[-2 * self.settings.history_turns :] if self.settings.history_turns else []
        if self.uses_tools:
            out = [ChatMessage("system", prompts.TOOLS_SYSTEM)]
            out += [ChatMessage(m.role, m.text) for m in history if m.text]
            out.append(ChatMessage("user", prompts.tools_turn(request.transcript, request.language_name)))
            return out
        said = " ".join(p.text for p in request.lead)
        turn = prompts.hybrid_turn(request.facts.text(), history, request.transcript, request.language_name, said)
        return [ChatMessage("system", prompts.HYBRID_SYSTEM), ChatMessage("user", turn)]

    def _checked(self, clause: str, request: LLMRequest, tools: TurnTools | None) -> ReplyPiece | None:
        products = request.facts.products + (tools.products if tools else [])
        problem = clause_problem(clause, request.facts.values, request.language, products, request.facts.prices)
        if problem is not None:
            self.stats.replaced_clauses += 1
            log.warning("generated clause %r %s; the template answer is said instead", clause[:120], problem)
            return None
        mentioned = named_in(clause, products)
        if not mentioned and len(products) == 1:
            mentioned = products  # the one product of the facts, called "it" or by a translated name
        return ReplyPiece(clause, tuple(mentioned))


_TOOL_WORDS = re.compile(r"\bfunctions?\b|" + "|".join(re.escape(t.name) for t in TOOL_SPECS), re.IGNORECASE)


def _about_tools(clause: str) -> bool:
    return bool(_TOOL_WORDS.search(clause))


_winding_down: set[asyncio.Task] = set()


def _let_finish(step: asyncio.Task) -> None:
    """Cancel a model step without waiting for it (the engine stops at its next token)."""
    step.cancel()
    _winding_down.add(step)
    step.add_done_callback(_winding_down.discard)
    step.add_done_callback(lambda t: t.cancelled() or t.exception())  # no "exception never retrieved"
