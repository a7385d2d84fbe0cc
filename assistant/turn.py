"""One shopper turn and its latency breakdown."""

from __future__ import annotations

from dataclasses import dataclass

LATENCY_FIELDS = ("endpoint", "asr_final", "first_text", "first_audio", "voice_to_voice", "voice_to_answer")


@dataclass
class TurnRecord:
    """Times are monotonic wall-clock seconds; latencies are measured from the end of speech."""

    index: int
    speech_end_at: float
    transcript: str = ""
    language: str = ""
    language_probability: float = 0.0
    reply: str = ""
    intent: str = ""
    generated: bool = False  # the language model answered
    interrupted: bool = False
    heard_reply: str = ""
    endpoint_at: float | None = None
    asr_final_at: float | None = None
    first_text_at: float | None = None
    first_audio_at: float | None = None
    first_sent_at: float | None = None  # first reply audio handed to the transport (a filler counts)
    answer_sent_at: float | None = None  # first audio of the answer itself, after any filler
    barge_in_ms: float | None = None  # shopper's speech onset -> playback stopped
    asr_audio_s: float = 0.0
    asr_decode_s: float = 0.0
    tts_audio_s: float = 0.0
    tts_synth_s: float = 0.0
    products: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()  # a generated reply's grounding: catalog facts and tool results it was given

    def latency_ms(self) -> dict[str, float | None]:
        stamps = {
            "endpoint": self.endpoint_at,
            "asr_final": self.asr_final_at,
            "first_text": self.first_text_at,
            "first_audio": self.first_audio_at,
            "voice_to_voice": self.first_sent_at,
            "voice_to_answer": self.answer_sent_at,
        }
        out = {k: None if v is None else round((v - self.speech_end_at) * 1000, 1) for k, v in stamps.items()}
        if self.barge_in_ms is not None:
            out["barge_in"] = round(self.barge_in_ms, 1)
        return out

    def to_json(self) -> dict:
        return {
            "transcript": self.transcript,
            "language": self.language,
            "reply": self.reply,
            "interrupted": self.interrupted,
            "heard_reply": self.heard_reply,
            "latency_ms": self.latency_ms(),
            "intent": self.intent,
            "generated": self.generated,
            "products": list(self.products),
            "asr_rtf": round(self.asr_decode_s / self.asr_audio_s, 3) if self.asr_audio_s else None,
            "tts_rtf": round(self.tts_synth_s / self.tts_audio_s, 3) if self.tts_audio_s else None,
        }
