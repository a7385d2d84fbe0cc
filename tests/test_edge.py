"""The server's edge: browser sockets only from allowed origins, caps on conversations at once (in all and per
client) with a close code and reason, a bounded webhook body, call parameters bounded and without control
characters, and a stream URL that request headers cannot redirect."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.config import AssistantConfig
from assistant.server.admission import POLICY_VIOLATION, TRY_AGAIN_LATER, Admission
from assistant.server.app import create_app
from assistant.server.twilio_auth import AUTH_TOKEN_ENV, StreamTokens, signature


@pytest.fixture(autouse=True)
def _no_twilio_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests choose themselves whether Twilio's auth token is set (the live server's tests set it)."""
    monkeypatch.delenv(AUTH_TOKEN_ENV, raising=False)


def _client(**server: object) -> TestClient:
    return TestClient(create_app(AssistantConfig.model_validate({"server": server})))


def _close_of(client: TestClient, path: str = "/ws", **headers: str) -> tuple[int, str]:
    """The close code and reason the server gives a new socket (1013 'still starting' when admitted: these
    tests load no models)."""
    try:
        with client.websocket_connect(path, headers=headers) as socket:
            socket.receive_text()
            socket.receive_text()
    except WebSocketDisconnect as closed:
        return closed.code, closed.reason
    raise AssertionError("the server did not close the socket")


def test_a_page_on_another_site_cannot_open_the_conversation() -> None:
    client = _client(allowed_origins=["https://partner.example"])
    assert _close_of(client, origin="https://evil.example") == (
        POLICY_VIOLATION,
        "this page's origin may not talk to the assistant",
    )
    assert _close_of(client, origin="https://partner.example")[0] == TRY_AGAIN_LATER  # admitted
    assert _close_of(client, origin="http://testserver")[0] == TRY_AGAIN_LATER  # the server's own page
    assert _close_of(client)[0] == TRY_AGAIN_LATER  # not a browser: no Origin, limited by the caps


def test_conversations_at_once_are_capped_per_client_and_in_all() -> None:
    admission = Admission(max_sessions=3, max_sessions_per_client=2, allowed_origins=[])
    assert admission.admit("10.0.0.1") is None and admission.admit("10.0.0.1") is None
    assert "per client" in (admission.admit("10.0.0.1") or "")
    assert admission.admit("10.0.0.2") is None
    assert "limit of 3" in (admission.admit("10.0.0.3") or "")
    admission.release("10.0.0.1")
    assert admission.admit("10.0.0.3") is None and admission.open_sessions == 3


def test_a_socket_over_the_cap_is_closed_with_try_again_later() -> None:
    app = create_app(AssistantConfig.model_validate({"server": {"max_sessions_per_client": 1}}))
    app.state.server.admission.admit("testclient")  # one conversation from this client is open
    code, reason = _close_of(TestClient(app))
    assert code == TRY_AGAIN_LATER and "per client" in reason
    app.state.server.admission.release("testclient")
    assert _close_of(TestClient(app), "/twilio/stream") == (TRY_AGAIN_LATER, "models are still loading")  # admitted
    assert app.state.server.admission.open_sessions == 0  # every closed socket gave its place back


def test_the_webhook_reads_no_more_than_64_kib() -> None:
    client = _client(development=True)
    answer = client.post(
        "/twilio/voice",
        content=b"From=" + b"1" * 100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413 and "65536" in answer.json()["detail"]


def test_call_parameters_are_bounded_and_printable() -> None:
    answer = _client(development=True).post(
        "/twilio/voice", data={"From": "+1555\n[forged] log line" + "9" * 500, "CallSid": "CA1"}
    )
    assert answer.status_code == 200
    assert "\n" not in answer.text and "9" * 129 not in answer.text and 'value="CA1"' in answer.text


@pytest.mark.parametrize(
    "server, headers, url",
    [
        ({}, {"x-forwarded-host": "evil.example", "x-forwarded-proto": "https"}, "ws://testserver/twilio/stream"),
        (
            {"public_url": "https://shop.example"},
            {"x-forwarded-host": "evil.example"},
            "wss://shop.example/twilio/stream",
        ),
        (
            {"trust_proxy_headers": True},
            {"x-forwarded-host": "shop.example", "x-forwarded-proto": "https"},
            "wss://shop.example/twilio/stream",
        ),
    ],
)
def test_the_stream_url_comes_from_config_not_from_whoever_sends_headers(server, headers, url) -> None:
    answer = _client(development=True, **server).post("/twilio/voice", data={"CallSid": "CA1"}, headers=headers)
    assert f'url="{url}"' in answer.text


def test_a_bad_public_url_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="public_url"):
        AssistantConfig.model_validate({"server": {"public_url": "shop.example/path"}})


def test_without_twilios_auth_token_the_phone_line_is_off_unless_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AUTH_TOKEN_ENV, raising=False)
    answer = _client().post("/twilio/voice", data={"CallSid": "CA1"})
    assert answer.status_code == 503 and AUTH_TOKEN_ENV in answer.json()["detail"]
    assert _client(development=True).post("/twilio/voice", data={"CallSid": "CA1"}).status_code == 200


def test_a_signed_webhook_is_answered_and_a_forged_one_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTH_TOKEN_ENV, "an-account-auth-token")
    client = _client(public_url="https://shop.example")
    form = {"CallSid": "CA7", "From": "+15550001111"}
    good = signature("an-account-auth-token", "https://shop.example/twilio/voice", form)
    assert client.post("/twilio/voice", data=form, headers={"X-Twilio-Signature": good}).status_code == 200
    assert client.post("/twilio/voice", data=form).status_code == 403
    assert (
        client.post("/twilio/voice", data=form | {"From": "+1"}, headers={"X-Twilio-Signature": good}).status_code
        == 403
    )
    other = signature("another-account", "https://shop.example/twilio/voice", form)
    assert client.post("/twilio/voice", data=form, headers={"X-Twilio-Signature": other}).status_code == 403


def test_a_stream_token_opens_one_stream_of_its_own_call_only() -> None:
    tokens = StreamTokens(ttl_s=60)
    first, second = tokens.issue("CA1"), tokens.issue("CA2")
    assert not tokens.redeem(first, "CA2")  # another call's token: refused, and spent
    assert not tokens.redeem(first, "CA1")
    assert tokens.redeem(second, "CA2") and not tokens.redeem(second, "CA2")  # once
    assert not tokens.redeem("made-up", "CA3") and not tokens.redeem(None, "CA3")  # type: ignore[arg-type]
    expired = StreamTokens(ttl_s=-1)
    assert not expired.redeem(expired.issue("CA4"), "CA4")
    bounded = StreamTokens(keep=3)
    for n in range(10):
        bounded.issue(f"CA{n}")
    assert len(bounded._issued) == 3


def test_a_phone_stream_without_the_webhooks_token_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.transports.outbox import ClientGone
    from assistant.transports.twilio import TwilioTransport

    tokens = StreamTokens()
    transport = TwilioTransport(_NoSocket(), "s1")
    transport.admit_call = tokens.redeem
    start = {"event": "start", "start": {"streamSid": "MZ1", "callSid": "CA9", "customParameters": {"from": "+1"}}}
    with pytest.raises(ClientGone, match="token is missing"):
        transport._start(start)
    token = tokens.issue("CA9")
    start["start"]["customParameters"] = {"from": "+1", "token": token}
    transport._start(start)
    assert transport.call == {"callSid": "CA9", "from": "+1"}  # the token is not kept with the call


class _NoSocket:
    """A transport's socket that is never used in these checks."""


def test_a_json_nesting_bomb_is_refused_before_parsing() -> None:
    from assistant.transports.browser import BrowserTransport
    from assistant.transports.websocket import MAX_JSON_DEPTH, json_depth

    assert json_depth('{"a": [1, {"b": "[[[[ in a string"}]}') == 3
    transport = BrowserTransport(_NoSocket(), "s1")
    codes: list[str] = []
    transport.on_bad_input = codes.append
    for depth in (MAX_JSON_DEPTH + 1, 600, 100_000 // 2):
        assert transport._parse_json("[" * depth + "]" * depth) is None
    assert codes == ["bad_json"] * 3
    assert transport._parse_json('{"type": "bye"}') == {"type": "bye"}


def test_a_client_that_falls_silent_is_let_go() -> None:
    import asyncio

    from assistant.transports.browser import BrowserTransport
    from assistant.transports.outbox import ClientGone
    from assistant.transports.websocket import WebSocketLimits

    class Silent:
        async def receive(self) -> dict:
            await asyncio.sleep(3600)
            return {}

    transport = BrowserTransport(Silent(), "s1", WebSocketLimits(idle_s=0.05))
    with pytest.raises(ClientGone, match="nothing received for 0.05 s"):
        asyncio.run(transport._receive())
    assert WebSocketLimits().idle_s == 300  # a page left open with the mic off keeps its place 5 minutes


def test_a_client_that_never_finishes_its_headers_is_let_go() -> None:
    import socket
    import time

    from fastapi import FastAPI

    from assistant.server.run import BackgroundServer

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict:
        return {"ok": True}

    with BackgroundServer(app, header_timeout_s=1.0) as server:
        slow = socket.create_connection((server.host, server.port))
        slow.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        slow.settimeout(10)
        started = time.monotonic()
        assert slow.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5
        slow.close()
        # A complete request on a kept-alive connection is not cut by the deadline.
        kept = socket.create_connection((server.host, server.port))
        kept.settimeout(10)
        for pause in (0.0, 1.5):
            time.sleep(pause)
            kept.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b'{"ok":true}' not in answer and (chunk := kept.recv(4096)):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer
        kept.close()
