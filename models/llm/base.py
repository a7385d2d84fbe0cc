"""One small streaming interface for every language-model engine: messages and tools in; text deltas, tool
calls and a final summary out. Cancelling the consumer (closing the async iterator, or cancelling the task
that iterates it) stops generation at once: no token is generated after the cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """The model asks for a tool: `arguments` is the parsed JSON object (never a string)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()  # on an assistant message that called tools
    tool_call_id: str = ""  # on a tool message: which call this answers
    name: str = ""  # on a tool message: the tool's name


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call; `parameters` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class GenerationStarted:
    """The engine has taken the request: a local model's turn came (it was free), a server accepted it. What
    follows is prompt evaluation, then tokens; a caller can tell "busy or down" from "working on it"."""

    waited_s: float = 0.0  # from the call until the engine took it


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class GenerationDone:
    finish_reason: str  # "stop" | "length" | "tool_calls" | "cancelled"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens whose KV cache was reused (0 where unknown)
    first_token_s: float | None = None  # from the call to the first generated token
    decode_tokens_per_s: float | None = None


StreamEvent = GenerationStarted | TextDelta | ToolCall | GenerationDone


class LLMError(RuntimeError):
    """The engine cannot answer (server down, timeout, model missing); the message says what and where."""


class LLMUnavailable(LLMError):
    pass


@runtime_checkable
class LLMEngine(Protocol):
    name: str  # for logs and metrics: "llama.cpp qwen2.5-coder-1.5b-instruct-q4_k_m"
    supports_tools: bool  # able to choose and call tools itself (the `tools` turn policy)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> AsyncIterator[StreamEvent]:
        """GenerationStarted once the engine takes the request, text deltas as they are generated, then the
        tool calls (if any), then one GenerationDone.
        Concurrent callers queue: a local engine runs one generation at a time (the model is shared by every
        session of the process); a server engine bounds its requests in flight. Raises LLMUnavailable when
        the engine cannot answer at all."""
        ...

    def warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        """Evaluate the fixed prefix (system prompt and tools) now, so the first shopper turn reuses it."""
        ...

    def close(self) -> None: ...
