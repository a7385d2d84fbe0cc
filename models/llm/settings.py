"""Which language-model engine runs, and how (the `dialogue.llm.engine` section of the config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.registry import DEFAULT_LLM


class LLMEngineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["llama_cpp", "transformers", "openai"] = "llama_cpp"
    # A bundled model's name, a local file or folder, or (transformers only) a hub id; for `openai`, the
    # model name the server expects.
    model: str = DEFAULT_LLM
    threads: int = Field(0, ge=0, le=256, description="CPU threads; 0: one per core")
    context_tokens: int = Field(4096, ge=512, le=131072)
    device: str = Field("cpu", description="transformers: cpu | cuda | cuda:N | mps")
    # OpenAI-compatible servers (vLLM, llama.cpp server, Ollama, hosted APIs)
    base_url: str = Field("", description="e.g. http://127.0.0.1:8080/v1")
    api_key_env: str = Field("", description="name of the environment variable that holds the API key")
    timeout_s: float = Field(10.0, gt=0, le=600, description="per request, connection to last token")
    connect_timeout_s: float = Field(2.0, gt=0, le=60)
    retries: int = Field(1, ge=0, le=5, description="retries of a request that failed before its first token")
    supports_tools: bool | None = Field(None, description="override: can this model call tools itself?")
