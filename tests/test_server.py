"""The server over real sockets: its endpoints, bad input on both WebSockets, clients that vanish or stop
reading, and handoffs to a person. Real models, real uvicorn, real speech (Piper)."""

from __future__ import annotations

import asyncio
import base64
import gc
import tracemalloc
import json
import logging
import re
import socket
import threading
import time
from xml.etree import ElementTree

import httpx
import numpy as np
import pytest
import soxr
import websockets
from prometheus_client.parser import text_string_to_metric_families
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.uri import parse_uri

from assistant.callers import BrowserCaller
from assistant.transports import mulaw
from tests.conftest import load_16k

LONG = "Do you have running shoes?"  # a long reply: three products, ~10 s of speech in four clauses
SHOES = "How much are the TrailRunner running shoes?"  # a short reply
FRAME_S = 0.02
BROWSER_FRAME = 640  # bytes of 16 kHz int16 in 20 ms
LEAD_IN = 25  # frames of room silence before the shopper speaks (0.5 s), as a microphone opens


# ---- helpers --------------------------------------------------------------------------------------
def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


def metric(base: str, name: str, **labels: str) -> float:
    """One sample of the server's /metrics (0 when the labelled series does not exist yet)."""
    text = httpx.get(f"{base}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def wait_for(predicate, timeout_s: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def await_for(predicate, timeout_s: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def active(base: str, channel: str) -> float:
    return metric(base, "va_sessions_active", channel=channel)


def errors(base: str, channel: str, kind: str) -> float:
    return metric(base, "va_errors_total", channel=channel, kind=kind)


def speech_16k(say, text: str) -> bytes:
    """Piper speech of `text` as the page sends it: 16 kHz mono int16 little-endian."""
    return (np.clip(load_16k(say(text)), -1, 1) * 32767).astype("<i2").tobytes()


def phone_frames(pcm16k: bytes) -> list[str]:
    """The same speech as Twilio sends it: 20 ms media events of base64 μ-law at 8 kHz."""
    audio = np.frombuffer(pcm16k, "<i2").astype(np.float32) / 32768
    ulaw = mulaw.encode((soxr.resample(audio, 16000, 8000) * 32767).astype(np.int16))
    return [_media(ulaw[i:i + 160]) for i in range(0, len(ulaw), 160)]


def _media(ulaw: bytes) -> str:
    return json.dumps({"event": "media", "media": {"track": "inbound", "payload": base64.b64encode(ulaw).decode()}})


PHONE_SILENCE = _media(b"\xff" * 160)


async def talk(send, frames: list, silence) -> None:
    """A live microphone: a little silence, the frames in real time, then silence until cancelled."""
    frames = [silence] * LEAD_IN + list(frames)
    next_at = time.monotonic()
    i = 0
    while True:
        await send(frames[i] if i < len(frames) else silence)
        i += 1
        next_at += FRAME_S
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))


def browser_frames(pcm: bytes) -> list[bytes]:
    return [pcm[i:i + BROWSER_FRAME] for i in range(0, len(pcm), BROWSER_FRAME)]


async def next_event(ws, predicate, timeout_s: float = 30.0, seen: list | None = None) -> dict:
    """The next JSON message that matches; binary frames and other messages are skipped (kept in `seen`)."""
    async def read():
        while True:
            message = await ws.recv()
            if isinstance(message, bytes):
                continue
            event = json.loads(message)
            if seen is not None:
                seen.append(event)
            if predicate(event):
                return event

    return await asyncio.wait_for(read(), timeout_s)


def of_type(kind: str):
    return lambda event: event.get("type") == kind


async def closed(ws, timeout_s: float = 10.0) -> ConnectionClosed:
    """Read until the server closes the connection; returns how it closed."""
    async def drain():
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as exc:
            return exc

    return await asyncio.wait_for(drain(), timeout_s)


def words(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower())


def twilio_start(stream_sid: str, call_sid: str, parameters: dict | None = None, **media_format) -> str:
    fmt = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1} | media_format
    return json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": stream_sid, "start": {
        "streamSid": stream_sid, "callSid": call_sid, "accountSid": "AC0", "tracks": ["inbound"],
        "customParameters": parameters or {}, "mediaFormat": fmt}})


CONNECTED = json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
STOP = json.dumps({"event": "stop"})


# ---- plain HTTP -----------------------------------------------------------------------------------
def test_health_ready_metrics_and_docs(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}

        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        for name, kind in [("va_sessions_active", "gauge"), ("va_sessions", "counter"), ("va_turns", "counter"),
                           ("va_turn_latency_seconds", "histogram"), ("va_barge_ins", "counter"),
                           ("va_handoffs", "counter"), ("va_errors", "counter")]:
            assert name in families and families[name].type == kind, name
        gauges = {s.labels["channel"] for s in families["va_sessions_active"].samples}
        assert gauges == {"browser", "phone"}  # zeros shown from the start

        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        docs = http.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        spec = http.get("/openapi.json").json()
        assert {"/healthz", "/readyz", "/metrics", "/handoffs", "/twilio/voice"} <= set(spec["paths"])
        operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
        assert len(operation_ids) == len(set(operation_ids))  # client generators need them unique


def test_twilio_webhook_connects_the_call_to_the_stream(live_server):
    port = live_server.rsplit(":", 1)[1]
    form = {"From": "+15551230000", "To": "+15559870000", "CallSid": "CA42", "AccountSid": "AC1"}
    with httpx.Client(base_url=live_server, timeout=10) as http:
        plain = http.post("/twilio/voice", data=form)
        proxied = http.post("/twilio/voice", data=form, headers={"X-Forwarded-Proto": "https"})
        by_get = http.get("/twilio/voice", params=form)  # a number may be set to GET its webhook
    for response, scheme in [(plain, "ws"), (proxied, "wss"), (by_get, "ws")]:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert root.tag == "Response"
        stream = root.find("./Connect/Stream")
        assert stream is not None
        assert stream.get("url") == f"{scheme}://127.0.0.1:{port}/twilio/stream"
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        assert parameters == {"from": "+15551230000", "to": "+15559870000", "callSid": "CA42"}


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


# ---- bad input on the browser socket -------------------------------------------------------------
def test_browser_bad_input_is_refused_and_the_conversation_goes_on(live_server, say):
    pcm = speech_16k(say, LONG)
    kinds = ("bad_json", "unknown_type", "bad_audio", "too_large")
    before = {kind: errors(live_server, "browser", kind) for kind in kinds}

    async def main():
        async with websockets.connect(ws_url(live_server, "/ws")) as ws:
            ready = await next_event(ws, of_type("ready"))
            assert ready["input_sample_rate"] == 16000
            for message, code in [("hello?", "bad_json"), ("[1, 2, 3]", "bad_json"),
                                  ('{"type": "dance"}', "unknown_type"), (b"\x00" * 641, "bad_audio"),
                                  (b"\x00" * 100_000, "too_large"),  # over 64 KiB, under uvicorn's 1 MiB
                                  ('{"type": "played", "seq": "' + "9" * 70_000 + '"}', "too_large")]:
                await ws.send(message)
                error = await next_event(ws, of_type("error"), timeout_s=10)
                assert error["code"] == code and error["message"]
            # The same connection still carries a conversation.
            seen: list[dict] = []
            mic = asyncio.create_task(talk(ws.send, browser_frames(pcm), b"\x00" * BROWSER_FRAME))
            try:
                transcript = await next_event(ws, of_type("transcript"), seen=seen)
                reply = await next_event(ws, of_type("reply"), seen=seen)
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            await ws.send(json.dumps({"type": "bye"}))
            return transcript, reply, seen, await closed(ws)

    transcript, reply, seen, close = asyncio.run(main())
    assert "running shoes" in words(transcript["text"])
    assert reply["text"] and any("Running Shoes" in p["title"] for p in reply["products"])
    assert not [e for e in seen if e["type"] == "error"]
    assert close.rcvd.code == 1000 and "left" in close.rcvd.reason
    after = {kind: errors(live_server, "browser", kind) for kind in kinds}
    assert {k: after[k] - before[k] for k in kinds} == {"bad_json": 2, "unknown_type": 1, "bad_audio": 1,
                                                         "too_large": 2}
    wait_for(lambda: active(live_server, "browser") == 0, what="the session to end")


def test_message_over_one_mebibyte_closes_only_that_connection(live_server):
    async def main():
        async with websockets.connect(ws_url(live_server, "/ws")) as big:
            await next_event(big, of_type("ready"))
            await big.send(b"\x00" * ((1 << 20) + 2))
            close = await closed(big)
        async with websockets.connect(ws_url(live_server, "/ws")) as other:  # the server still serves
            ready = await next_event(other, of_type("ready"))
            await other.send("nope")
            error = await next_event(other, of_type("error"))
        return close, ready, error

    close, ready, error = asyncio.run(main())
    assert close.rcvd is not None and close.rcvd.code == 1009  # message too big
    assert ready["session"] and error["code"] == "bad_json"
    assert httpx.get(f"{live_server}/healthz").status_code == 200
    wait_for(lambda: active(live_server, "browser") == 0, what="both sessions to end")


# ---- bad input on the phone stream ----------------------------------------------------------------
def test_twilio_bad_input_is_dropped_and_the_call_then_works(live_server, say):
    kinds = ("media_before_start", "unknown_event", "unexpected_binary", "bad_json", "bad_audio", "bad_event")
    before = {kind: errors(live_server, "phone", kind) for kind in kinds}
    delta = lambda: {k: errors(live_server, "phone", k) - before[k] for k in kinds}  # noqa: E731
    frames = phone_frames(speech_16k(say, LONG))

    async def main():
        async with websockets.connect(ws_url(live_server, "/twilio/stream")) as ws:
            await ws.send(CONNECTED)
            await ws.send(frames[0])  # before start: dropped
            await ws.send(json.dumps({"event": "dance"}))
            await ws.send(b"\x01\x02\x03")
            await ws.send("{not json")
            await await_for(lambda: delta() == {"media_before_start": 1, "unknown_event": 1, "unexpected_binary": 1,
                                                "bad_json": 1, "bad_audio": 0, "bad_event": 0},
                            what="the bad input before start to be counted")
            await ws.send(twilio_start("MZbad", "CAbad"))
            await ws.send(json.dumps({"event": "media", "media": {"payload": "***not base64***"}}))
            await ws.send(json.dumps({"event": "media", "media": "not an object"}))
            await await_for(lambda: delta()["bad_audio"] == 1 and delta()["bad_event"] == 1,
                            what="the bad media to be counted")
            mic = asyncio.create_task(talk(ws.send, frames, PHONE_SILENCE))
            try:
                media = await next_event(ws, lambda e: e.get("event") == "media", timeout_s=40)
                mark = await next_event(ws, lambda e: e.get("event") == "mark", timeout_s=20)
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            await ws.send(STOP)
            return media, mark, await closed(ws)

    media, mark, close = asyncio.run(main())
    assert media["streamSid"] == "MZbad" and mark["streamSid"] == "MZbad" and mark["mark"]["name"]
    reply = mulaw.decode(base64.b64decode(media["media"]["payload"])).astype(np.float32) / 32768
    assert np.sqrt(np.mean(reply ** 2)) > 0.01  # speech, not silence
    assert close.rcvd.code == 1000 and "call ended" in close.rcvd.reason
    assert delta() == {"media_before_start": 1, "unknown_event": 1, "unexpected_binary": 1, "bad_json": 1,
                       "bad_audio": 1, "bad_event": 1}
    wait_for(lambda: active(live_server, "phone") == 0, what="the call to end")


@pytest.mark.parametrize("media_format", [{"encoding": "audio/x-l16", "sampleRate": 16000}, {"sampleRate": "x"}])
def test_twilio_unsupported_media_format_closes_the_stream(live_server, media_format):
    async def main():
        async with websockets.connect(ws_url(live_server, "/twilio/stream")) as ws:
            await ws.send(CONNECTED)
            await ws.send(twilio_start("MZfmt", "CAfmt", **media_format))
            return await closed(ws)

    close = asyncio.run(main())
    assert close.rcvd is not None and "unsupported media format" in close.rcvd.reason
    wait_for(lambda: active(live_server, "phone") == 0, what="the call to end")


# ---- clients that go away or stop reading ---------------------------------------------------------
def test_client_vanishing_mid_reply_is_cleaned_up_and_others_carry_on(live_server, say, caplog):
    caplog.set_level(logging.INFO, logger="assistant.server.conversations")
    long_question, shoes = speech_16k(say, LONG), load_16k(say(SHOES))

    async def vanish() -> str:
        ws = await websockets.connect(ws_url(live_server, "/ws"))
        session = (await next_event(ws, of_type("ready")))["session"]
        mic = asyncio.create_task(talk(ws.send, browser_frames(long_question), b"\x00" * BROWSER_FRAME))
        try:
            await next_event(ws, of_type("audio"), timeout_s=40)  # the reply starts
        finally:
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
        ws.transport.abort()  # gone: no close handshake
        return session

    async def main():
        other = BrowserCaller(live_server, reply_timeout_s=40, settle_s=0.3)
        conversation = asyncio.create_task(other.converse([(SHOES, shoes)]))
        session = await vanish()
        # The vanished session is closed while the other conversation goes on.
        await await_for(lambda: active(live_server, "browser") <= (0 if conversation.done() else 1),
                        what="the vanished session to be closed")
        await await_for(lambda: any(f"session {session} closed" in r.getMessage() for r in caplog.records),
                        timeout_s=5, what="the close to be logged")
        return other, await conversation

    other, turns = asyncio.run(main())
    assert len(turns) == 1 and turns[0].done
    assert "running shoes" in words(turns[0].transcript)  # Whisper spells "TrailRunner" several ways
    assert turns[0].reply and not turns[0].cleared
    assert not [e for e in other.events if e["type"] == "error"]
    assert sum(len(a) for a in turns[0].heard) / 16000 > 2.0  # its reply played out (about 3.5 s)
    wait_for(lambda: active(live_server, "browser") == 0, what="all sessions to end")


class NonReadingClient:
    """A WebSocket client on a raw socket that talks but never reads what the server sends.

    The client's receive buffer is tiny, and so is the server side's send buffer for this one
    connection (set from the test, as a congested network would): otherwise loopback TCP buffers
    absorb megabytes and a few replies never fill them.
    """

    def __init__(self, server, path: str):
        self.server = server
        self.protocol = ClientProtocol(parse_uri(ws_url(server.url, path)))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((server.host, server.port))
        self.sock.settimeout(2)
        self.protocol.send_request(self.protocol.connect())
        self.sock.sendall(b"".join(self.protocol.data_to_send()))
        response = b""
        while b"\r\n\r\n" not in response:  # the handshake, byte by byte: nothing after it is read
            response += self.sock.recv(1)
        assert response.startswith(b"HTTP/1.1 101"), response
        self.protocol.receive_data(response)
        self._shrink_server_send_buffer()

    def _shrink_server_send_buffer(self) -> None:
        local = self.sock.getsockname()
        for connection in list(self.server.server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None and transport.get_extra_info("peername") == local:
                transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
                return
        raise AssertionError("the server has no such connection")

    def send_binary(self, data: bytes) -> None:
        self.protocol.send_binary(data)
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def talk(self, pcm: bytes, stop: threading.Event) -> None:
        """Speak, then stream silence until stopped or until the server stops taking it."""
        silence = b"\x00" * BROWSER_FRAME
        frames = [silence] * LEAD_IN + browser_frames(pcm)
        next_at, i = time.monotonic(), 0
        try:
            while not stop.is_set():
                self.send_binary(frames[i] if i < len(frames) else silence)
                i += 1
                next_at += FRAME_S
                time.sleep(max(0.0, next_at - time.monotonic()))
        except OSError:  # the server closed (or stopped reading from) the socket
            pass

    def close(self) -> None:
        self.sock.close()


def _live_sessions() -> int:
    from assistant.session import Session

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Session))


def _drop_non_readers(server, pcm: bytes, clients: int, caplog) -> list[str]:
    """`clients` shoppers ask a question and never read: the server drops them all; returns why."""
    stop = threading.Event()
    talkers = [NonReadingClient(server, "/ws") for _ in range(clients)]
    threads = [threading.Thread(target=c.talk, args=(pcm, stop), daemon=True) for c in talkers]
    start = len(caplog.records)
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: metric(server.url, "va_sessions_active", channel="browser") == clients, 10,
                 "the sessions to start")
        wait_for(lambda: metric(server.url, "va_sessions_active", channel="browser") == 0, 30,
                 "the server to drop the clients that do not read")
        return [r.getMessage() for r in caplog.records[start:] if "session" in r.getMessage()
                and "closed" in r.getMessage()]
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        for client in talkers:
            client.close()
        # Once the client is gone, nothing of it stays on the server.
        wait_for(lambda: not server.server.server_state.connections, 10, "the connections to go")


def test_client_that_stops_reading_is_dropped_and_memory_stays_bounded(engines, say, caplog):
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer
    from assistant.transports.websocket import WebSocketLimits

    caplog.set_level(logging.INFO, logger="assistant.server.conversations")
    pcm = speech_16k(say, LONG)  # four clauses: the third one meets a full socket
    sessions_before = _live_sessions()
    held_mb, reasons = [], []
    with BackgroundServer(create_app(engines=engines, limits=WebSocketLimits(stall_s=1))) as server:
        for round_ in range(3):
            if round_ == 1:  # after a warm-up round (buffers, worker threads): trace what Python keeps
                tracemalloc.start()
            reasons.append(_drop_non_readers(server, pcm, 2, caplog))
            # Nothing of the dropped sessions is kept once their handlers have returned.
            wait_for(lambda: _live_sessions() <= sessions_before, 10, "the dropped sessions to be freed")
            if round_ >= 1:
                held_mb.append(tracemalloc.get_traced_memory()[0] / 2**20)
        tracemalloc.stop()
    assert [len(r) for r in reasons] == [2, 2, 2]
    assert all("client stopped reading" in r for round_ in reasons for r in round_), reasons
    # Each dropped client had megabytes of reply audio queued; none of it may stay. (Process RSS is no
    # measure here: malloc arenas of new threads make it jump by ~100 MB once in a while.)
    assert held_mb[1] - held_mb[0] < 2, held_mb


def test_client_over_the_queue_limit_is_dropped_without_waiting_for_the_stall(engines, say, caplog):
    """The reply's clauses (about 27, 64, 168 and 360 KB of audio) pile up behind a socket that stopped
    taking data; past max_queued_bytes the client goes at once, not after stall_s."""
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer
    from assistant.transports.websocket import WebSocketLimits

    caplog.set_level(logging.INFO, logger="assistant.server.conversations")
    # Above any single clause, below the last two together; a stall would outlast the test.
    limits = WebSocketLimits(stall_s=300, max_queued_bytes=400 * 1024)
    with BackgroundServer(create_app(engines=engines, limits=limits)) as server:
        reasons = _drop_non_readers(server, speech_16k(say, LONG), 1, caplog)
    assert len(reasons) == 1 and "client is not reading" in reasons[0], reasons


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
                await next_event(ws, lambda e: any(x["type"] == "handoff" for x in seen) and handed_off in seen,
                                 seen=seen)
                handoff = next(e for e in seen if e["type"] == "handoff")
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            await ws.send(json.dumps({"type": "bye"}))
            await closed(ws)
            return session, handoff, heard, shown

    session, handoff, heard, shown = asyncio.run(main())
    assert handoff["reason"] == "button" and handoff["language"] == "en"
    records = [r for r in httpx.get(f"{live_server}/handoffs").json() if r["session"] == session]
    assert len(records) == 1
    record = records[0]
    assert record["channel"] == "browser" and record["reason"] == "button"
    user = [line["text"] for line in record["transcript"] if line["role"] == "user"]
    assert user == [heard] and "running shoes" in words(heard)
    assert record["transcript"][-1]["role"] == "assistant"  # what the shopper is told: a person takes over
    assert [line["text"] for line in handoff["transcript"]] == [line["text"] for line in record["transcript"]]
    assert record["products"] == shown  # the products the shopper was shown
    assert metric(live_server, "va_handoffs_total", channel="browser", reason="button") == before + 1


def test_phone_handoff_on_zero(live_server):
    call_sid = f"CA{time.monotonic_ns()}"
    before = metric(live_server, "va_handoffs_total", channel="phone", reason="dtmf 0")
    parameters = {"from": "+15557654321", "shopper": "42"}

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
    records = [r for r in httpx.get(f"{live_server}/handoffs").json() if r["caller"].get("callSid") == call_sid]
    assert len(records) == 1  # "5" asked for nothing
    record = records[0]
    assert record["channel"] == "phone" and record["reason"] == "dtmf 0"
    assert record["caller"] == {"callSid": call_sid} | parameters
    assert [line["role"] for line in record["transcript"]] == ["assistant"]  # "a person will take over"
    assert metric(live_server, "va_handoffs_total", channel="phone", reason="dtmf 0") == before + 1
    wait_for(lambda: active(live_server, "phone") == 0, what="the call to end")
