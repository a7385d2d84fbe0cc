"""Finding and loading model weights: the one place that knows where weights live."""

from models.registry import (
    DEFAULT_ASR_MODEL,
    DEFAULT_EMBEDDING,
    DEFAULT_KOKORO_MODEL,
    DEFAULT_LLM,
    DEFAULT_TTS_VOICE,
    REGISTRY,
    ModelSpec,
)
from models.resolve import (
    ModelCorrupt,
    ModelError,
    ModelNotInstalled,
    ResolvedModel,
    cache_dir,
    resolve,
)

__all__ = [
    "DEFAULT_ASR_MODEL",
    "DEFAULT_EMBEDDING",
    "DEFAULT_KOKORO_MODEL",
    "DEFAULT_LLM",
    "DEFAULT_TTS_VOICE",
    "REGISTRY",
    "ModelSpec",
    "ModelCorrupt",
    "ModelError",
    "ModelNotInstalled",
    "ResolvedModel",
    "cache_dir",
    "resolve",
]
