"""Shared fixtures: real models loaded once, real speech made with Piper or taken from recorded clips."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from assistant.config import AssistantConfig

_MODEL_FIXTURES = {"engines", "live_server", "english_voice", "say", "llm", "llm_engines", "llama_server"}
SMALL_LLM = "qwen2.5-coder-0.5b-instruct-q4_k_m"
AGENT_TOKEN = "test-agent-token-5f1c9a7e"  # the live server's /api/handoffs token
TWILIO_TOKEN = "test-twilio-auth-token-0c4e"  # the live server's Twilio account auth token  # the OpenAI-compatible server's model in tests


# Conversations the tests' servers record go to a throwaway file, never to ./conversations.db.
os.environ.setdefault("VOICE_ASSISTANT_STORE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='va-store-')}/conversations.db")


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
    config = AssistantConfig()
    config.dialogue.llm.mode = "off"  # the router's and the voice path's tests; the model's: `llm_engines`
    return config


@pytest.fixture(scope="session")
def llm():
    """The default local language model (Qwen2.5-Coder 1.5B on llama.cpp), loaded once."""
    from models.llm import LLMEngineSettings, load_engine

    engine = load_engine(LLMEngineSettings())
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def llm_engines(engines, llm):
    """The test run's speech models and catalog, with the language model in hybrid mode (the default)."""
    import dataclasses

    from dialogue.manager import DialogueManager

    config = engines.config.model_copy(deep=True)
    config.dialogue.llm.mode = "hybrid"
    dialogue = DialogueManager(engines.store, config.dialogue, engines.dialogue.router.embedder, llm)
    dialogue.warm_up()
    return dataclasses.replace(engines, config=config, dialogue=dialogue, llm=llm)


@pytest.fixture(scope="session")
def engines(config):
    from assistant.engines import Engines

    return Engines.load(config)


@pytest.fixture(scope="session")
def live_server(engines):
    """A real uvicorn server on loopback sharing the test run's models; yields its base URL."""
    from assistant.server.agent_auth import TOKEN_ENV
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    os.environ[TOKEN_ENV] = AGENT_TOKEN  # the handoff API is off without one
    os.environ["TWILIO_AUTH_TOKEN"] = TWILIO_TOKEN  # and the phone line without Twilio's signature
    config = engines.config.model_copy(deep=True)
    config.server.api_docs = True  # off by default; the server tests read the OpenAPI document
    app = create_app(config, engines=engines)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port; yields its base URL (…/v1)."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llama_cpp.server") is None:
        pytest.skip("llama-cpp-python[server] is not installed (pip install 'llama-cpp-python[server]')")
    from models import resolve

    model_file = resolve(SMALL_LLM).file(f"{SMALL_LLM}.gguf")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file), "--host", "127.0.0.1"]
    # Queue concurrent requests instead of interrupting the running one (the server's default), so the
    # concurrency test is real and the cancellation test can see whether a generation really stopped.
    cmd += ["--port", str(port), "--n_threads", "2", "--n_ctx", "2048", "--interrupt_requests", "false"]
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, base_url, log_path)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen, base_url: str, log_path: Path, limit_s: float = 180.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"llama_cpp.server did not answer {base_url}/models within {limit_s:g} s")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the run; skipped with the reason where it cannot start, unless
    VA_REQUIRE_POSTGRES=1 (CI), where that is a failure."""
    from tests.postgres import PostgresCluster, PostgresUnavailable

    # Not under pytest's temporary folder: that one is private to this user, and the server runs as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="va-postgres-"))
    cluster = PostgresCluster(folder, free_port())
    try:
        cluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("VA_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL must run here: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield cluster.url
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
