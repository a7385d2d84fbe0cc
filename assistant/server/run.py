"""Running the app under uvicorn: `voice-assistant serve`, and a background server for tests and load runs."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from assistant.server.header_timeout import HEADER_TIMEOUT_S, protocol_with_header_timeout

# uvicorn closes a connection whose single message exceeds this (code 1009); smaller oversized
# messages are refused one by one by the transports (WebSocketLimits).
WS_MAX_SIZE = 1 << 20


def uvicorn_config(
    app: FastAPI, host: str, port: int, log_level: str = "info", header_timeout_s: float = HEADER_TIMEOUT_S
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_with_header_timeout(header_timeout_s),
        ws="websockets-sansio",
        ws_max_size=WS_MAX_SIZE,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        log_level=log_level,
        lifespan="on",
    )


def serve(app: FastAPI, host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"voice assistant: open http://{shown}:{port}/ (phone webhook: /twilio/voice)", flush=True)
    uvicorn.Server(uvicorn_config(app, host, port)).run()


class BackgroundServer:
    """A real uvicorn server on loopback in a thread (tests, load runs)."""

    def __init__(
        self,
        app: FastAPI,
        host: str = "127.0.0.1",
        port: int | None = None,
        header_timeout_s: float = HEADER_TIMEOUT_S,
    ):
        self.host = host
        self.port = port or _free_port(host)
        config = uvicorn_config(app, self.host, self.port, log_level="warning", header_timeout_s=header_timeout_s)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
