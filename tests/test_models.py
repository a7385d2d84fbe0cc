from dataclasses import replace

import pytest

from models import REGISTRY, ModelCorrupt, ModelNotInstalled, resolve
from models.registry import ModelFile, ModelSpec, PackagedPart
from models.resolve import materialize, sha256_of


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "voice-assistant"


def test_split_whisper_is_joined_once_into_the_cache_and_verified(fresh_cache):
    resolved = resolve("whisper-base")
    model = resolved.path / "model.bin"
    assert resolved.path.parent == fresh_cache / "models"
    assert {p.name for p in resolved.path.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert sha256_of(model) == REGISTRY["whisper-base"].files[-1].sha256
    mtime = model.stat().st_mtime_ns
    assert resolve("whisper-base").path == resolved.path
    assert model.stat().st_mtime_ns == mtime  # not joined again
    assert not list(resolved.path.glob(".*.tmp"))  # no half-written leftovers


def test_unsplit_models_are_used_in_place(fresh_cache):
    voice = resolve("piper-en_US-joe-medium")
    assert (voice.path / "en_US-joe-medium.onnx").is_file()
    assert "site-packages" in str(voice.path) or "dist-packages" in str(voice.path)


def test_missing_package_names_the_pip_install():
    spec = ModelSpec(
        "ghost",
        "llm-gguf",
        "not installed",
        (ModelFile("x.bin", (PackagedPart("no-such-model-package", "x/x.bin", "0" * 64),), "0" * 64),),
    )
    with pytest.raises(ModelNotInstalled, match="pip install no-such-model-package"):
        materialize(spec)


def test_corrupt_file_is_refused(fresh_cache):
    good = REGISTRY["piper-en_US-joe-medium"].files[1]
    bad_part = replace(good.parts[0], sha256="f" * 64)
    spec = ModelSpec("tampered", "piper-voice", "bad hash", (replace(good, parts=(bad_part,), sha256="f" * 64),))
    with pytest.raises(ModelCorrupt, match="SHA-256"):
        materialize(spec)


def test_local_path_and_hub_id(tmp_path):
    assert resolve(str(tmp_path)).path == tmp_path.resolve()
    hub = resolve("Systran/faster-whisper-small")
    assert hub.hub_id == "Systran/faster-whisper-small" and hub.path is None
    with pytest.raises(ModelNotInstalled, match="unknown model"):
        resolve("definitely-not-a-model")


def test_multilingual_embedder_from_its_package():
    import numpy as np

    from models.embedder import load_embedder

    embedder = load_embedder()
    assert embedder is not None and embedder.dim == 384
    earbuds, spanish, tent = (embedder.query(t) for t in ("wireless earbuds", "auriculares inalámbricos", "tent"))
    assert abs(float(np.linalg.norm(earbuds)) - 1.0) < 1e-3
    assert float(earbuds @ spanish) > float(earbuds @ tent)
