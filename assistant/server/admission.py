"""Who may open a conversation: browser sockets only from the shop's own page or an allowed origin, and at
most so many conversations at once, in all and per client address. A refusal closes the socket with a code
and a reason the client can show, before any model time is spent."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

POLICY_VIOLATION = 1008  # WebSocket close code: the origin is not allowed
TRY_AGAIN_LATER = 1013  # WebSocket close code: too many conversations right now


class Admission:
    def __init__(self, max_sessions: int, max_sessions_per_client: int, allowed_origins: list[str]):
        self.max_sessions = max_sessions
        self.max_sessions_per_client = max_sessions_per_client
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}
        self._open: Counter[str] = Counter()

    @property
    def open_sessions(self) -> int:
        return sum(self._open.values())

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """A page on another site may not talk to the shop's assistant in its shoppers' browsers. Clients that
        are not browsers send no Origin (and could send any): they are limited by the caps, not by this."""
        if not origin:
            return True
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins or "*" in self.allowed_origins:
            return True
        return bool(host) and urlsplit(origin).netloc == host.lower()

    def admit(self, client: str) -> str | None:
        """None when the conversation may start (counted until `release`), else why not."""
        if self.open_sessions >= self.max_sessions:
            return f"the assistant is at its limit of {self.max_sessions} conversations; try again soon"
        if self._open[client] >= self.max_sessions_per_client:
            return f"at most {self.max_sessions_per_client} conversations per client at once"
        self._open[client] += 1
        return None

    def release(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]
