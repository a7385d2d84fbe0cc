"""Settings of the speaking side: which voice speaks which language."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from models import DEFAULT_KOKORO_MODEL, DEFAULT_TTS_VOICE

# The voices shipped with the bundled Kokoro model (all Japanese speakers; they read other languages with an accent).
KOKORO_BUNDLED_VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")


def _bundled_voice(voice: str, info: ValidationInfo) -> str:
    # Only the bundled voices file has names known in advance; a custom one is checked when it loads.
    if info.data.get("voices_file") is None and voice not in KOKORO_BUNDLED_VOICES:
        raise ValueError(f"unknown Kokoro voice {voice!r}; the bundled voices are {', '.join(KOKORO_BUNDLED_VOICES)}")
    return voice


KokoroVoiceName = Annotated[str, AfterValidator(_bundled_voice)]


class KokoroSettings(BaseModel):
    """Kokoro-82M speaks the languages without a Piper voice; the defaults come from `voice-assistant eval voices`."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(DEFAULT_KOKORO_MODEL, description="bundled model name, or a path to a Kokoro .onnx file")
    voices_file: str | None = Field(
        None, description="a Kokoro voices file (.npz or .bin) to use with your own model; default: the bundled voices"
    )
    languages: list[str] = Field(
        default_factory=lambda: ["es", "pt", "fr", "de", "it", "zh", "ja"],
        description="languages Kokoro speaks when they have no Piper voice (the others get espeak-ng)",
    )
    voices: dict[str, KokoroVoiceName] = Field(
        default_factory=lambda: {
            "es": "jm_kumo",
            "pt": "jm_kumo",
            "fr": "jm_kumo",
            "de": "jm_kumo",
            "it": "jm_kumo",
            "zh": "jf_gongitsune",
            "ja": "jf_gongitsune",
        },
        description="language code -> Kokoro voice; a language not listed gets default_voice",
    )
    default_voice: KokoroVoiceName = Field(
        "jm_kumo", description="the voice of a listed language with no entry in voices"
    )
    speed: dict[str, Annotated[float, Field(ge=0.5, le=2.0)]] = Field(
        default_factory=lambda: {"fr": 0.85, "de": 0.85},
        description="language code -> speaking pace (1.0 is the voice's own; lower is slower and clearer)",
    )
    threads: int = Field(2, ge=1, le=64, description="ONNX Runtime threads for one synthesis")

    def voice_for(self, language: str) -> str:
        return self.voices.get(language, self.default_voice)

    def speed_for(self, language: str) -> float:
        return self.speed.get(language, 1.0)


class TtsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voices: dict[str, str] = Field(
        default_factory=lambda: {"en": DEFAULT_TTS_VOICE},
        description="language code -> Piper voice (bundled name or path to an .onnx file)",
    )
    kokoro: KokoroSettings = Field(default_factory=KokoroSettings)
    fallback: Literal["espeak", "none"] = Field(
        "espeak", description="for languages with neither a Piper nor a Kokoro voice (or when Kokoro cannot load)"
    )
    espeak_voices: dict[str, str] = Field(
        default_factory=dict, description="language code -> espeak-ng voice code, e.g. es: es-419"
    )
    length_scale: float = Field(1.0, gt=0.3, le=3.0, description="Piper speaking pace (higher is slower)")
    min_clause_chars: int = Field(12, ge=1, description="shorter clauses are joined to the next one")
    min_first_clause_chars: int = Field(
        2, ge=1, description="the first clause may be shorter: a quick 'Sure,' starts the reply sooner"
    )
