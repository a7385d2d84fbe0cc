"""Models and stores loaded once per process and shared by every session."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from asr.streaming import StreamingTranscriber
from asr.whisper_engine import WhisperEngine
from assistant.config import AssistantConfig
from catalog.store import CatalogStore
from dialogue.llm.settings import LLMSettings
from dialogue.manager import DialogueManager
from models import cache_dir
from models.embedder import load_embedder
from models.llm import LLMEngine, LLMError, load_engine
from tts.synthesizer import StreamingSynthesizer

log = logging.getLogger(__name__)


@dataclass
class Engines:
    config: AssistantConfig
    whisper: WhisperEngine
    synthesizer: StreamingSynthesizer
    store: CatalogStore
    dialogue: DialogueManager
    llm: LLMEngine | None = None  # one model per process, shared by every session

    @classmethod
    def load(cls, config: AssistantConfig | None = None, warm_up: bool = True) -> Engines:
        config = config or AssistantConfig()
        started = time.perf_counter()
        whisper = WhisperEngine(config.asr)
        synthesizer = StreamingSynthesizer(config.tts)
        embedder = load_embedder() if config.catalog.embeddings else None
        store = open_store(config, embedder)
        llm = load_llm(config.dialogue.llm)
        dialogue = DialogueManager(store, config.dialogue, embedder, llm)
        engines = cls(config, whisper, synthesizer, store, dialogue, llm)
        if warm_up:
            engines.warm_up()
        log.info("models loaded in %.1f s", time.perf_counter() - started)
        return engines

    def reconfigure(self, config: AssistantConfig) -> None:
        """A new config for the next turn of every session: the dialogue (intents, replies, languages,
        handoff rules) changes at once; models and the catalog file load at start-up only."""
        for section in ("asr", "tts", "catalog"):
            if getattr(config, section) != getattr(self.config, section):
                log.warning("config section %r changed: it takes effect when the server restarts", section)
        if config.dialogue.llm.engine != self.config.dialogue.llm.engine or (
            self.llm is None and config.dialogue.llm.mode != "off"
        ):
            log.warning("dialogue.llm.engine changed: the model loads when the server restarts")
        embedder = self.dialogue.router.embedder
        dialogue = DialogueManager(self.store, config.dialogue, embedder, self.llm)
        dialogue.warm_up()  # before it serves a turn
        self.dialogue, self.config = dialogue, config

    def transcriber(self) -> StreamingTranscriber:
        return StreamingTranscriber(self.whisper)

    def warm_up(self) -> None:
        """The first inference of each model is slow (allocations, kernels); pay it at start-up."""
        self.whisper.warm_up()
        default_language = self.config.dialogue.language.default
        self.synthesizer.voices.for_language(default_language).synthesize("Hello.")
        # Every language the conversation may switch to: its voice loads now (Kokoro's model, a language's
        # phonemizer), not during a shopper's first question in it.
        for language in sorted(set(self.dialogue.locales) - {default_language}):
            self.synthesizer.voices.for_language(language).synthesize("OK.")
        self.store.search("warm up", limit=1)
        self.dialogue.warm_up()
        if self.dialogue.model is not None:
            self.synthesizer.remember(self.dialogue.model.filler_texts(self.dialogue.default), default_language)


def load_llm(settings: LLMSettings) -> LLMEngine | None:
    """The language model, unless the config turns it off; one that cannot load leaves the router to answer."""
    if settings.mode == "off":
        return None
    try:
        return load_engine(settings.engine)
    except LLMError as exc:
        log.error("the language model is not available, so the router answers every turn: %s", exc)
        return None


def open_store(config: AssistantConfig, embedder: object | None = None) -> CatalogStore:
    if config.catalog.path == "demo":
        # A file, not memory: product embeddings are cached in it, so a restart costs no model time.
        return CatalogStore.open_demo(cache_dir() / "demo-catalog.sqlite", embedder=embedder)
    return CatalogStore.open(config.catalog.path, embedder=embedder)
