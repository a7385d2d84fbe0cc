"""The server over real sockets: its endpoints, readiness, and handoffs to a person.
Real models, real uvicorn, real speech (Piper)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from xml.etree import ElementTree

import httpx
import websockets
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed

from assistant.callers import dial
from assistant.server.twilio_auth import signature
from tests.conftest import AGENT_TOKEN, TWILIO_TOKEN
from tests.wire import (
    BROWSER_FRAME,
    CONNECTED,
    PHONE_SILENCE,
    SHOES,
    STOP,
    active,
    browser_frames,
    closed,
    metric,
    next_event,
    of_type,
    speech_16k,
    talk,
    twilio_start,
    wait_for,
    words,
    ws_url,
)

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}  # the live server's handoff API token


# ---- plain HTTP -----------------------------------------------------------------------------------
def test_health_ready_metrics_and_docs(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}

        assert http.get("/metrics").status_code == 401  # the agent token, unless metrics_public
        metrics = http.get("/metrics", headers=AGENT)
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        for name, kind in [
            ("va_sessions_active", "gauge"),
            ("va_sessions", "counter"),
            ("va_turns", "counter"),
            ("va_turn_latency_seconds", "histogram"),
            ("va_barge_ins", "counter"),
            ("va_handoffs", "counter"),
            ("va_errors", "counter"),
        ]:
            assert name in families and families[name].type == kind, name
        gauges = {s.labels["channel"] for s in families["va_sessions_active"].samples}
        assert gauges == {"browser", "phone"}  # zeros shown from the start

        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        docs = http.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        spec = http.get("/openapi.json").json()
        assert {"/healthz", "/readyz", "/metrics", "/api/handoffs", "/twilio/voice"} <= set(spec["paths"])
        operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
        assert len(operation_ids) == len(set(operation_ids))  # client generators need them unique


def test_twilio_webhook_connects_the_call_to_the_stream(live_server):
    port = live_server.rsplit(":", 1)[1]
    form = {"From": "+15551230000", "To": "+15559870000", "CallSid": "CA42", "AccountSid": "AC1"}
    url = f"{live_server}/twilio/voice"
    signed = {"X-Twilio-Signature": signature(TWILIO_TOKEN, url, form)}
    query = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in form.items())
    with httpx.Client(base_url=live_server, timeout=10) as http:
        plain = http.post("/twilio/voice", data=form, headers=signed)
        # uvicorn takes X-Forwarded-Proto from a proxy on loopback: Twilio then called (and signed) https
        https_signed = {"X-Twilio-Signature": signature(TWILIO_TOKEN, url.replace("http:", "https:"), form)}
        proxied = http.post("/twilio/voice", data=form, headers=https_signed | {"X-Forwarded-Proto": "https"})
        by_get = http.get(  # a number may be set to GET its webhook: the query is part of the signed URL
            f"/twilio/voice?{query}", headers={"X-Twilio-Signature": signature(TWILIO_TOKEN, f"{url}?{query}", {})}
        )
        unsigned = http.post("/twilio/voice", data=form)
        forged = http.post("/twilio/voice", data=form | {"From": "+10000000000"}, headers=signed)
    assert unsigned.status_code == forged.status_code == 403
    for response, scheme in [(plain, "ws"), (proxied, "wss"), (by_get, "ws")]:
        assert response.status_code == 200, (response.request.method, str(response.request.url), response.text)
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert root.tag == "Response"
        stream = root.find("./Connect/Stream")
        assert stream is not None
        assert stream.get("url") == f"{scheme}://127.0.0.1:{port}/twilio/stream"
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        token = parameters.pop("token")
        assert parameters == {"from": "+15551230000", "to": "+15559870000", "callSid": "CA42"} and len(token) >= 32


# ---- while the models load ------------------------------------------------------------------------
def test_not_ready_while_the_models_load(config):
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    server = BackgroundServer(create_app(config))  # no engines: it loads them in the background

    async def refused(path: str) -> tuple[list[str], ConnectionClosed]:
        async with websockets.connect(ws_url(server.url, path)) as ws:
            messages = []
            try:
                while True:
                    messages.append(await asyncio.wait_for(ws.recv(), 10))
            except ConnectionClosed as exc:
                return messages, exc

    with server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            ready = http.get("/readyz")
            assert http.get("/healthz").status_code == 200  # up while loading
        assert ready.status_code == 503 and ready.json() == {"status": "loading"}

        messages, close = asyncio.run(refused("/ws"))
        assert [json.loads(m)["code"] for m in messages] == ["not_ready"]
        assert close.rcvd is not None and close.rcvd.code == 1013
        messages, close = asyncio.run(refused("/twilio/stream"))
        assert messages == [] and close.rcvd.code == 1013
        assert httpx.get(f"{server.url}/readyz").status_code == 503  # still loading as we leave
    # Leaving the server while the load thread still runs must not hang (nor leave uvicorn running).
    assert not server.thread.is_alive()
    for thread in threading.enumerate():  # the abandoned load ends on its own; not while the next tests run
        if thread.name == "model-load":
            thread.join(300)


# ---- handoff to a person --------------------------------------------------------------------------
def test_browser_handoff_button(live_server, say):
    pcm = speech_16k(say, SHOES)
    before = metric(live_server, "va_handoffs_total", channel="browser", reason="button")

    async def main():
        async with websockets.connect(ws_url(live_server, "/ws")) as ws:
            session = (await next_event(ws, of_type("ready")))["session"]
            mic = asyncio.create_task(talk(ws.send, browser_frames(pcm), b"\x00" * BROWSER_FRAME))
            seen: list[dict] = []
            try:
                await next_event(ws, of_type("reply"), seen=seen)
                heard = next(e["text"] for e in seen if e["type"] == "transcript")
                shown = [p["id"] for p in next(e for e in seen if e["type"] == "reply")["products"]]
                await ws.send(json.dumps({"type": "handoff"}))
                handed_off = {"type": "state", "state": "handed_off"}
                await next_event(
                    ws, lambda e: any(x["type"] == "handoff" for x in seen) and handed_off in seen, seen=seen
                )
                handoff = next(e for e in seen if e["type"] == "handoff")
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            await ws.send(json.dumps({"type": "bye"}))
            await closed(ws)
            return session, handoff, heard, shown

    session, handoff, heard, shown = asyncio.run(main())
    assert handoff["reason"] == "button" and handoff["language"] == "en"
    records = [r for r in httpx.get(f"{live_server}/api/handoffs", headers=AGENT).json() if r["session"] == session]
    assert len(records) == 1
    record = records[0]
    assert record["channel"] == "browser" and record["reason"] == "button"
    user = [line["text"] for line in record["transcript"] if line["role"] == "user"]
    assert user == [heard] and "running shoes" in words(heard)
    assert record["transcript"][-1]["role"] == "assistant"  # what the shopper is told: a person takes over
    assert [line["text"] for line in handoff["transcript"]] == [line["text"] for line in record["transcript"]]
    assert record["products"] == shown  # the products the shopper was shown
    # The agent's note: the template's (this server runs without a language model).
    assert record["summary_by"] == "template" and "button" in record["summary"] and heard in record["summary"]
    assert metric(live_server, "va_handoffs_total", channel="browser", reason="button") == before + 1
    # An agent takes it over the API, and the transcript exports as the store has it.
    one = f"{live_server}/api/handoffs/{record['id']}"
    accepted = httpx.post(f"{one}/accept", json={"agent": "ann"}, headers=AGENT).json()
    assert accepted["status"] == "accepted" and accepted["agent"] == "ann"
    assert httpx.post(f"{one}/accept", json={"agent": "bob"}, headers=AGENT).status_code == 409
    assert httpx.get(f"{one}/export", headers=AGENT).json()["transcript"] == record["transcript"]


def test_phone_handoff_on_zero(live_server):
    call_sid = f"CA{time.monotonic_ns()}"
    before = metric(live_server, "va_handoffs_total", channel="phone", reason="dtmf 0")
    parameters = dial(live_server, call_sid, caller="+15557654321") | {"shopper": "42"}

    async def main():
        async with websockets.connect(ws_url(live_server, "/twilio/stream")) as ws:
            await ws.send(CONNECTED)
            await ws.send(twilio_start("MZzero", call_sid, parameters))
            mic = asyncio.create_task(talk(ws.send, [], PHONE_SILENCE))
            try:
                await ws.send(json.dumps({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "5"}}))
                await ws.send(json.dumps({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "0"}}))
                media = await next_event(ws, lambda e: e.get("event") == "media")  # "a person will take over"
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            await ws.send(STOP)
            await closed(ws)
            return media

    media = asyncio.run(main())
    assert media["streamSid"] == "MZzero"
    records = [
        r
        for r in httpx.get(f"{live_server}/api/handoffs", headers=AGENT).json()
        if r["caller"].get("callSid") == call_sid
    ]
    assert len(records) == 1  # "5" asked for nothing
    record = records[0]
    assert record["channel"] == "phone" and record["reason"] == "dtmf 0"
    assert record["caller"] == {"callSid": call_sid} | {k: v for k, v in parameters.items() if k != "token"}
    assert [line["role"] for line in record["transcript"]] == ["assistant"]  # "a person will take over"
    assert metric(live_server, "va_handoffs_total", channel="phone", reason="dtmf 0") == before + 1
    wait_for(lambda: active(live_server, "phone") == 0, what="the call to end")
