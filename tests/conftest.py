"""Shared fixtures: real models loaded once, real speech made with Piper or taken from recorded clips."""

from __future__ import annotations

import asyncio
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.config import AssistantConfig

_MODEL_FIXTURES = {"engines", "live_server", "english_voice", "say"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the real speech models is `slow`: `-m "not slow"` runs the rest in seconds."""
    for item in items:
        if _MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def store():
    """The demo catalog in memory: products, orders and policies (no embedding model)."""
    from catalog.store import CatalogStore

    return CatalogStore.open_demo()


@pytest.fixture(scope="module")
def dialogue(store):
    from dialogue.manager import DialogueManager

    return DialogueManager(store)


@pytest.fixture(scope="session")
def config() -> AssistantConfig:
    return AssistantConfig()


@pytest.fixture(scope="session")
def engines(config):
    from assistant.engines import Engines

    return Engines.load(config)


@pytest.fixture(scope="session")
def live_server(engines):
    """A real uvicorn server on loopback sharing the test run's models; yields its base URL."""
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    app = create_app(engines=engines)
    with BackgroundServer(app) as server:
        yield server.url


@pytest.fixture(scope="session")
def english_voice(engines):
    return engines.synthesizer.voices.for_language("en")


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def say(english_voice, speech_dir):
    """Synthesise an English shopper utterance with Piper; returns the WAV path (22.05 kHz)."""

    def make(text: str) -> Path:
        path = speech_dir / (f"{abs(hash(text)):x}.wav")
        if not path.exists():
            sf.write(path, english_voice.synthesize(text), english_voice.sample_rate)
        return path

    return make


def recorded_clip(language: str, name: str) -> tuple[Path, str]:
    """A recorded clip shipped by pytest-audioeval (located as data, not imported) and its text."""
    dist = metadata.distribution("pytest-audioeval")
    wav = Path(str(dist.locate_file(f"pytest_audioeval/samples/audio/{language}/{name}.wav")))
    return wav, wav.with_suffix(".txt").read_text(encoding="utf-8").strip()


def load_16k(path: Path) -> np.ndarray:
    import soxr

    audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    return soxr.resample(audio, rate, 16000) if rate != 16000 else audio


def run(coro):
    return asyncio.run(coro)
