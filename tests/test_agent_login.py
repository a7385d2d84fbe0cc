"""Agents log in to the console (hashed passwords or the agent token), get expiring signed sessions, and follow
the queue over a WebSocket that refuses strangers; with PostgreSQL, LISTEN/NOTIFY carries the console's messages
between worker processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.agents.auth import SESSION_S, AgentLogin, hash_password, password_matches
from assistant.agents.hub import PostgresHub, hub_for
from assistant.config import AssistantConfig
from assistant.handoff import HandoffRecord, TranscriptLine
from assistant.records.store import URL_ENV
from assistant.server.agent_auth import TOKEN_ENV
from assistant.server.app import create_app

TOKEN = "agent-token-for-login-tests-0001"
PASSWORD = "correct horse battery"


def _config(**server) -> AssistantConfig:
    return AssistantConfig.model_validate({"server": server})


def test_passwords_are_hashed_and_checked() -> None:
    stored = hash_password(PASSWORD)
    assert PASSWORD not in stored and stored.startswith("scrypt$")
    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD + "!")
    assert not password_matches("not a hash", PASSWORD) and not password_matches("md5$x$y$z$a$b", PASSWORD)
    assert hash_password(PASSWORD) != stored  # salted


def test_session_tokens_expire_and_cannot_be_forged() -> None:
    login = AgentLogin(_config(agent_accounts={"ann": hash_password(PASSWORD)}), None)
    token = login.issue("ann", now=1000.0)
    assert login.agent_of(token, now=1001.0) == "ann"
    assert login.agent_of(token, now=1000.0 + SESSION_S + 1) is None
    body, signature = token.split(".")
    assert login.agent_of(f"{body}.{'0' * len(signature)}", now=1001.0) is None
    assert login.agent_of("", now=1001.0) is None and login.agent_of("...", now=1001.0) is None
    other = AgentLogin(_config(agent_accounts={"ann": hash_password(PASSWORD)}), None)
    assert other.agent_of(token, now=1001.0) is None  # another process's random key: set console_secret
    shared = {"console_secret": "s" * 32}
    assert AgentLogin(_config(**shared), None).agent_of(AgentLogin(_config(**shared), None).issue("bo")) == "bo"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path}/conversations.db")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return create_app(_config(agent_accounts={"ann": hash_password(PASSWORD)}))


def test_login_with_a_password_or_the_token_and_nothing_else(app) -> None:
    client = TestClient(app)
    assert client.get("/agent").status_code == 200
    session = client.post("/agent/login", json={"agent": "ann", "password": PASSWORD})
    assert session.status_code == 200 and session.json()["agent"] == "ann"
    assert client.post("/agent/login", json={"token": TOKEN}).json()["agent"] == "agent"
    # The session token opens the REST API too, acting as its agent.
    bearer = {"Authorization": f"Bearer {session.json()['token']}"}
    assert client.get("/api/handoffs", headers=bearer).status_code == 200
    for bad in ({"agent": "ann", "password": "wrong"}, {"agent": "nobody", "password": PASSWORD}, {"token": "x" * 20}):
        assert client.post("/agent/login", json=bad).status_code == 401, bad
    for malformed in ({"agent": "ann\nx", "password": "p"}, {"password": "p" * 2000}, {"extra": 1}, [1]):
        assert client.post("/agent/login", json=malformed).status_code == 422, malformed
    client.post("/agent/login", json={"agent": "ann", "password": "wrong"})
    client.post("/agent/login", json={"agent": "ann", "password": "wrong"})
    guessing = client.post("/agent/login", json={"agent": "ann", "password": PASSWORD})
    assert guessing.status_code == 429  # five failures a minute from one address


def test_the_console_is_off_without_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path}/conversations.db")
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    client = TestClient(create_app(AssistantConfig()))
    assert client.get("/agent").status_code == 503
    assert client.post("/agent/login", json={"token": TOKEN}).status_code == 503


def test_the_console_socket_refuses_strangers_and_follows_the_queue(app) -> None:
    client = TestClient(app)
    with client.websocket_connect("/agent/ws") as ws:
        ws.send_json({"type": "auth", "token": "forged.token"})
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()
        assert refused.value.code == 1008
    with client.websocket_connect("/agent/ws", headers={"origin": "https://evil.example"}) as ws:
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()
        assert refused.value.code == 1008
    token = client.post("/agent/login", json={"agent": "ann", "password": PASSWORD}).json()["token"]
    line = TranscriptLine("user", "Je voudrais parler à quelqu'un. Ma carte est 4111 1111 1111 1111", "fr", 1.0)
    filed = app.state.server.desk.add(
        HandoffRecord(session="s-fr", channel="phone", reason="dtmf 0", language="fr", transcript=(line,), products=())
    )
    with client.websocket_connect("/agent/ws") as ws:
        ws.send_json({"type": "auth", "token": token})
        assert ws.receive_json() == {"type": "ready", "agent": "ann"}
        [waiting] = ws.receive_json()["handoffs"]
        assert waiting["id"] == filed.id and "4111" not in waiting["last_said"]
        ws.send_json({"type": "say", "id": filed.id, "text": "Bonjour"})
        assert "accept" in ws.receive_json()["message"]  # not before accepting
        ws.send_json({"type": "accept", "id": filed.id})
        accepted = ws.receive_json()
        assert accepted["type"] == "handoff" and accepted["record"]["agent"] == "ann"
        ws.send_json({"type": "nonsense"})
        assert ws.receive_json()["type"] in ("error", "queue")
        ws.send_text("[" * 5000)
        assert any(ws.receive_json()["type"] == "error" for _ in range(2))


def test_listen_notify_carries_messages_between_workers(postgres_url: str) -> None:
    assert type(hub_for("sqlite:///x.db")).__name__ == "AgentHub"
    assert isinstance(hub_for(postgres_url), PostgresHub)

    async def two_workers() -> list[dict]:
        first, second = hub_for(postgres_url), hub_for(postgres_url)
        await first.start()
        await second.start()
        got: list[dict] = []
        second.subscribe(got.append)
        await first.publish({"kind": "line", "session": "s1", "line": {"role": "user", "text": "x" * 20_000}})
        await first.publish({"kind": "queue"})
        for _ in range(100):
            if len(got) == 2:
                break
            await asyncio.sleep(0.05)
        await first.close()
        await second.close()
        return got

    line, queued = asyncio.run(two_workers())
    assert line["session"] == "s1" and len(line["line"]["text"]) < 2000  # bounded under NOTIFY's 8,000 bytes
    assert queued == {"kind": "queue"}


def test_hash_password_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "agents", "hash-password"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and password_matches(done.stdout.strip(), PASSWORD)
    short = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "agents", "hash-password"],
        input="short\n",
        capture_output=True,
        text=True,
    )
    assert short.returncode == 1 and "10 characters" in short.stderr
