"""Settings of the speaking side: which voice speaks which language."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models import DEFAULT_TTS_VOICE


class TtsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voices: dict[str, str] = Field(
        default_factory=lambda: {"en": DEFAULT_TTS_VOICE},
        description="language code -> Piper voice (bundled name or path to an .onnx file)",
    )
    fallback: Literal["espeak", "none"] = Field("espeak", description="for languages without a Piper voice")
    espeak_voices: dict[str, str] = Field(
        default_factory=dict, description="language code -> espeak-ng voice code, e.g. es: es-419"
    )
    length_scale: float = Field(1.0, gt=0.3, le=3.0, description="Piper speaking pace (higher is slower)")
    min_clause_chars: int = Field(12, ge=1, description="shorter clauses are joined to the next one")
    min_first_clause_chars: int = Field(
        2, ge=1, description="the first clause may be shorter: a quick 'Sure,' starts the reply sooner"
    )
