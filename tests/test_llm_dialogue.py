"""The language model's part of a turn, with a scripted engine (the real engines: test_llm_*.py and the
slow tests in test_llm_turns.py): which turns it takes, streaming, the grounding check on every clause, the
filler, falling back when it is down or slow, cancellation, tools and the handoff summary."""

from __future__ import annotations

import asyncio
import time

import pytest
from scripted_llm import ScriptedEngine

from dialogue.history import ConversationHistory, Message
from dialogue.llm.settings import LLMSettings
from dialogue.llm.summary import model_summary, template_summary
from dialogue.manager import DialogueManager
from dialogue.settings import DialogueSettings
from models.llm import ToolCall

RAIN_ES = "¿Los VoltEdge Wireless Earbuds sirven para correr bajo la lluvia?"  # the router knows the product
GOOD_ES = "Sí, los VoltEdge Wireless Earbuds son resistentes al agua. Cuestan 67,99 dólares."
GIFT_ES = "¿Qué me recomiendas para regalar a mi padre?"  # the router has nothing to say
GIFT_ANSWER = "Para su padre, le recomiendo mirar nuestras mochilas de senderismo. Son muy prácticas."


def manager(store, engine, **llm) -> DialogueManager:
    return DialogueManager(store, DialogueSettings(llm=LLMSettings(**llm)), llm=engine)


async def said(reply) -> list:
    return [piece async for piece in reply.stream()]


def test_hybrid_gives_the_model_only_what_the_router_cannot_answer(store):
    engine = ScriptedEngine(GOOD_ES)
    dialogue = manager(store, engine)
    price = asyncio.run(dialogue.respond("How much are the VoltEdge Wireless Earbuds?", "en"))
    hello = asyncio.run(dialogue.respond("hello", "en"))
    assert not price.generated and "67.99" in price.text
    assert not hello.generated and not engine.requests
    advice = asyncio.run(dialogue.respond(RAIN_ES, "es"))
    assert advice.generated
    asyncio.run(advice.complete())
    # The router's grounded sentence first (not the description: the model answers from that), then the model's.
    lead = dialogue.respond_now(RAIN_ES, "es").pieces_said[0].text
    assert lead.startswith("El VoltEdge Wireless Earbuds cuesta 67,99 dólares")
    assert advice.text == f"{lead} {GOOD_ES}"
    assert [p.id for p in advice.products] == ["voltedge-wireless-earbuds"]
    messages, tools = engine.requests[0]
    assert messages[0].role == "system" and not tools
    assert "67,99 dólares" in messages[1].content and "Spanish" in messages[1].content  # facts in the turn
    assert "YOU ALREADY SAID" in messages[1].content
    assert asyncio.run(manager(store, engine, mode="off").respond(RAIN_ES, "es")).generated is False


def test_the_first_clause_is_spoken_before_the_model_has_finished(store):
    long_answer = GIFT_ANSWER + " " + " ".join(["Son muy cómodas para caminar."] * 8)
    engine = ScriptedEngine(long_answer, per_token_s=0.01)
    reply = asyncio.run(manager(store, engine).respond(GIFT_ES, "es"))

    async def first_piece():
        async for piece in reply.stream():
            return piece.text, engine.tokens_generated

    text, tokens_so_far = asyncio.run(first_piece())
    assert text.startswith("Para su padre")
    assert tokens_so_far < len(long_answer.split()) / 2


@pytest.mark.parametrize(
    "invented",
    [
        "Sí, y hoy cuestan 49,99 dólares.",  # a price the catalog does not have
        "Sí, su batería dura 45 horas.",  # a number no fact contains
        "Yes, they are great for running in the rain and they have a sweat resistant case.",  # not Spanish
    ],
)
def test_a_clause_the_facts_do_not_support_is_replaced_by_the_template_answer(store, invented):
    engine = ScriptedEngine(invented + " Y además son muy ligeros.")
    dialogue = manager(store, engine)
    reply = asyncio.run(dialogue.respond(RAIN_ES, "es"))
    asyncio.run(reply.complete())
    assert "49,99" not in reply.text and "45 horas" not in reply.text and "great" not in reply.text
    assert "67,99 dólares" in reply.text  # the router's answer about the product instead
    assert "ligeros" not in reply.text  # nothing after a false clause is said
    assert dialogue.model.responder.stats.replaced_clauses == 1


def test_a_slow_model_gets_one_filler_and_a_fast_one_none(store):
    slow = ScriptedEngine(GIFT_ANSWER, delay_s=0.5)
    pieces = asyncio.run(said(asyncio.run(manager(store, slow, filler_after_s=0.2).respond(GIFT_ES, "es"))))
    assert pieces[0].filler and pieces[0].text == "Un momento." and not any(p.filler for p in pieces[1:])
    fast = ScriptedEngine(GIFT_ANSWER)
    pieces = asyncio.run(said(asyncio.run(manager(store, fast, filler_after_s=0.2).respond(GIFT_ES, "es"))))
    assert not any(p.filler for p in pieces)
    # The router's own answer said first (a product it found) makes a filler unnecessary.
    slow = ScriptedEngine(GOOD_ES, delay_s=0.5)
    pieces = asyncio.run(said(asyncio.run(manager(store, slow, filler_after_s=0.2).respond(RAIN_ES, "es"))))
    assert not any(p.filler for p in pieces) and pieces[-1].text == "Cuestan 67,99 dólares."


@pytest.mark.parametrize("engine", [ScriptedEngine(down=True), ScriptedEngine(hang=True)], ids=["down", "silent"])
def test_a_model_that_is_down_or_silent_leaves_the_template_answer_within_two_seconds(store, engine):
    dialogue = manager(store, engine, start_timeout_s=1.0, filler_after_s=5)
    started = time.monotonic()
    reply = asyncio.run(dialogue.respond("¿Qué me recomiendas para regalar a mi padre?", "es"))
    asyncio.run(reply.complete())
    assert time.monotonic() - started < 2.0
    assert reply.text.startswith("Lo siento, ahora mismo no puedo responder a eso.")
    assert dialogue.model.responder.stats.unavailable == 1


def test_a_model_that_took_the_turn_may_read_a_long_prompt_past_the_start_limit(store):
    engine = ScriptedEngine(GIFT_ANSWER, prefill_s=1.5)  # taken at once, then 1.5 s of prompt before the first word
    dialogue = manager(store, engine, start_timeout_s=1.0, filler_after_s=0.5)
    pieces = asyncio.run(said(asyncio.run(dialogue.respond(GIFT_ES, "es"))))
    assert pieces[0].filler and pieces[0].text == "Un momento."
    assert " ".join(p.text for p in pieces[1:]) == GIFT_ANSWER
    assert dialogue.model.responder.stats.unavailable == 0


def test_closing_the_reply_stops_generation_at_once(store):
    engine = ScriptedEngine(GOOD_ES + " " + " ".join(["Son muy cómodos para correr."] * 30), per_token_s=0.01)
    reply = asyncio.run(manager(store, engine).respond(RAIN_ES, "es"))

    async def barge_in():
        async for _ in reply.stream():
            break  # the shopper interrupted after the first clause
        at_cancel = engine.tokens_generated
        await asyncio.sleep(0.2)
        return at_cancel

    at_cancel = asyncio.run(barge_in())
    assert engine.tokens_generated == at_cancel
    assert engine.closed_streams == 1


def test_tools_mode_looks_up_the_catalog_and_speaks_only_what_the_tools_returned(store):
    engine = ScriptedEngine(
        [
            "Voy a usar la función search_products con estos argumentos: ",  # the call's preamble is not said
            ToolCall("search_products", {"query": "wireless earbuds", "max_price": 80}),
        ],
        "Tenemos los VoltEdge Wireless Earbuds por 67.99 USD.",
    )
    dialogue = manager(store, engine, mode="tools")
    reply = asyncio.run(dialogue.respond("¿Tienen auriculares inalámbricos por menos de 80 dólares?", "es"))
    assert reply.generated
    asyncio.run(reply.complete())
    assert reply.text == "Tenemos los VoltEdge Wireless Earbuds por 67.99 USD."
    second_request, tools = engine.requests[1]
    assert {t.name for t in tools} >= {"search_products", "get_order_status", "add_to_cart"}
    assert second_request[-1].role == "tool" and "voltedge-wireless-earbuds" in second_request[-1].content
    assert [p.id for p in reply.products] == ["voltedge-wireless-earbuds"]


def test_a_speculative_turn_never_runs_a_tool_that_changes_the_cart(store):
    product = "voltedge-wireless-earbuds"
    engine = ScriptedEngine([ToolCall("add_to_cart", {"product_id": product, "color": "Black"})], "Añadido.")
    dialogue = manager(store, engine, mode="tools", filler_after_s=5)
    committed = asyncio.Event()

    async def speculate_then_commit():
        reply = await dialogue.respond("Añade los VoltEdge negros al carrito", "es", committed=committed)
        stream = reply.stream()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.3)
        in_cart_while_speculative = dict(reply.state.cart)
        committed.set()
        await first
        async for _ in stream:
            pass
        return in_cart_while_speculative, reply

    before, reply = asyncio.run(speculate_then_commit())
    assert before == {}
    assert [pid for pid, _ in reply.state.cart.values()] == [product]


def test_handoff_summary_by_the_model_only_when_the_transcript_grounds_it():
    messages = [
        Message("user", "Where is my order A1017? It was due on June 18.", "en"),
        Message("assistant", "Your order A1017 has shipped.", "en"),
        Message("user", "I want a person.", "en"),
    ]
    template = template_summary(messages, "asked in words", ["flowfit-yoga-mat"], 2)
    assert "A1017" in template and "flowfit-yoga-mat" in template and "2 item" in template
    grounded = ScriptedEngine("The shopper asks where order A1017 is; it was due on June 18.")
    assert "A1017" in asyncio.run(model_summary(grounded, messages, "asked in words"))
    invented = ScriptedEngine("The shopper wants a refund of 250 dollars for order A1017.")
    assert asyncio.run(model_summary(invented, messages, "asked in words")) == ""


def test_the_desk_swaps_in_the_model_summary_when_it_is_written():
    from assistant.handoff import HandoffDesk, HandoffRecord

    messages = [Message("user", "Where is my order A1017?", "en"), Message("user", "A person, please.", "en")]
    desk = HandoffDesk.in_memory()
    record = HandoffRecord.from_history(
        ConversationHistory(messages),
        [],
        session="s1",
        channel="browser",
        reason="asked in words",
        language="en",
        summary=template_summary(messages, "asked in words", [], 0),
    )
    desk.add(record)
    asyncio.run(desk.summarise(record, messages, ScriptedEngine("The shopper wants to know where order A1017 is.")))
    [filed] = asyncio.run(desk.records())
    assert filed.summary_by == "model" and "A1017" in filed.summary and filed.transcript == record.transcript


def test_a_difference_question_hears_the_router_comparison_at_once_and_the_model_adds_to_it(store):
    engine = ScriptedEngine("Both have noise cancellation; the AirWave Wireless Earbuds are rated higher.")
    dialogue = manager(store, engine)
    question = "What's the difference between the AirWave Wireless Earbuds and the VoltEdge Wireless Earbuds?"
    routed = dialogue.respond_now(question, "en")
    reply = asyncio.run(dialogue.respond(question, "en"))
    pieces = asyncio.run(said(reply))
    assert reply.generated and [p.text for p in pieces[: len(routed.pieces_said)]] == [
        p.text for p in routed.pieces_said
    ]
    assert "$94" in reply.text and "$67.99" in reply.text  # the template's grounded prices come first
    assert reply.text.endswith("rated higher.")
    assert "YOU ALREADY SAID" in engine.requests[0][0][1].content
