"""Hot reload: the server watches its config file; a valid new file takes effect for the next turn of every
session, an invalid one is refused with the same report as `config check` and the running config stays.
It also watches the shop's product export (catalog.sync_from) and syncs the catalog when it changes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from assistant.config import AssistantConfig, ConfigError, load_config
from catalog.importers.errors import CatalogImportError
from catalog.importers.run import import_file
from catalog.store import CatalogStore

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


async def watch_catalog_export(store: CatalogStore, path: str | Path, interval_s: float = 30.0) -> None:
    """Sync the catalog from the shop's full export now and whenever the file changes; runs until cancelled.

    A file still being written is caught by its stamp changing again before the next look; a bad export is
    refused whole (the import is all-or-nothing) and the catalog keeps serving the last good one."""
    path = Path(path)
    seen: tuple[int, int] | None = None
    warned = False
    while True:
        stamp = _stamp(path)
        if stamp is None and not warned:
            log.warning("catalog export %s not found; will look again every %.0f s", path, interval_s)
            warned = True
        elif stamp is not None and stamp != seen:
            await asyncio.sleep(min(1.0, interval_s))  # let a writer finish
            if _stamp(path) == stamp:
                seen = stamp
                await asyncio.to_thread(_sync_once, store, path)
                continue
        await asyncio.sleep(interval_s)


def _sync_once(store: CatalogStore, path: Path) -> None:
    try:
        report = import_file(store, path, sync=True, progress=False)
    except CatalogImportError as exc:
        log.error("catalog export %s refused; still serving the previous catalog:\n%s", path, exc.report.summary())
    except (OSError, ValueError) as exc:
        log.error("catalog export %s could not be read (%s); still serving the previous catalog", path, exc)
    else:
        log.info("catalog synced from %s", report.summary())
