"""Any OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama, hosted APIs) behind the
streaming `LLMEngine` interface.

One `httpx.AsyncClient` per event loop keeps connections alive between turns (a TLS handshake per turn
would cost a hosted API 50-150 ms of first-token latency). Closing the stream closes its HTTP response,
which drops the connection: that is how the server learns to stop generating.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import httpx

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
from models.llm.openai_wire import GenerationRun, done_reason, sse_data, tokens_per_s, wire_messages
from models.llm.settings import LLMEngineSettings
from models.llm.toolcalls import ToolCallScanner

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 4  # requests per engine and event loop; the server queues its own work beyond this
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 2.0
_ERROR_BODY_CHARS = 300


class _Retryable(Exception):
    """A failure before the first token that another attempt may fix."""

    def __init__(self, message: str, delay_s: float | None = None, drop_stream_options: bool = False) -> None:
        super().__init__(message)
        self.delay_s = delay_s
        self.drop_stream_options = drop_stream_options


@dataclass
class _LoopState:
    client: httpx.AsyncClient
    slots: asyncio.Semaphore


class OpenAIEngine:
    """Streams chat completions from an OpenAI-compatible server."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 10.0,
        connect_timeout_s: float = 2.0,
        retries: int = 1,
        supports_tools: bool = True,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.retries = retries
        self.supports_tools = supports_tools
        self.max_in_flight = max_in_flight
        self.name = f"openai {model} at {_safe_url(self.base_url)}"
        self._api_key = api_key
        self._safe_url = _safe_url(self.url)
        self._stream_options = True  # until a server rejects `stream_options`
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    @classmethod
    def load(cls, settings: LLMEngineSettings) -> OpenAIEngine:
        """Checks the settings only: no network until the first request."""
        base_url = settings.base_url.strip()
        if not base_url:
            raise LLMUnavailable(
                "the openai engine needs the server's address: set dialogue.llm.engine.base_url "
                "(e.g. http://127.0.0.1:8080/v1)"
            )
        if not base_url.startswith(("http://", "https://")):
            raise LLMUnavailable(
                f"dialogue.llm.engine.base_url must start with http:// or https://, got {_safe_url(base_url)!r}"
            )
        api_key = ""
        if settings.api_key_env:
            api_key = os.environ.get(settings.api_key_env, "").strip()
            if not api_key:
                raise LLMUnavailable(
                    f"the environment variable {settings.api_key_env} (dialogue.llm.engine.api_key_env) "
                    "is not set or empty"
                )
        return cls(
            base_url=base_url,
            model=settings.model,
            api_key=api_key,
            timeout_s=settings.timeout_s,
            connect_timeout_s=settings.connect_timeout_s,
            retries=settings.retries,
            supports_tools=True if settings.supports_tools is None else settings.supports_tools,
        )

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIEngine({self.name!r})"

    # -- streaming -------------------------------------------------------------------------------------

    def stream(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> AsyncIterator[StreamEvent]:
        return self._events(None, messages, tools, max_tokens, temperature)

    async def _events(
        self,
        client: httpx.AsyncClient | None,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        max_tokens: int,
        temperature: float,
    ) -> AsyncIterator[StreamEvent]:
        """The whole generation in one async generator: nested ones would each be closed separately (and
        concurrently) by asyncio's shutdown, which breaks the chain that closes the HTTP response."""
        started = time.perf_counter()  # first_token_s includes any wait for a free slot
        if self._closed:
            raise LLMUnavailable(f"{self.name}: the engine is closed")
        slots: asyncio.Semaphore | None = None
        if client is None:
            state = self._state()
            client, slots = state.client, state.slots
        async with slots or nullcontext():
            known = frozenset(t.name for t in tools)
            run = GenerationRun(started=started, scanner=ToolCallScanner(known) if known else None)
            deadline = asyncio.get_running_loop().time() + self.timeout_s
            body = self._body(messages, tools, max_tokens, temperature)
            attempt, accepted = 0, False
            while True:
                try:
                    response = await self._send(client, body, deadline)
                    if not accepted:
                        accepted = True
                        yield GenerationStarted(time.perf_counter() - started)
                    try:
                        if "json" in response.headers.get("content-type", ""):
                            # The server ignored `stream: true` and sent the whole answer at once.
                            for text in run.handle(await self._whole_json(response, deadline, run)):
                                yield TextDelta(text)
                        else:
                            lines = response.aiter_lines()
                            while (chunk := await self._next_chunk(lines, deadline, run)) is not None:
                                for text in run.handle(chunk):
                                    yield TextDelta(text)
                    finally:
                        await response.aclose()  # unread: drops the connection, so the server stops
                    break
                except _Retryable as exc:
                    if exc.drop_stream_options and "stream_options" in body:
                        log.info("%s rejected stream_options; asking without it from now on", self._safe_url)
                        self._stream_options = False
                        body.pop("stream_options")
                        continue
                    remaining = deadline - asyncio.get_running_loop().time()
                    delay = min(exc.delay_s if exc.delay_s is not None else 0.2 * 2**attempt, _MAX_BACKOFF_S)
                    if attempt >= self.retries or delay >= remaining:
                        raise LLMUnavailable(str(exc)) from None
                    attempt += 1
                    log.info("%s; retry %d of %d in %.2f s", exc, attempt, self.retries, delay)
                    await asyncio.sleep(delay)

        if run.skipped:
            log.warning("%s: skipped %d malformed stream lines", self._safe_url, run.skipped)
        calls = run.tool_calls(known)
        if run.scanner is not None:
            rest, parsed = run.scanner.finish()
            if rest:
                yield TextDelta(rest)
            if not calls:  # the server did not parse calls itself: take the ones written into the text
                calls = parsed
        for call in calls:
            yield call
        yield GenerationDone(
            finish_reason="tool_calls" if calls else done_reason(run.finish_reason),
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            cached_prompt_tokens=run.cached_tokens,
            first_token_s=run.first_token_s,
            decode_tokens_per_s=run.tokens_per_s or tokens_per_s(run),
        )

    async def _send(self, client: httpx.AsyncClient, body: dict[str, Any], deadline: float) -> httpx.Response:
        """Sends the request; returns the open streaming response once its status is 200. Raises
        _Retryable for failures another attempt may fix, LLMUnavailable for the others."""
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = client.build_request("POST", self.url, json=body, headers=headers)
        try:
            async with asyncio.timeout_at(deadline):
                response = await client.send(request, stream=True)
        except (TimeoutError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
            raise LLMUnavailable(f"{self._safe_url} did not answer within {self.timeout_s:g} s") from None
        except httpx.ConnectTimeout:
            raise _Retryable(
                f"cannot connect to {self._safe_url}: no connection within {self.connect_timeout_s:g} s"
            ) from None
        except httpx.ConnectError as exc:
            raise _Retryable(f"cannot connect to {self._safe_url}: {self._describe(exc)}") from None
        except httpx.HTTPError as exc:
            raise _Retryable(f"request to {self._safe_url} failed: {self._describe(exc)}") from None
        if response.status_code == 200:
            return response
        try:
            raise await self._status_error(response, body, deadline)
        finally:
            await response.aclose()

    async def _next_chunk(
        self, lines: AsyncIterator[str], deadline: float, run: GenerationRun
    ) -> dict[str, Any] | None:
        """The next JSON chunk of the SSE stream; None at its end. Comments, blank lines and malformed
        lines are skipped; an error event or a broken connection raises."""
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    line = await anext(lines)
            except StopAsyncIteration:
                return None
            except TimeoutError:
                raise self._failure(run, f"no answer within {self.timeout_s:g} s", timeout=True) from None
            except httpx.HTTPError as exc:
                raise self._failure(run, f"connection lost ({self._describe(exc)})") from None
            data = sse_data(line)
            if data is None:
                continue
            if data == "[DONE]":
                return None
            try:
                chunk = json.loads(data)
            except json.JSONDecodeError:
                chunk = None
            if not isinstance(chunk, dict):
                run.skipped += 1
                log.debug("%s: skipping a malformed stream line: %.200s", self._safe_url, data)
                continue
            if chunk.get("error"):
                raise self._failure(run, f"error: {self._redact(_error_text(chunk['error']))}", retry=False)
            return chunk

    async def _whole_json(self, response: httpx.Response, deadline: float, run: GenerationRun) -> dict[str, Any]:
        try:
            async with asyncio.timeout_at(deadline):
                raw = await response.aread()
        except TimeoutError:
            raise self._failure(run, f"no answer within {self.timeout_s:g} s", timeout=True) from None
        except httpx.HTTPError as exc:
            raise self._failure(run, f"connection lost ({self._describe(exc)})") from None
        try:
            chunk = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LLMUnavailable(f"{self._safe_url} answered with malformed JSON: {raw[:120]!r}") from None
        if not isinstance(chunk, dict) or chunk.get("error"):
            detail = _error_text(chunk.get("error")) if isinstance(chunk, dict) else repr(chunk)[:120]
            raise LLMUnavailable(f"{self._safe_url} answered with an error: {self._redact(detail)}")
        return chunk

    async def _status_error(self, response: httpx.Response, body: dict[str, Any], deadline: float) -> Exception:
        status = response.status_code
        text = ""
        try:
            async with asyncio.timeout_at(min(deadline, asyncio.get_running_loop().time() + 1.0)):
                text = (await response.aread())[:4096].decode("utf-8", "replace")
        except (TimeoutError, httpx.HTTPError):
            pass
        detail = _error_detail(text)
        message = f"{self._safe_url} answered HTTP {status}" + (f": {self._redact(detail)}" if detail else "")
        if status in (400, 422) and "stream_options" in body and "stream_options" in text:
            return _Retryable(message, drop_stream_options=True)
        if status in _RETRY_STATUS:
            return _Retryable(message, delay_s=_retry_after(response))
        if status in (401, 403):
            return LLMUnavailable(f"{message} (check the API key in dialogue.llm.engine.api_key_env)")
        if status == 404:
            return LLMUnavailable(f"{message} (check base_url, usually ending in /v1, and the model name)")
        return LLMUnavailable(message)

    def _failure(self, run: GenerationRun, what: str, *, timeout: bool = False, retry: bool = True) -> Exception:
        if run.first_token_s is not None:
            return LLMError(f"{self._safe_url} stopped mid-answer: {what}")
        if timeout or not retry:
            return LLMUnavailable(f"{self._safe_url}: {what}")
        return _Retryable(f"{self._safe_url}: {what}")

    def _describe(self, exc: BaseException) -> str:
        return self._redact(str(exc).strip() or type(exc).__name__)

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _body(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], max_tokens: int, temperature: float
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": wire_messages(messages),
            "stream": True,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if self._stream_options:
            body["stream_options"] = {"include_usage": True}
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in tools
            ]
        return body

    def _state(self) -> _LoopState:
        """The client and request slots of the running loop (neither may be shared across loops)."""
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)
            state = _LoopState(httpx.AsyncClient(timeout=timeout), asyncio.Semaphore(self.max_in_flight))
            self._loops[loop] = state
        return state

    # -- lifecycle -------------------------------------------------------------------------------------

    def warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        """One tiny request so the server caches the fixed prefix; best effort, never raises. Inside a
        running loop it is sent in the background rather than blocking the loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._warm_up(messages, tools, own_client=True))
            return
        task = loop.create_task(self._warm_up(messages, tools, own_client=False))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], own_client: bool) -> None:
        started = time.perf_counter()
        try:
            if own_client:  # a throwaway loop: its client must not outlive it
                timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)
                async with httpx.AsyncClient(timeout=timeout) as client:
                    async for _ in self._events(client, messages, tools, 1, 0.0):
                        pass
            else:
                async for _ in self.stream(messages, tools, max_tokens=1):
                    pass
            log.info("%s warmed up in %.2f s", self.name, time.perf_counter() - started)
        except Exception as exc:  # best effort: the first real turn reports the problem
            log.warning("%s warm-up failed: %s", self.name, exc)

    def close(self) -> None:
        """Closes the pooled connections of every loop that still runs; later streams raise."""
        self._closed = True
        for loop, state in list(self._loops.items()):
            if loop.is_closed():
                continue
            try:
                if loop is _running_loop():
                    task = loop.create_task(state.client.aclose())
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
                elif loop.is_running():
                    asyncio.run_coroutine_threadsafe(state.client.aclose(), loop)
            except RuntimeError:
                pass
        self._loops.clear()


def _error_detail(text: str) -> str:
    """The human part of an error body: `error.message` of a JSON body, or the start of the text."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return " ".join(text.split())[:_ERROR_BODY_CHARS]
    if isinstance(data, dict):
        for key in ("error", "detail", "message"):
            if key in data:
                return _error_text(data[key])
    return " ".join(text.split())[:_ERROR_BODY_CHARS]


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        error = error.get("message") or error
    text = error if isinstance(error, str) else json.dumps(error, ensure_ascii=False)
    return " ".join(text.split())[:_ERROR_BODY_CHARS]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _safe_url(url: str) -> str:
    """The URL without user info or query (either may carry a key)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return url.split("?", 1)[0]
    return str(parsed.copy_with(username=None, password=None, query=None))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
