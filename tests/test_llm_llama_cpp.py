"""The llama.cpp engine on the real bundled Qwen models: streaming, prefix-cache reuse, cancellation,
one generation at a time, tool calls. The model tests are `slow`; the missing-model ones are not."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from models.llm import (
    ChatMessage,
    GenerationDone,
    GenerationStarted,
    LLMEngineSettings,
    LLMUnavailable,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from models.llm.llama_cpp_engine import LlamaCppEngine

SMALL, LARGE = "qwen2.5-coder-0.5b-instruct-q4_k_m", "qwen2.5-coder-1.5b-instruct-q4_k_m"
slow = pytest.mark.slow

SYSTEM = ChatMessage(
    "system",
    "You are the voice shopping assistant of Casa, a home goods store. You talk with shoppers over the phone. "
    "Always answer in the language the shopper writes in. Use only the facts given with the question; if they "
    "do not answer it, say you do not know. Keep answers to one or two short sentences, without lists or "
    "markdown, because they are read aloud.",
)
ORDER_TOOL = ToolSpec(
    "order_status",
    "Look up whether an order has shipped, and its delivery date.",
    {
        "type": "object",
        "properties": {"order_id": {"type": "string", "description": "e.g. A1001"}},
        "required": ["order_id"],
    },
)


def _ask(question: str, facts: str = "") -> list[ChatMessage]:
    return [SYSTEM, ChatMessage("user", f"Facts: {facts}\nQuestion: {question}" if facts else question)]


def _collect(engine, messages, tools=(), **kw) -> list:
    async def run():
        return [event async for event in engine.stream(messages, tools, **kw)]

    return asyncio.run(run())


def _text(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def _prefix_tokens(engine: LlamaCppEngine, messages, tools=()) -> int:
    return len(engine._tokens(engine._prefix, messages, tools))


@pytest.fixture(scope="module")
def small():
    pytest.importorskip("llama_cpp")
    engine = LlamaCppEngine.load(LLMEngineSettings(model=SMALL, threads=2, context_tokens=2048))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def large():
    pytest.importorskip("llama_cpp")
    engine = LlamaCppEngine.load(LLMEngineSettings(model=LARGE, threads=2, context_tokens=2048))
    yield engine
    engine.close()


@slow
def test_streams_a_grounded_answer_in_the_shoppers_language(small):
    started = time.perf_counter()
    events = _collect(
        small, _ask("¿Cuánto cuesta el hervidor Nova y hay existencias?", "Nova kettle: 29.99 EUR, 12 in stock.")
    )
    total_s = time.perf_counter() - started
    assert isinstance(events[0], GenerationStarted)  # taken at once: no other generation was running
    done = events[-1]
    assert isinstance(done, GenerationDone) and done.finish_reason == "stop"
    answer = _text(events)
    assert "29" in answer
    assert {"el", "cuesta", "hay", "está", "precio", "de"} & set(answer.lower().replace(",", " ").split()), answer
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1  # streamed, not handed over at the end
    assert done.first_token_s is not None and done.first_token_s < total_s
    assert done.completion_tokens > 1 and done.decode_tokens_per_s
    assert not small.supports_tools  # the 0.5B is too small to choose tools


@slow
def test_the_fixed_system_prompt_is_evaluated_once(small):
    system_tokens = _prefix_tokens(small, [SYSTEM])
    small.warm_up([SYSTEM])
    first = _collect(small, _ask("Is the Nova kettle in stock?", "Nova kettle: 29.99 EUR, 12 in stock."), max_tokens=8)
    second = _collect(small, _ask("What does the Luma lamp cost?", "Luma lamp: 15 EUR."), max_tokens=8)
    for done in (first[-1], second[-1]):
        assert isinstance(done, GenerationDone)
        assert system_tokens <= done.cached_prompt_tokens < done.prompt_tokens


@slow
def test_closing_the_stream_stops_generation_before_the_next_token(small):
    async def run():
        stream = small.stream(_ask("Count from one to two hundred in words, separated by commas."), max_tokens=300)
        async with contextlib.aclosing(stream):
            deltas = 0
            async for event in stream:
                deltas += isinstance(event, TextDelta)
                if deltas == 3:
                    break
        after_close = small.tokens_generated
        await asyncio.sleep(0.5)
        return after_close

    before = small.tokens_generated
    after_close = asyncio.run(run())
    assert small.tokens_generated == after_close  # nothing after the cancel
    assert after_close - before < 20


@slow
def test_cancelling_the_consuming_task_stops_generation(small):
    async def run():
        got_text = asyncio.Event()

        async def consume():
            async for event in small.stream(_ask("List fifty colours, one per line."), max_tokens=300):
                if isinstance(event, TextDelta):
                    got_text.set()

        task = asyncio.create_task(consume())
        await got_text.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        after_cancel = small.tokens_generated
        await asyncio.sleep(0.5)
        return after_cancel

    before = small.tokens_generated
    after_cancel = asyncio.run(run())
    assert small.tokens_generated == after_cancel
    assert after_cancel - before < 20


@slow
def test_a_cancel_during_a_long_cold_prompt_stops_its_evaluation(small):
    catalog = " ".join(f"Item {i}: a plain white mug, {i % 9 + 2} EUR." for i in range(120))
    messages = [ChatMessage("system", f"You sell mugs. Catalog: {catalog}"), ChatMessage("user", "Cheapest mug?")]
    prompt_tokens = len(small._tokens(small._prompt, messages, ()))
    assert prompt_tokens > 1000

    async def run():
        task = asyncio.create_task(anext(small.stream(messages, max_tokens=8)))
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    before = small.tokens_generated
    asyncio.run(run())
    assert small.tokens_generated == before
    assert small._llm.n_tokens < prompt_tokens - 1  # evaluation stopped part-way


@slow
def test_concurrent_streams_queue_one_generation_at_a_time(small):
    arrivals: list[tuple[str, float]] = []

    async def one(tag: str, question: str):
        events = []
        async for event in small.stream(_ask(question, "Nova kettle: 29.99 EUR. Luma lamp: 15 EUR."), max_tokens=24):
            arrivals.append((tag, time.perf_counter()))
            events.append(event)
        return events

    async def both():
        return await asyncio.gather(one("a", "What does the kettle cost?"), one("b", "What does the lamp cost?"))

    a, b = asyncio.run(both())
    for events in (a, b):
        assert isinstance(events[-1], GenerationDone) and _text(events)
    order = [tag for tag, _ in arrivals]
    assert order == sorted(order)  # every event of the first before any of the second


@slow
def test_a_caller_cancelled_while_queued_never_generates(small):
    async def run():
        first_started = asyncio.Event()

        async def first():
            events = []
            async for event in small.stream(_ask("Name three fruits."), max_tokens=24):
                first_started.set()
                events.append(event)
            return events

        async def second():
            return [event async for event in small.stream(_ask("Name three vegetables."), max_tokens=24)]

        one = asyncio.create_task(first())
        await first_started.wait()
        two = asyncio.create_task(second())
        await asyncio.sleep(0.05)  # queued behind the first
        two.cancel()
        return await one, two

    before = small.tokens_generated
    events, two = asyncio.run(run())
    done = events[-1]
    assert two.cancelled()
    eog = 1 if done.finish_reason == "stop" else 0  # the end-of-turn token is generated but not part of the text
    assert small.tokens_generated - before == done.completion_tokens + eog


@slow
def test_the_larger_model_calls_the_order_tool(large):
    assert large.supports_tools
    large.warm_up([SYSTEM], [ORDER_TOOL])
    events = _collect(large, _ask("Is order A1001 shipped?"), [ORDER_TOOL], max_tokens=64)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, c.arguments) for c in calls] == [("order_status", {"order_id": "A1001"})]
    done = events[-1]
    assert isinstance(done, GenerationDone) and done.finish_reason == "tool_calls"
    assert done.cached_prompt_tokens >= _prefix_tokens(large, [SYSTEM], [ORDER_TOOL])
    spoken = _text(events)  # the 1.5B may say what it is about to do, but the call itself is not spoken
    assert '"order_id"' not in spoken and "```" not in spoken and "<tool_call>" not in spoken


@slow
def test_the_larger_model_answers_in_french(large):
    events = _collect(large, _ask("Combien coûte la lampe Luma ?", "Luma lamp: 15 EUR, 3 in stock."), max_tokens=48)
    answer = _text(events).lower()
    assert "15" in answer
    assert {"la", "lampe", "coûte", "est", "euros"} & set(answer.replace(",", " ").split()), answer


def test_a_missing_model_file_says_what_is_missing(tmp_path):
    missing = tmp_path / "nowhere.gguf"
    with pytest.raises(LLMUnavailable, match="nowhere.gguf|llama-cpp-python"):
        LlamaCppEngine.load(LLMEngineSettings(model=str(missing)))


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file" * 10)
    with pytest.raises(LLMUnavailable, match="bogus.gguf|llama-cpp-python"):
        LlamaCppEngine.load(LLMEngineSettings(model=str(bogus)))


def test_a_hub_id_is_not_a_local_model():
    with pytest.raises(LLMUnavailable, match="gguf|llama-cpp-python"):
        LlamaCppEngine.load(LLMEngineSettings(model="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF"))


def test_a_bundled_model_that_is_not_installed_names_its_packages(monkeypatch):
    from models.registry import REGISTRY, ModelFile, ModelSpec, PackagedPart

    part = PackagedPart("ghost-gguf-part1", "ghost_gguf_part1/data/part01.bin", "0" * 64)
    ghost = ModelSpec("ghost-llm", "llm-gguf", "not installed", (ModelFile("ghost.gguf", (part,), "0" * 64),))
    monkeypatch.setitem(REGISTRY, "ghost-llm", ghost)
    with pytest.raises(LLMUnavailable, match="pip install ghost-gguf-part1|llama-cpp-python"):
        LlamaCppEngine.load(LLMEngineSettings(model="ghost-llm"))
