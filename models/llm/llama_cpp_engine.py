"""llama.cpp on the CPU (llama-cpp-python) behind the streaming `LLMEngine` interface.

One worker thread owns the model: generations run there one at a time, in arrival order, and stream their
tokens back to the caller's event loop. `Llama.generate` keeps the previous prompt's KV cache and reuses its
longest common prefix, so a fixed system prompt (and tools) is evaluated once, not every turn.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from models.llm.base import (
    ChatMessage,
    GenerationDone,
    GenerationStarted,
    LLMError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolSpec,
)
from models.llm.chat_format import common_prefix, template_message, template_tool
from models.llm.settings import LLMEngineSettings
from models.llm.toolcalls import ToolCallScanner
from models.resolve import ModelError, resolve

_INSTALL = "pip install llama-cpp-python"
_TOOLS_MIN_PARAMS = 1_000_000_000  # below this (Qwen 0.5B) tool choice is too unreliable to offer
_END = object()  # end of one generation's event stream
# A cold prompt is evaluated in chunks of this many tokens, so a cancel during a long prefill (seconds on a
# small CPU) frees the model after at most one chunk instead of after the whole prompt.
_PREFILL_CHUNK = 128


class LlamaCppEngine:
    """A GGUF model on llama.cpp. Share one per process: it serves every session, one generation at a time."""

    def __init__(self, llm: Any, name: str, *, supports_tools: bool) -> None:
        from llama_cpp import llama_cpp as lowlevel
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self.supports_tools = supports_tools
        self.tokens_generated = 0  # over the engine's life; a cancelled stream adds none after the cancel
        self._llm = llm
        self._vocab = lowlevel.llama_model_get_vocab(llm.model)
        self._is_eog = lowlevel.llama_vocab_is_eog
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise LLMUnavailable(f"{name}: the GGUF file has no chat template (tokenizer.chat_template)")
        special = {"eos_token": _token_text(llm, llm.token_eos()), "bos_token": _token_text(llm, llm.token_bos())}
        self._prompt = Jinja2ChatFormatter(template, **special, add_generation_prompt=True)
        self._prefix = Jinja2ChatFormatter(template, **special, add_generation_prompt=False)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama.cpp")
        self._closing = threading.Event()

    @classmethod
    def load(cls, settings: LLMEngineSettings) -> LlamaCppEngine:
        try:
            import llama_cpp
        except ImportError:
            raise LLMUnavailable(f"the llama.cpp engine needs llama-cpp-python: {_INSTALL}") from None
        path = _gguf_path(settings.model)
        threads = settings.threads or os.cpu_count() or 1
        try:
            llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=settings.context_tokens,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMUnavailable(f"llama.cpp cannot load {path}: {exc}") from exc
        supports_tools = settings.supports_tools
        if supports_tools is None:
            supports_tools = llama_cpp.llama_model_n_params(llm.model) >= _TOOLS_MIN_PARAMS
        return cls(llm, f"llama.cpp {path.stem}", supports_tools=supports_tools)

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: object) -> None:
            if stop.is_set():
                return
            try:
                loop.call_soon_threadsafe(events.put_nowait, item)
            except RuntimeError:  # the caller's loop is gone: nobody is listening
                stop.set()

        job = _Job(messages, tools, max_tokens, temperature, stop, emit, time.perf_counter())
        future = self._submit(self._run, job)
        # Also ends the stream of a job that close() dropped from the queue before it ran.
        future.add_done_callback(lambda f: emit(LLMUnavailable(f"{self.name} is closed") if f.cancelled() else _END))
        try:
            while (item := await events.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            # Queued: never runs. Running: stops before its next token; wait for that, so that once the
            # consumer is back no further token is generated.
            if not future.cancel():
                await asyncio.wait([asyncio.wrap_future(future)])

    def warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        self._submit(self._warm, messages, tools).result()

    def close(self) -> None:
        self._closing.set()
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._llm.close()

    def _submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        try:
            return self._worker.submit(fn, *args)
        except RuntimeError as exc:  # the worker was shut down
            raise LLMUnavailable(f"{self.name} is closed") from exc

    # Everything below runs on the worker thread.

    def _warm(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> None:
        tokens = self._tokens(self._prefix, messages, tools)
        self._prefill(tokens + [0], self._closing)  # a dummy last token: the whole prefix is evaluated

    def _prefill(self, prompt: list[int], stop: threading.Event) -> bool:
        """Evaluate all but the prompt's last token, reusing the cached prefix; False if stopped first."""
        llm = self._llm
        start, last = common_prefix(llm.input_ids[: llm.n_tokens], prompt), len(prompt) - 1
        for end in [*range(start + _PREFILL_CHUNK, last, _PREFILL_CHUNK), *([last] if last > start else [])]:
            if stop.is_set():
                return False
            # `generate` keeps the longest common prefix of the KV cache and evaluates the rest; the one token
            # it samples is thrown away (it is not evaluated, so the cache then holds exactly prompt[:end]).
            steps = llm.generate(prompt[:end], temp=0.0, reset=True)
            next(steps)
            steps.close()
        return True

    def _run(self, job: _Job) -> None:
        try:
            job.emit_all(self._generate(job))
        except Exception as exc:  # surfaced to the consumer, not lost in the worker
            job.emit(exc if isinstance(exc, LLMError) else LLMError(f"{self.name}: generation failed: {exc}"))

    def _generate(self, job: _Job) -> list[StreamEvent]:
        job.emit(GenerationStarted(time.perf_counter() - job.started))
        llm = self._llm
        prompt = self._tokens(self._prompt, job.messages, job.tools)
        room = llm.n_ctx() - len(prompt)
        if room < 1:
            raise LLMError(f"{self.name}: prompt of {len(prompt)} tokens does not fit the {llm.n_ctx()}-token context")
        limit = min(job.max_tokens, room)
        # generate() re-evaluates at least the last prompt token, to get fresh logits.
        cached = min(common_prefix(llm.input_ids[: llm.n_tokens], prompt), len(prompt) - 1)
        scanner = ToolCallScanner({t.name for t in job.tools})
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        count, sampled, first_at, last_at, reason = 0, 0, 0.0, 0.0, "length"
        if not self._prefill(prompt, job.stop):
            limit, reason = 0, "cancelled"
        steps = llm.generate(prompt, temp=job.temperature, reset=True)
        try:
            while count < limit:
                if job.stop.is_set() or self._closing.is_set():
                    reason = "cancelled"
                    break
                token = next(steps)
                self.tokens_generated += 1
                sampled += 1
                last_at = time.perf_counter()
                first_at = first_at or last_at
                if self._is_eog(self._vocab, token):
                    reason = "stop"
                    break
                count += 1
                if text := scanner.feed(decoder.decode(llm.detokenize([token]))):
                    job.emit(TextDelta(text))
        finally:
            steps.close()
        text = scanner.feed(decoder.decode(b"", final=True))
        tail, calls = scanner.finish()
        events: list[StreamEvent] = [TextDelta(t) for t in (text + tail,) if t]
        events += calls
        if calls and reason == "stop":
            reason = "tool_calls"
        decode_s = last_at - first_at
        events.append(
            GenerationDone(
                finish_reason=reason,
                prompt_tokens=len(prompt),
                completion_tokens=count,
                cached_prompt_tokens=cached,
                first_token_s=first_at - job.started if sampled else None,
                decode_tokens_per_s=(sampled - 1) / decode_s if sampled > 1 and decode_s > 0 else None,
            )
        )
        return events

    def _tokens(self, formatter: Any, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> list[int]:
        rendered = formatter(
            messages=[template_message(m) for m in messages], tools=[template_tool(t) for t in tools] or None
        )
        # The template writes any BOS itself; `special` turns <|im_start|> and friends into their tokens.
        return self._llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=False, special=True)


class _Job:
    """One stream() call as the worker sees it."""

    def __init__(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        max_tokens: int,
        temperature: float,
        stop: threading.Event,
        emit: Callable[[object], None],
        started: float,
    ) -> None:
        self.messages, self.tools = messages, tools
        self.max_tokens, self.temperature = max_tokens, temperature
        self.stop, self.emit, self.started = stop, emit, started

    def emit_all(self, events: list[StreamEvent]) -> None:
        for event in events:
            self.emit(event)


def _gguf_path(reference: str) -> Path:
    try:
        resolved = resolve(reference)
    except ModelError as exc:
        raise LLMUnavailable(f"llama.cpp model: {exc}") from exc
    if resolved.path is None:
        raise LLMUnavailable(
            f"llama.cpp needs a local .gguf file or a bundled model, not the hub id {reference!r}; "
            "download the GGUF file and give its path"
        )
    if resolved.spec is not None:
        return resolved.file(resolved.spec.files[0].name)
    if resolved.path.is_dir():
        found = sorted(resolved.path.glob("*.gguf"))
        if len(found) != 1:
            raise LLMUnavailable(f"llama.cpp model: expected one .gguf file in {resolved.path}, found {len(found)}")
        return found[0]
    return resolved.path


def _token_text(llm: Any, token: int) -> str:
    return llm.detokenize([token], special=True).decode("utf-8", errors="replace") if token >= 0 else ""
