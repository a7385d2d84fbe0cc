"""Announces each new handoff to the shop's webhook: JSON, HMAC-SHA256 signed, retried with backoff from the
store, so a webhook that is down (or a worker that dies) never loses one. Several workers may run this: a
delivery is claimed for a while before it is sent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Callable

import httpx

from assistant.config import HandoffSettings
from assistant.records.store import ConversationStore

log = logging.getLogger(__name__)
SECRET_ENV = "VOICE_ASSISTANT_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Assistant-Signature"  # "sha256=" + hex HMAC of "<timestamp>.<body>"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"  # unix seconds: a receiver refuses old ones (replays)
_LEASE_S = 60.0  # a claimed delivery another worker may take over if this one dies mid-send
_TIMEOUT_S = 10.0
_MAX_BACKOFF_S = 600.0


def webhook_secret(settings: HandoffSettings) -> str | None:
    return os.environ.get(SECRET_ENV) or settings.webhook_secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_s(attempts: int) -> float:
    """2 s, 4 s, 8 s … at most 10 minutes between tries."""
    return min(2.0**attempts, _MAX_BACKOFF_S)


class WebhookSender:
    def __init__(
        self,
        store: ConversationStore,
        url: str,
        secret: str,
        attempts: int,
        poll_s: float = 1.0,
        backoff: Callable[[int], float] = backoff_s,
    ):
        self.store = store
        self.backoff = backoff
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.poll_s = poll_s

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=_TIMEOUT_S, follow_redirects=False) as client:
            while True:
                try:
                    await self.send_due(client)
                except Exception as exc:  # the store is unreachable: try again at the next poll
                    log.error("handoff webhook: %s", exc)
                await asyncio.sleep(self.poll_s)

    async def send_due(self, client: httpx.AsyncClient) -> int:
        claimed = await asyncio.to_thread(self.store.claim_deliveries, time.time(), _LEASE_S)
        for handoff_id in claimed:
            await self._send(client, handoff_id)
        return len(claimed)

    async def _send(self, client: httpx.AsyncClient, handoff_id: str) -> None:
        record = await asyncio.to_thread(self.store.handoff, handoff_id)
        if record is None:
            return
        body = json.dumps({"event": "handoff.created", "handoff": record.to_json()}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            "X-Assistant-Delivery": handoff_id,
        }
        error = None
        try:
            response = await client.post(self.url, content=body, headers=headers)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        attempts = await asyncio.to_thread(self.store.attempts, handoff_id) + 1
        retry_at = time.time() + self.backoff(attempts) if error and attempts < self.attempts else None
        await asyncio.to_thread(self.store.delivery_done, handoff_id, error, retry_at)
        if error:
            then = "retrying" if retry_at else "given up"
            log.warning("handoff webhook for %s failed (attempt %d): %s; %s", handoff_id, attempts, error, then)
