"""Settings of the listening side: VAD, endpointing and transcription."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models import DEFAULT_ASR_MODEL

SAMPLE_RATE = 16000  # the whole listening side runs on 16 kHz mono int16 PCM (webrtcvad and Whisper)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VadSettings(_Strict):
    aggressiveness: int = Field(2, ge=0, le=3, description="webrtcvad mode: 0 keeps most audio, 3 filters most")
    frame_ms: int = Field(20, description="webrtcvad frame length: 10, 20 or 30 ms")
    min_speech_ms: int = Field(120, ge=20, description="voiced audio needed before speech-start is declared")
    speech_ratio: float = Field(0.6, gt=0, le=1, description="share of voiced frames in the start window")
    max_flatness: float = Field(
        0.45,
        gt=0,
        le=1,
        description="frames whose spectrum is this flat (hiss, fans, white noise) never count as speech; "
        "speech frames are mostly below 0.3, white noise about 0.55",
    )

    tail_drop_db: float = Field(
        35.0,
        gt=0,
        description="during speech, a frame this many dB below the utterance's loudest counts as silence: "
        "webrtcvad keeps calling a fading tail speech for 100-250 ms, which would delay every reply",
    )

    def model_post_init(self, _context: object) -> None:
        if self.frame_ms not in (10, 20, 30):
            raise ValueError(f"frame_ms must be 10, 20 or 30 (webrtcvad), got {self.frame_ms}")


class EndpointSettings(_Strict):
    """When a shopper's turn is over: after trailing silence, shorter for a complete question."""

    silence_ms: int = Field(600, ge=100, description="trailing silence that ends a turn")
    complete_silence_ms: int = Field(300, ge=100, description="trailing silence after a complete-sounding question")
    hold_silence_ms: int = Field(1200, ge=100, description="after a filler word or a run of digits")
    speculate_after_ms: int = Field(120, ge=40, description="silence after which the reply is prepared speculatively")
    max_utterance_s: float = Field(25.0, gt=1, le=28, description="longest single utterance before it is cut")
    fillers: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "en": ["um", "uh", "erm", "hmm", "and", "or", "but", "so", "the", "a", "my"],
            "es": ["eh", "este", "y", "o", "pero", "el", "la", "mi"],
            "fr": ["euh", "et", "ou", "mais", "le", "la", "mon"],
            "de": ["äh", "ähm", "und", "oder", "aber", "der", "die", "das"],
            "zh": ["嗯", "那个", "就是", "和"],
            "ja": ["えーと", "あの", "えっと"],
        },
        description="words after which the shopper is probably not done",
    )


class AsrSettings(_Strict):
    model: str = Field(DEFAULT_ASR_MODEL, description="bundled model name, local directory, or hub id")
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(1, ge=0, description="threads per decode (short decodes run fastest on one)")
    workers: int = Field(
        2, ge=1, description="decodes that may run at once on the one loaded model; sessions queue for them"
    )
    beam_size: int = Field(1, ge=1)
    partial_interval_ms: int = Field(600, ge=100, description="how often the growing utterance is re-decoded")
    languages: list[str] = Field(
        default_factory=list, description="restrict language id to these codes (empty: any Whisper language)"
    )
    vad: VadSettings = Field(default_factory=VadSettings)
    endpoint: EndpointSettings = Field(default_factory=EndpointSettings)
