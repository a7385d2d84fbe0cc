"""Messages between agents' consoles and shoppers' sessions: the queue changed, a line was said, an agent's
line to speak, hand back, close. In one process a local fan-out; with a PostgreSQL store, LISTEN/NOTIFY, so
a console connected to one server worker follows (and talks to) a conversation held by another."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
CHANNEL = "voice_assistant_agents"
_MAX_PAYLOAD = 7_000  # PostgreSQL refuses a NOTIFY payload over 8,000 bytes
_MAX_LINE_CHARS = 1_000  # a line shown live is cut here; the store keeps it whole

Subscriber = Callable[[dict[str, Any]], None]


class AgentHub:
    """The in-process hub: every subscriber of this process gets every message."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._sending: set[asyncio.Task] = set()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.add(subscriber)
        return lambda: self._subscribers.discard(subscriber)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        for task in list(self._sending):
            task.cancel()

    async def publish(self, message: dict[str, Any]) -> None:
        self._deliver(message)

    def publish_soon(self, message: dict[str, Any]) -> None:
        """From a synchronous callback (a session's event): sent from a task, in order per process."""
        task = asyncio.create_task(self.publish(_bounded(message)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def _deliver(self, message: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(message)
            except Exception:  # one console's failure must not keep the message from the others
                log.exception("agent hub subscriber failed")


class PostgresHub(AgentHub):
    """Fan-out through PostgreSQL's LISTEN/NOTIFY: what any worker publishes, every worker delivers."""

    def __init__(self, conninfo: str):
        super().__init__()
        self.conninfo = conninfo
        self._sender: Any = None
        self._send_lock = asyncio.Lock()
        self._listener: asyncio.Task | None = None
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())
        await asyncio.wait_for(self.listening.wait(), 30)

    async def close(self) -> None:
        await super().close()
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._sender is not None:
            await self._sender.close()

    async def publish(self, message: dict[str, Any]) -> None:
        import psycopg

        payload = json.dumps(_bounded(message), ensure_ascii=False)
        async with self._send_lock:
            for attempt in range(2):  # a dropped connection: reconnect once
                try:
                    if self._sender is None or self._sender.closed:
                        self._sender = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                    await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.OperationalError as exc:
                    self._sender = None
                    if attempt:
                        log.error("agent hub: cannot publish: %s", exc)

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    async for notice in connection.notifies():
                        try:
                            self._deliver(json.loads(notice.payload))
                        except ValueError:
                            log.warning("agent hub: a message that is not JSON was ignored")
            except psycopg.OperationalError as exc:
                log.error("agent hub: listening connection lost (%s); reconnecting", exc)
                await asyncio.sleep(2.0)


def _bounded(message: dict[str, Any]) -> dict[str, Any]:
    line = message.get("line")
    if isinstance(line, dict) and len(str(line.get("text", ""))) > _MAX_LINE_CHARS:
        message = message | {"line": line | {"text": str(line["text"])[:_MAX_LINE_CHARS] + "…"}}
    if len(json.dumps(message, ensure_ascii=False).encode()) > _MAX_PAYLOAD:
        message = {key: value for key, value in message.items() if key != "line"} | {"truncated": True}
    return message


def hub_for(store_url: str) -> AgentHub:
    """LISTEN/NOTIFY when the store is PostgreSQL (the workers share it), else in-process."""
    from sqlalchemy.engine import make_url

    url = make_url(store_url)
    if url.get_backend_name() != "postgresql":
        return AgentHub()
    return PostgresHub(url.set(drivername="postgresql").render_as_string(hide_password=False))
