"""When the language model takes a turn, and how it is run (the `dialogue.llm` section of the config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.llm.settings import LLMEngineSettings


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["off", "hybrid", "tools"] = Field(
        "hybrid",
        description="off: the router and templates answer every turn; hybrid: the router answers what it "
        "recognises and the model the rest, from catalog facts retrieved first; tools: the model calls the "
        "catalog tools itself (needs a capable model)",
    )
    engine: LLMEngineSettings = Field(default_factory=LLMEngineSettings)
    filler_after_s: float = Field(
        0.5,
        ge=0,
        le=10,
        description="say a short filler when the answer has not started this long after the shopper stopped "
        "speaking (its audio is cached, so it is heard about 0.1 s later)",
    )
    start_timeout_s: float = Field(
        2.0, gt=0, le=60, description="the model has not taken the turn by then (busy or down): the template answers"
    )
    first_token_timeout_s: float = Field(
        10.0, gt=0, le=300, description="and once it has, the longest wait for its first word (a long prompt)"
    )
    max_tokens: int = Field(120, ge=16, le=2048, description="longest answer, in tokens")
    max_tool_rounds: int = Field(3, ge=1, le=8, description="tools mode: model calls per turn")
    fact_products: int = Field(3, ge=1, le=10, description="products passed to the model as facts")
    history_turns: int = Field(1, ge=0, le=10, description="earlier exchanges the model sees")
    summaries: bool = Field(True, description="the model writes the handoff summary when it can")
