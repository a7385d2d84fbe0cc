"""A language-model engine that says what a test scripts, token by token, at a set pace (the turn logic is
tested with it in milliseconds; the real engines have their own tests, and the slow tests use them here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from models.llm import (
    ChatMessage,
    GenerationDone,
    GenerationStarted,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
)


class ScriptedEngine:
    name = "scripted"

    def __init__(
        self,
        *answers: str | list[str | ToolCall],
        delay_s: float = 0.0,
        per_token_s: float = 0.005,
        down: bool = False,
        hang: bool = False,
        supports_tools: bool = True,
        prefill_s: float = 0.0,
    ):
        self.answers = list(answers)  # one per request; a list of ToolCalls asks for tools
        self.delay_s, self.per_token_s = delay_s, per_token_s
        self.down, self.hang = down, hang
        self.prefill_s = prefill_s  # after GenerationStarted: a long prompt being read
        self.supports_tools = supports_tools
        self.requests: list[tuple[list[ChatMessage], list[ToolSpec]]] = []
        self.tokens_generated = 0
        self.closed_streams = 0

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> AsyncIterator[StreamEvent]:
        self.requests.append((list(messages), list(tools)))
        if self.down:
            raise LLMUnavailable("http://127.0.0.1:9/v1: connection refused")
        try:
            await asyncio.sleep(self.delay_s)
            if self.prefill_s:
                yield GenerationStarted(self.delay_s)
                await asyncio.sleep(self.prefill_s)
            if self.hang:
                await asyncio.sleep(3600)
            answer = self.answers.pop(0) if self.answers else ""
            if isinstance(answer, list):  # tool calls, maybe after some text
                for item in answer:
                    yield TextDelta(item) if isinstance(item, str) else item
                yield GenerationDone("tool_calls")
                return
            for word in answer.split(" "):
                await asyncio.sleep(self.per_token_s)
                self.tokens_generated += 1
                yield TextDelta(word + " ")
            yield GenerationDone(
                "stop", first_token_s=self.delay_s, decode_tokens_per_s=1 / max(self.per_token_s, 1e-3)
            )
        finally:
            self.closed_streams += 1

    def warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        pass

    def close(self) -> None:
        pass
