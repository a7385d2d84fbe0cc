"""Conversations are kept for the configured number of days, then deleted with their lines and handoffs."""

from __future__ import annotations

import asyncio
import logging
import time

from assistant.records.store import ConversationStore, StoreError

log = logging.getLogger(__name__)
_EVERY_S = 6 * 3600.0


def purge_older_than(store: ConversationStore, days: float) -> int:
    return store.purge(time.time() - days * 86_400)


async def purge_old_conversations(store: ConversationStore, days: float) -> None:
    """`serve`'s retention: at start and every six hours. 0 days keeps everything."""
    if days <= 0:
        return
    while True:
        try:
            gone = await asyncio.to_thread(purge_older_than, store, days)
            if gone:
                log.info("deleted %d conversations older than %g days", gone, days)
        except StoreError as exc:
            log.error("retention purge failed: %s", exc)
        await asyncio.sleep(_EVERY_S)
