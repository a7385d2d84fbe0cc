"""Who may act as an agent: accounts with scrypt-hashed passwords or the agent token, checked in constant time,
and the signed, expiring session tokens the console gets at login."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time

from assistant.config import AssistantConfig

SECRET_ENV = "VOICE_ASSISTANT_CONSOLE_SECRET"
SESSION_S = 8 * 3600  # one working shift
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44  # an unknown name costs one hash too


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def password_matches(stored: str, password: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        given = hashlib.scrypt(
            password.encode()[:1024], salt=base64.b64decode(salt), dklen=len(expected), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:  # a malformed hash in the config: never a match
        return False
    return hmac.compare_digest(given, expected)


class AgentLogin:
    """Checks credentials and issues console session tokens: `<base64 {agent, expiry}>.<hmac>`."""

    def __init__(self, config: AssistantConfig, agent_token: str | None):
        self.accounts = dict(config.server.agent_accounts)
        self.agent_token = agent_token
        secret = os.environ.get(SECRET_ENV) or config.server.console_secret
        # Without a configured secret: derived from the agent token (shared by every worker that has it), else
        # a random key (logins then hold on this worker only, until it restarts).
        if secret:
            self._key = secret.encode()
        elif agent_token:
            self._key = hmac.new(agent_token.encode(), b"voice-assistant console sessions", hashlib.sha256).digest()
        else:
            self._key = secrets.token_bytes(32)

    @property
    def enabled(self) -> bool:
        return bool(self.accounts or self.agent_token)

    def check_password(self, agent: str, password: str) -> bool:
        stored = self.accounts.get(agent)
        matched = password_matches(stored or _DUMMY, password)
        return stored is not None and matched

    def check_token(self, token: str) -> bool:
        return self.agent_token is not None and hmac.compare_digest(token.encode(), self.agent_token.encode())

    def issue(self, agent: str, now: float | None = None) -> str:
        claims = json.dumps({"a": agent, "e": int((now or time.time()) + SESSION_S)}, separators=(",", ":"))
        body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
        return f"{body}.{self._sign(body)}"

    def agent_of(self, session_token: str, now: float | None = None) -> str | None:
        """The agent a console session token belongs to, or None (forged, malformed or expired)."""
        body, _, signature = session_token.partition(".")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            agent, expiry = str(claims["a"]), float(claims["e"])
        except (ValueError, KeyError, TypeError):
            return None
        return agent if expiry > (now or time.time()) else None

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
