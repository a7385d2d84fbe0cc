"""`voice-assistant eval voices`: can Whisper understand what each voice says?

Each candidate voice speaks a few shopper-facing sentences per language; Whisper base
transcribes them (language given, as a listener who knows the language would); the
score is the word error rate (character error rate for Chinese and Japanese) against
the text spoken. espeak-ng is always measured too: it is the bar a voice must clear.
Also reported: the real-time factor (synthesis time / audio length) of each voice.
"""

from __future__ import annotations

import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import soxr

from asr.settings import SAMPLE_RATE
from asr.whisper_engine import WhisperEngine
from tts.kokoro_voice import KokoroModel, KokoroVoice
from tts.settings import KOKORO_BUNDLED_VOICES, KokoroSettings
from tts.voices import EspeakFallbackVoice, Voice

# What the assistant says: products, prices, shipping, returns, orders.
SENTENCES: dict[str, list[str]] = {
    "es": [
        "Sí, tenemos esa esterilla de yoga en color azul.",
        "El envío es gratis para pedidos de más de 50 euros.",
        "Los auriculares inalámbricos cuestan 94 euros.",
        "Puede devolver el producto en un plazo de 30 días.",
        "Su pedido llegará el jueves por la tarde.",
        "¿Quiere que lo añada a su carrito?",
    ],
    "pt": [
        "Sim, temos esse tapete de ioga na cor azul.",
        "O frete é grátis para pedidos acima de 50 reais.",
        "Os fones de ouvido sem fio custam 94 reais.",
        "Você pode devolver o produto em até 30 dias.",
        "Seu pedido chega na quinta-feira à tarde.",
        "Quer que eu adicione ao seu carrinho?",
    ],
    "fr": [
        "Oui, nous avons ce tapis de yoga en bleu.",
        "La livraison est gratuite à partir de 50 euros.",
        "Les écouteurs sans fil coûtent 94 euros.",
        "Vous pouvez retourner le produit sous 30 jours.",
        "Votre commande arrivera jeudi après-midi.",
        "Voulez-vous que je l'ajoute à votre panier ?",
    ],
    "de": [
        "Ja, wir haben diese Yogamatte in Blau.",
        "Der Versand ist ab 50 Euro kostenlos.",
        "Die kabellosen Kopfhörer kosten 94 Euro.",
        "Sie können den Artikel innerhalb von 30 Tagen zurückgeben.",
        "Ihre Bestellung kommt am Donnerstag an.",
        "Soll ich ihn in Ihren Warenkorb legen?",
    ],
    "it": [
        "Sì, abbiamo questo tappetino da yoga in blu.",
        "La spedizione è gratuita sopra i 50 euro.",
        "Gli auricolari senza fili costano 94 euro.",
        "Può restituire il prodotto entro 30 giorni.",
        "Il suo ordine arriverà giovedì pomeriggio.",
        "Vuole che lo aggiunga al carrello?",
    ],
    "zh": [
        "是的，我们有这款蓝色的瑜伽垫。",
        "订单满五十元就免运费。",
        "这款无线耳机的价格是九十四元。",
        "您可以在三十天内退货。",
        "您的订单星期四下午送到。",
        "需要我帮您加入购物车吗？",
    ],
    "ja": [
        "はい、青いヨガマットの在庫がございます。",
        "五十ドル以上のご注文で送料が無料になります。",
        "このワイヤレスイヤホンは九十四ドルです。",
        "商品は三十日以内なら返品できます。",
        "ご注文の品は木曜日の午後に届きます。",
        "カートに追加しましょうか？",
    ],
}
# A 5-word and a 15-word clause per language: how long before the first audio of a reply is ready.
LATENCY_CLAUSES: dict[str, tuple[str, str]] = {
    "es": (
        "Sí, la tenemos disponible.",
        "Los auriculares inalámbricos cuestan noventa y cuatro euros y el envío a su casa es gratis.",
    ),
    "pt": (
        "Sim, temos esse modelo.",
        "Os fones de ouvido sem fio custam noventa e quatro reais e o frete é grátis hoje.",
    ),
    "fr": (
        "Oui, nous l'avons en stock.",
        "Les écouteurs sans fil coûtent quatre-vingt-quatorze euros et la livraison à domicile est gratuite.",
    ),
    "de": (
        "Ja, wir haben sie vorrätig.",
        "Die kabellosen Kopfhörer kosten vierundneunzig Euro, und der Versand zu Ihnen nach Hause ist heute kostenlos.",
    ),
    "it": (
        "Sì, lo abbiamo disponibile.",
        "Gli auricolari senza fili costano novantaquattro euro e la spedizione a casa sua è gratuita oggi.",
    ),
    "zh": ("是的，我们有货。", "这款无线耳机的价格是九十四元，今天下单可以免费送货到您家里。"),
    "ja": (
        "はい、在庫がございます。",
        "このワイヤレスイヤホンは九十四ドルで、今日のご注文ならご自宅まで送料無料でお届けします。",
    ),
}
CHARACTER_LANGUAGES = {"zh", "ja"}  # no spaces between words: score syllables (zh) or kana (ja)


@dataclass(frozen=True)
class Candidate:
    """A voice to measure: espeak-ng, or a Kokoro voice at a pace."""

    engine: str  # "espeak" | "kokoro"
    voice: str = ""
    speed: float = 1.0

    @property
    def label(self) -> str:
        if self.engine == "espeak":
            return "espeak-ng"
        return self.voice if self.speed == 1.0 else f"{self.voice}@{self.speed:g}"

    @classmethod
    def parse(cls, text: str) -> Candidate:
        """ "espeak", "jm_kumo" or "jm_kumo@0.85"."""
        if text in ("espeak", "espeak-ng"):
            return cls("espeak")
        voice, _, speed = text.partition("@")
        return cls("kokoro", voice, float(speed) if speed else 1.0)


@dataclass
class VoiceScore:
    language: str
    voice: str
    error: float  # mean word (or character) error over the sentences
    rtf: float  # synthesis seconds per second of audio
    heard: list[tuple[str, str, float]] = field(default_factory=list)  # (said, transcribed, error)


def normalize(text: str, language: str) -> list[str]:
    """The units scored: words; tonal pinyin syllables for Chinese; kana for Japanese.

    Whisper writes Chinese in traditional or simplified characters and Japanese in kanji or kana
    at its whim; comparing how the text is read makes that choice not count as a mistake.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    if language in CHARACTER_LANGUAGES:
        text = _digits_to_hanzi(text)  # Whisper writes "50" where the text says 五十
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    if language == "zh":
        return _pinyin(text)
    if language == "ja":
        return _kana(text)
    return text.split()


def _digits_to_hanzi(text: str) -> str:
    try:
        import cn2an  # installed with misaki[zh]

        return cn2an.transform(text, "an2cn")
    except (ImportError, ValueError):
        return text


def _pinyin(text: str) -> list[str]:
    try:
        from pypinyin import Style, lazy_pinyin  # installed with misaki[zh]
    except ImportError:
        return [c for c in text if not c.isspace()]
    return [p for p in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True) if p.strip()]


def _kana(text: str) -> list[str]:
    try:
        import pyopenjtalk  # pyopenjtalk-plus, Kokoro's Japanese reader
    except ImportError:
        return [c for c in text if not c.isspace()]
    return [c for c in pyopenjtalk.g2p(text, kana=True) if not c.isspace() and unicodedata.category(c)[0] not in "PS"]


def error_rate(said: str, heard: str, language: str) -> float:
    """Levenshtein distance over the units of `normalize`, divided by the number said."""
    ref, hyp = normalize(said, language), normalize(heard, language)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))


def round_trip(whisper: WhisperEngine, voice: Voice, language: str, sentences: list[str], label: str) -> VoiceScore:
    synth_s = audio_s = 0.0
    heard = []
    for sentence in sentences:
        started = time.perf_counter()
        audio = voice.synthesize(sentence)
        synth_s += time.perf_counter() - started
        audio_s += len(audio) / voice.sample_rate
        pcm16k = soxr.resample(audio, voice.sample_rate, SAMPLE_RATE).astype(np.float32)
        text = whisper.transcribe(pcm16k, language).text
        heard.append((sentence, text, error_rate(sentence, text, language)))
    error = statistics.mean(e for _, _, e in heard)
    return VoiceScore(language, label, error, synth_s / max(audio_s, 1e-6), heard)


def default_candidates(settings: KokoroSettings, language: str, every_voice: bool = False) -> list[Candidate]:
    """espeak-ng and the configured Kokoro voice; with `every_voice`, every bundled voice at 1.0 and 0.85."""
    chosen = Candidate("kokoro", settings.voice_for(language), settings.speed_for(language))
    candidates = [Candidate("espeak"), chosen]
    if every_voice:
        for voice in KOKORO_BUNDLED_VOICES:
            for speed in (1.0, 0.85):
                if Candidate("kokoro", voice, speed) != chosen:
                    candidates.append(Candidate("kokoro", voice, speed))
    return candidates


def evaluate_voices(
    whisper: WhisperEngine,
    kokoro: KokoroModel | None,
    candidates: dict[str, list[Candidate]],
    sentences: dict[str, list[str]] | None = None,
    progress: Callable[[VoiceScore], None] | None = None,
) -> list[VoiceScore]:
    sentences = sentences or SENTENCES
    scores = []
    for language, wanted in candidates.items():
        for candidate in wanted:
            if candidate.engine == "espeak":
                voice: Voice = EspeakFallbackVoice(language)
            elif kokoro is None:
                continue
            else:
                voice = KokoroVoice(kokoro, language, candidate.voice, candidate.speed)
            voice.synthesize(sentences[language][0][:12])  # the first run of a voice allocates: not a figure
            scores.append(round_trip(whisper, voice, language, sentences[language], candidate.label))
            if progress is not None:
                progress(scores[-1])
    return scores


def format_table(scores: list[VoiceScore]) -> str:
    lines = ["| lang | voice | error | real-time factor |", "|---|---|---|---|"]
    for s in scores:
        lines.append(f"| {s.language} | {s.voice} | {s.error:.2f} | {s.rtf:.2f} |")
    return "\n".join(lines)


@dataclass
class VoiceLatency:
    language: str
    voice: str
    short_s: float  # median synthesis time of the 5-word clause
    long_s: float  # ... and of the 15-word clause
    short_audio_s: float
    long_audio_s: float


def clause_latency(voice: Voice, language: str, label: str, repeats: int = 3) -> VoiceLatency:
    """Median synthesis time of a short and a long clause (after one warm-up run)."""
    figures = []
    for clause in LATENCY_CLAUSES[language]:
        voice.synthesize(clause)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            audio = voice.synthesize(clause)
            times.append(time.perf_counter() - started)
        figures += [statistics.median(times), len(audio) / voice.sample_rate]
    short_s, short_audio, long_s, long_audio = figures
    return VoiceLatency(language, label, short_s, long_s, short_audio, long_audio)


def format_latency(latencies: list[VoiceLatency], load_s: float | None) -> str:
    lines = []
    if load_s is not None:
        lines.append(f"Kokoro model load: {load_s:.2f} s")
    lines += ["| lang | voice | 5-word clause | 15-word clause |", "|---|---|---|---|"]
    for f in latencies:
        lines.append(
            f"| {f.language} | {f.voice} | {f.short_s:.2f} s ({f.short_audio_s:.1f} s audio) "
            f"| {f.long_s:.2f} s ({f.long_audio_s:.1f} s audio) |"
        )
    return "\n".join(lines)
