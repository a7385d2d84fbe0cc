"""Hot reload: the server watches its config file; a valid new file takes effect for the next turn of every
session, an invalid one is refused with the same report as `config check` and the running config stays."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from assistant.config import AssistantConfig, ConfigError, load_config

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


async def watch_config(path: str | Path, apply: Callable[[AssistantConfig], None], interval_s: float = 1.0) -> None:
    """Poll the file (no extra dependency, works on every filesystem); runs until cancelled."""
    path = Path(path)
    seen = _stamp(path)
    while True:
        await asyncio.sleep(interval_s)
        stamp = _stamp(path)
        if stamp == seen or stamp is None:
            continue
        seen = stamp
        try:
            config = await asyncio.to_thread(load_config, path)
        except ConfigError as exc:
            log.error("config %s changed but is invalid; still serving the previous config:\n%s", path, exc)
            continue
        try:
            await asyncio.to_thread(apply, config)
        except Exception:  # a reload must never take the server down
            log.exception("could not apply the new config from %s; still serving the previous one", path)
            continue
        log.info("config %s reloaded: the next turn of every session uses it", path)
