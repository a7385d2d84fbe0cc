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
            "en": ["um", "uh", "erm", "hmm"],
            "es": ["eh", "este", "pues", "mmm"],
            "fr": ["euh", "ben", "bah"],
            "de": ["äh", "ähm", "hm"],
            "it": ["ehm", "cioè", "allora"],
            "pt": ["é", "hum", "tipo", "então"],
            "zh": ["嗯", "那个", "就是", "呃"],
            "ja": ["えーと", "あの", "えっと", "ええと"],
        },
        description="filler words after which the shopper is probably not done",
    )
    unfinished_words: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "en": [
                "a",
                "an",
                "the",
                "my",
                "your",
                "our",
                "his",
                "her",
                "their",
                "this",
                "these",
                "some",
                "any",
                "and",
                "or",
                "but",
                "so",
                "for",
                "to",
                "in",
                "on",
                "at",
                "of",
                "with",
                "from",
                "about",
                "into",
                "than",
                "like",
                "want",
                "need",
                "looking",
                "find",
                "get",
                "buy",
                "is",
                "are",
            ],
            "es": [
                "el",
                "la",
                "los",
                "las",
                "un",
                "una",
                "unos",
                "unas",
                "mi",
                "mis",
                "tu",
                "tus",
                "su",
                "sus",
                "de",
                "del",
                "al",
                "a",
                "en",
                "con",
                "para",
                "por",
                "y",
                "o",
                "pero",
                "que",
                "busco",
                "quiero",
                "necesito",
                "más",
            ],
            "fr": [
                "le",
                "la",
                "les",
                "un",
                "une",
                "des",
                "du",
                "de",
                "au",
                "aux",
                "à",
                "en",
                "avec",
                "pour",
                "par",
                "sur",
                "dans",
                "et",
                "ou",
                "mais",
                "mon",
                "ma",
                "mes",
                "ton",
                "ta",
                "tes",
                "son",
                "sa",
                "ses",
                "notre",
                "votre",
                "leur",
                "que",
                "cherche",
                "veux",
                "plus",
            ],
            "de": [
                "der",
                "die",
                "das",
                "den",
                "dem",
                "des",
                "ein",
                "eine",
                "einen",
                "einem",
                "einer",
                "mein",
                "meine",
                "meinen",
                "dein",
                "deine",
                "sein",
                "seine",
                "ihr",
                "ihre",
                "unser",
                "unsere",
                "für",
                "mit",
                "in",
                "im",
                "an",
                "am",
                "auf",
                "zu",
                "zum",
                "zur",
                "von",
                "vom",
                "und",
                "oder",
                "aber",
                "suche",
                "möchte",
            ],
            "it": [
                "il",
                "lo",
                "la",
                "i",
                "gli",
                "le",
                "un",
                "uno",
                "una",
                "di",
                "del",
                "della",
                "dei",
                "delle",
                "a",
                "al",
                "alla",
                "in",
                "nel",
                "nella",
                "con",
                "per",
                "su",
                "e",
                "o",
                "ma",
                "mio",
                "mia",
                "miei",
                "mie",
                "tuo",
                "tua",
                "suo",
                "sua",
                "cerco",
                "voglio",
            ],
            "pt": [
                "o",
                "a",
                "os",
                "as",
                "um",
                "uma",
                "uns",
                "umas",
                "de",
                "do",
                "da",
                "dos",
                "das",
                "em",
                "no",
                "na",
                "nos",
                "nas",
                "com",
                "para",
                "pra",
                "por",
                "e",
                "ou",
                "mas",
                "meu",
                "minha",
                "meus",
                "minhas",
                "seu",
                "sua",
                "procuro",
                "quero",
            ],
            "zh": [
                "的",
                "和",
                "跟",
                "或者",
                "还有",
                "在",
                "给",
                "把",
                "比",
                "要",
                "想",
                "买",
                "找",
                "一个",
                "一双",
                "一件",
            ],
            "ja": ["は", "が", "を", "に", "の", "と", "で", "も", "や", "から", "まで", "より"],
        },
        description="words a sentence does not end on (articles, prepositions, conjunctions, possessives, verbs "
        "that need an object): after them the shopper is probably not done, even when the transcript got a "
        "full stop; a question mark still ends the turn fast",
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
