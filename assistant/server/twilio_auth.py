"""Only Twilio starts calls. Webhook requests carry Twilio's signature: X-Twilio-Signature, the base64
HMAC-SHA1 of the URL Twilio called plus the form's keys and values in key order, made with the account's
auth token. The media stream opens only with the one-time token that the webhook put into that call's TwiML.
`server.development: true` lifts both, for a laptop without a Twilio account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping

AUTH_TOKEN_ENV = "TWILIO_AUTH_TOKEN"


def auth_token(configured: str | None) -> str | None:
    return os.environ.get(AUTH_TOKEN_ENV) or configured


def signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """What Twilio sends as X-Twilio-Signature for a request to `url` with this form (GET: an empty form)."""
    payload = url + "".join(key + form[key] for key in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def signature_valid(token: str, url: str, form: Mapping[str, str], given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(signature(token, url, form).encode(), (given or "").encode())


class StreamTokens:
    """One-time tokens, each bound to the call it was issued for and good for `ttl_s`; at most `keep` wait
    at once, so a flood of webhook calls cannot grow memory."""

    def __init__(self, ttl_s: float = 120.0, keep: int = 10_000):
        self.ttl_s = ttl_s
        self.keep = keep
        self._issued: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def issue(self, call_sid: str) -> str:
        self._expire()
        token = secrets.token_urlsafe(24)
        self._issued[token] = (call_sid, time.monotonic() + self.ttl_s)
        while len(self._issued) > self.keep:
            self._issued.popitem(last=False)
        return token

    def redeem(self, token: str, call_sid: str) -> bool:
        """True once for a token issued for this call and not expired; the token is spent either way."""
        self._expire()
        found = self._issued.pop(token, None) if isinstance(token, str) else None
        return found is not None and hmac.compare_digest(found[0].encode(), str(call_sid).encode())

    def _expire(self) -> None:
        now = time.monotonic()
        while self._issued and next(iter(self._issued.values()))[1] < now:
            self._issued.popitem(last=False)
