"""The transformers engine on the bundled Qwen2.5-Coder-0.5B, on CPU: streaming, the conversion cache,
prefix reuse, cancellation, queueing, and a clear refusal of a GPU that is not there."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from models.llm import transformers_engine  # noqa: E402
from models.llm.base import ChatMessage, GenerationDone, LLMUnavailable, TextDelta, ToolCall, ToolSpec  # noqa: E402
from models.llm.settings import LLMEngineSettings  # noqa: E402
from models.llm.transformers_engine import TransformersEngine  # noqa: E402
from models.resolve import cache_dir  # noqa: E402

pytestmark = pytest.mark.slow

MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"
# One thread: on a shared 2-core machine two spinning torch threads collapse to <1 tok/s (7 tok/s with one).
SETTINGS = LLMEngineSettings(kind="transformers", model=MODEL, threads=1, device="cpu")
SYSTEM = ChatMessage("system", "Eres un asistente de compras de una tienda de deportes. Responde breve, en español.")
SPANISH_WORDS = {"el", "la", "los", "las", "de", "del", "que", "para", "y", "es", "son", "un", "una", "en", "con"}


@pytest.fixture(scope="module")
def engine():
    try:
        eng = TransformersEngine.load(SETTINGS)
    except LLMUnavailable as e:
        pytest.skip(str(e))
    yield eng
    eng.close()


def ask(question: str) -> list[ChatMessage]:
    return [SYSTEM, ChatMessage("user", question)]


async def collect(eng: TransformersEngine, messages: list[ChatMessage], max_tokens: int) -> list:
    return [event async for event in eng.stream(messages, max_tokens=max_tokens)]


def test_streams_spanish_answer(engine):
    events = asyncio.run(collect(engine, ask("¿Qué es mejor para correr, unas zapatillas o unas botas?"), 24))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    done = events[-1]
    assert isinstance(done, GenerationDone) and done.finish_reason in ("stop", "length")
    assert len(deltas) > 1
    text = "".join(d.text for d in deltas)
    assert text.strip()
    assert SPANISH_WORDS & set(re.findall(r"\w+", text.lower())), text
    assert done.completion_tokens > 1 and done.prompt_tokens > 10
    assert done.first_token_s is not None and done.decode_tokens_per_s is not None
    assert not engine.supports_tools  # 0.5B: below the 1B threshold


def test_second_load_uses_the_converted_cache(engine, monkeypatch):
    cached = Path(engine.loaded_from)  # the converted folder, written by this or an earlier run
    assert cached.parent == cache_dir() / "transformers" and cached.name.startswith(MODEL)
    assert (cached / "config.json").is_file() and (cached / "model.safetensors").is_file()

    def no_conversion(*args, **kwargs):
        raise AssertionError("dequantized the GGUF again")

    monkeypatch.setattr(transformers_engine, "convert_gguf", no_conversion)
    t0 = time.perf_counter()
    again = TransformersEngine.load(SETTINGS)
    try:
        assert again.loaded_from == str(cached)
        assert time.perf_counter() - t0 < 60
        close_while_busy(again)  # a second engine at hand: close() is tested on it
    finally:
        again.close()


def close_while_busy(eng: TransformersEngine) -> None:
    async def main():
        running = eng.stream(ask("Describe diez modelos de zapatillas."), max_tokens=200)
        await anext(running)
        queued = asyncio.create_task(collect(eng, ask("¿Y botas?"), 50))
        await asyncio.sleep(0.05)
        eng.close()  # returns once the running generation has stopped
        rest = [event async for event in running]
        with pytest.raises(LLMUnavailable):
            await queued
        return rest

    rest = asyncio.run(main())
    assert isinstance(rest[-1], GenerationDone) and rest[-1].finish_reason == "cancelled"
    assert rest[-1].completion_tokens < 200


def test_warm_up_prefix_is_reused(engine):
    engine.warm_up([SYSTEM])
    prefix = len(engine.prompt_ids([SYSTEM], add_generation_prompt=False))
    events = asyncio.run(collect(engine, ask("Hola"), 2))
    done = events[-1]
    assert isinstance(done, GenerationDone)
    assert done.cached_prompt_tokens >= prefix - 1


def test_cancel_stops_generation(engine):
    async def main() -> int:
        stream = engine.stream(ask("Describe con mucho detalle diez modelos de zapatillas."), max_tokens=200)
        seen = 0
        async for event in stream:
            seen += isinstance(event, TextDelta)
            if seen == 2:
                break
        await stream.aclose()
        return engine.tokens_generated

    at_cancel = asyncio.run(main())
    time.sleep(0.5)
    engine.warm_up([SYSTEM])  # runs on the same worker: returns only once the cancelled job has ended
    assert engine.tokens_generated == at_cancel


def test_concurrent_streams_queue_and_complete(engine):
    async def main():
        order: list[str] = []

        async def one(tag: str, question: str) -> list:
            events = []
            async for event in engine.stream(ask(question), max_tokens=8):
                order.append(tag)
                events.append(event)
            return events

        a, b = await asyncio.gather(one("a", "¿Tenéis calcetines?"), one("b", "¿Tenéis gorras?"))
        return a, b, order

    a, b, order = asyncio.run(main())
    for events in (a, b):
        assert isinstance(events[-1], GenerationDone) and events[-1].finish_reason in ("stop", "length")
        assert events[-1].completion_tokens > 0
    assert order == sorted(order) or order == sorted(order, reverse=True)  # one at a time, never interleaved


def test_caller_cancelled_while_queued_never_generates(engine):
    async def main() -> tuple[int, int]:
        before = engine.tokens_generated
        first = engine.stream(ask("¿Qué mochila me recomiendas?"), max_tokens=6)
        await anext(first)  # the first caller is generating now
        queued = asyncio.create_task(collect(engine, ask("¿Y una botella?"), 50))
        await asyncio.sleep(0.05)
        queued.cancel()
        events = [event async for event in first]
        await asyncio.to_thread(engine.warm_up, [SYSTEM])  # queued after both: the second job had its turn
        return engine.tokens_generated - before, events[-1].completion_tokens

    generated, first_tokens = asyncio.run(main())
    assert generated == first_tokens


def test_prompt_uses_the_chat_template_with_tools(engine):
    tools = [ToolSpec("search_products", "Search the catalog", {"type": "object", "properties": {}})]
    messages = [
        SYSTEM,
        ChatMessage("user", "Busca zapatillas"),
        ChatMessage("assistant", tool_calls=(ToolCall("search_products", {"query": "zapatillas"}, "call_1"),)),
        ChatMessage("tool", '{"results": []}', tool_call_id="call_1", name="search_products"),
    ]
    text = engine.tokenizer.decode(engine.prompt_ids(messages, tools))
    assert "<tools>" in text and "search_products" in text and '"zapatillas"' in text
    assert text.rstrip().endswith("<|im_start|>assistant")


def test_cuda_on_a_cpu_machine_is_refused_clearly():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(LLMUnavailable, match=r"(?i)cuda.*not available.*cpu"):
        TransformersEngine.load(SETTINGS.model_copy(update={"device": "cuda"}))
