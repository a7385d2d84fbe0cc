"""The agent console: the page at /agent, its login, and its WebSocket (a live queue of handoffs; the opened
conversation's lines as they are said; accept, say a line to the shopper, hand back, close)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.agents.auth import AgentLogin
from assistant.agents.hub import AgentHub
from assistant.events import ConsoleKind, HubKind
from assistant.handoff import HandoffDesk
from assistant.records.store import HandoffConflict, StoreError
from assistant.transports.websocket import MAX_JSON_DEPTH, json_depth, to_json

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
_AUTH_TIMEOUT_S = 10.0
_MAX_MESSAGE = 4_096
_MAX_SAY_CHARS = 500
_FAILED_LOGINS = 5  # per address per minute, then 429
_QUEUE_SIZE = 100


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[\w .@+-]+$")
    password: str | None = Field(None, min_length=1, max_length=1024)
    token: str | None = Field(None, min_length=1, max_length=1024)


class Console:
    def __init__(self, login: AgentLogin, desk: HandoffDesk, hub: AgentHub):
        self.login = login
        self.desk = desk
        self.hub = hub
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/agent", include_in_schema=False)
        async def page() -> FileResponse:
            if not self.login.enabled:
                raise HTTPException(503, "the agent console is disabled: no agent token or accounts configured")
            return FileResponse(WEB_DIR / "agent.html", media_type="text/html")

        @router.post(
            "/agent/login",
            summary="An agent logs in (name and password, or the agent token): a console session token",
            responses={401: {"description": "wrong credentials"}, 429: {"description": "too many failed logins"}},
        )
        async def log_in(body: Login, request: Request) -> dict:
            if not self.login.enabled:
                raise HTTPException(503, "the agent console is disabled")
            client = request.client.host if request.client else "unknown"
            self._refuse_if_guessing(client)
            agent = await asyncio.to_thread(self._check, body)
            if agent is None:
                self._failures[client].append(time.monotonic())
                raise HTTPException(401, "wrong name, password or token")
            return {"agent": agent, "token": self.login.issue(agent)}

        @router.websocket("/agent/ws")
        async def live(websocket: WebSocket) -> None:
            await self.serve(websocket)

        return router

    def _check(self, body: Login) -> str | None:
        if body.token is not None:
            return (body.agent or "agent") if self.login.check_token(body.token) else None
        if body.agent and body.password and self.login.check_password(body.agent, body.password):
            return body.agent
        return None

    def _refuse_if_guessing(self, client: str) -> None:
        recent = self._failures[client]
        while recent and time.monotonic() - recent[0] > 60:
            recent.popleft()
        if len(recent) >= _FAILED_LOGINS:
            raise HTTPException(429, "too many failed logins; wait a minute")

    # ---- the live console --------------------------------------------------------------------------------------
    async def serve(self, websocket: WebSocket) -> None:
        origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
        await websocket.accept()
        if origin is not None and origin.split("://", 1)[-1] != host:
            await websocket.close(1008, "the console opens only from its own page")
            return
        agent = await self._authenticate(websocket)
        if agent is None:
            return
        view = _ConsoleView(self, websocket, agent)
        unsubscribe = self.hub.subscribe(view.on_hub)
        try:
            await view.run()
        finally:
            unsubscribe()
            view.close()

    async def _authenticate(self, websocket: WebSocket) -> str | None:
        try:
            message = _parse(await asyncio.wait_for(websocket.receive_text(), _AUTH_TIMEOUT_S))
        except (TimeoutError, WebSocketDisconnect, ValueError, KeyError):
            message = None
        token = str(message.get("token", "")) if message and message.get("type") == ConsoleKind.AUTH else ""
        agent = "agent" if token and self.login.check_token(token) else self.login.agent_of(token)
        if agent is None:
            await _close(websocket, 1008, "log in first")
        return agent


class _ConsoleView:
    """One agent's connection: what it shows, and what the agent does."""

    def __init__(self, console: Console, websocket: WebSocket, agent: str):
        self.console = console
        self.websocket = websocket
        self.agent = agent
        self.opened: str | None = None  # the conversation shown
        self._outbox: asyncio.Queue[dict | None] = asyncio.Queue(1000)

    async def run(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        try:
            self.send({"type": ConsoleKind.READY, "agent": self.agent})
            await self.send_queue()
            while True:
                text = await self.websocket.receive_text()
                try:
                    message = _parse(text)
                    await self.act(message)
                except (ValueError, KeyError, TypeError) as exc:
                    self.send({"type": ConsoleKind.ERROR, "message": f"bad message: {exc}"})
                except HandoffConflict as exc:
                    self.send({"type": ConsoleKind.ERROR, "message": str(exc)})
                except StoreError:
                    self.send(
                        {"type": ConsoleKind.ERROR, "message": "the conversation store is unavailable; try again"}
                    )
        except WebSocketDisconnect:
            pass
        finally:
            self._outbox.put_nowait(None)
            await asyncio.gather(sender, return_exceptions=True)

    def close(self) -> None:
        self.opened = None

    async def act(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        handoff_id = str(message.get("id", ""))[:64]
        desk, hub = self.console.desk, self.console.hub
        if kind == ConsoleKind.OPEN:
            record = await desk.get(handoff_id)
            if record is None:
                raise KeyError("no such handoff")
            self.opened = record.session
            self.send({"type": ConsoleKind.HANDOFF, "record": record.to_json()})
        elif kind == ConsoleKind.ACCEPT:
            record = await asyncio.to_thread(desk.store.accept, handoff_id, self.agent)
            await hub.publish({"kind": HubKind.QUEUE})
            self.opened = record.session
            self.send({"type": ConsoleKind.HANDOFF, "record": record.to_json()})
        elif kind == ConsoleKind.SAY:
            text = " ".join(str(message["text"]).split())[:_MAX_SAY_CHARS]
            record = await self._own(handoff_id)
            if text:
                await hub.publish({"kind": HubKind.SAY, "session": record.session, "text": text, "agent": self.agent})
        elif kind in (ConsoleKind.HAND_BACK, ConsoleKind.CLOSE):
            record = await self._own(handoff_id)
            await asyncio.to_thread(desk.store.close_handoff, handoff_id, self.agent)
            await hub.publish({"kind": HubKind(kind), "session": record.session, "agent": self.agent})
            await hub.publish({"kind": HubKind.QUEUE})
        else:
            raise ValueError(f"unknown type {kind!r}")

    async def _own(self, handoff_id: str) -> Any:
        record = await self.console.desk.get(handoff_id)
        if record is None:
            raise KeyError("no such handoff")
        if record.status != "accepted" or record.agent != self.agent:
            raise HandoffConflict(
                "accept the handoff first" if record.status == "waiting" else f"handoff is {record.status}"
            )
        return record

    async def send_queue(self) -> None:
        records = await self.console.desk.records(None, _QUEUE_SIZE)
        open_ones = [r for r in records if r.status != "closed"]
        self.send({"type": ConsoleKind.QUEUE, "handoffs": [_summary(r) for r in open_ones]})

    def on_hub(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == HubKind.QUEUE:
            task = asyncio.create_task(self.send_queue())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        elif kind == HubKind.LINE and message.get("session") == self.opened:
            self.send({"type": ConsoleKind.LINE, "session": self.opened, "line": message.get("line", {})})

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:  # an agent's browser that stopped reading: it reloads to catch up
            log.warning("agent console %s is not reading; a message was dropped", self.agent)

    async def _send_loop(self) -> None:
        while (message := await self._outbox.get()) is not None:
            await self.websocket.send_text(to_json(message))


def _summary(record: Any) -> dict[str, Any]:
    last = next((line.text for line in reversed(record.transcript) if line.role == "user"), "")
    return {
        "id": record.id,
        "session": record.session,
        "reason": record.reason,
        "channel": record.channel,
        "language": record.language,
        "status": record.status,
        "agent": record.agent,
        "created_at": record.created_at,
        "summary": record.summary,
        "last_said": last[:200],
    }


def _parse(text: str) -> dict[str, Any]:
    if len(text) > _MAX_MESSAGE or json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError("message too large or too deep")
    message = json.loads(text)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ValueError("a JSON object with a type")
    return message


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code, reason)
    except RuntimeError:  # already closed
        pass
