"""uvicorn's HTTP protocol with a deadline for a request's headers: a client that opens a connection and sends
headers slowly (or never finishes them) is let go, instead of holding a socket and its memory for minutes."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0


def protocol_with_header_timeout(seconds: float = HEADER_TIMEOUT_S) -> type[H11Protocol]:
    class HeaderDeadlineProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._deadline = self.loop.call_later(seconds, self._headers_too_slow)

        def handle_events(self) -> None:
            super().handle_events()
            # Headers complete: a request cycle began, or the connection became a WebSocket.
            if self._deadline is not None and (self.cycle is not None or self.transport.get_protocol() is not self):
                self._deadline.cancel()
                self._deadline = None

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._deadline = None
            if self.cycle is None and self.transport.get_protocol() is self and not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadlineProtocol
