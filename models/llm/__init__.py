"""Language-model engines behind one streaming interface (see `base.py`)."""

from __future__ import annotations

from models.llm.base import (
    ChatMessage,
    GenerationDone,
    GenerationStarted,
    LLMEngine,
    LLMError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from models.llm.settings import LLMEngineSettings


def load_engine(settings: LLMEngineSettings) -> LLMEngine:
    """The engine the settings name, loaded once per process (its runtime is imported only here)."""
    if settings.kind == "llama_cpp":
        from models.llm.llama_cpp_engine import LlamaCppEngine

        return LlamaCppEngine.load(settings)
    if settings.kind == "transformers":
        from models.llm.transformers_engine import TransformersEngine

        return TransformersEngine.load(settings)
    from models.llm.openai_engine import OpenAIEngine

    return OpenAIEngine.load(settings)


__all__ = [
    "ChatMessage",
    "GenerationDone",
    "GenerationStarted",
    "LLMEngine",
    "LLMEngineSettings",
    "LLMError",
    "LLMUnavailable",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolSpec",
    "load_engine",
]
