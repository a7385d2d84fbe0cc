"""Bad input on both WebSockets, and clients that vanish or stop reading: the session closes or carries
on with a logged reason, other sessions are untouched, nothing is kept. Real models, real uvicorn."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import logging
import socket
import threading
import time
import tracemalloc

import httpx
import numpy as np
import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from assistant.callers import BrowserCaller, dial
from assistant.transports import mulaw
from tests.conftest import load_16k
from tests.wire import (
    BROWSER_FRAME,
    CONNECTED,
    FRAME_S,
    LEAD_IN,
    LONG,
    PHONE_SILENCE,
    SHOES,
    STOP,
    active,
    await_for,
    browser_frames,
    closed,
    errors,
    metric,
    next_event,
    of_type,
    phone_frames,
    speech_16k,
    talk,
    twilio_start,
    wait_for,
    words,
    ws_url,
)


# ---- bad input on the browser socket -------------------------------------------------------------
def test_browser_bad_input_is_refused_and_the_conversation_goes_on(live_server, say):
    pcm = speech_16k(say, LONG)
    kinds = ("bad_json", "unknown_type", "bad_audio", "too_large")
    before = {kind: errors(live_server, "browser", kind) for kind in kinds}

    async def main():
        async with websockets.connect(ws_url(live_server, "/ws")) as ws:
            ready = await next_event(ws, of_type("ready"))
            assert ready["input_sample_rate"] == 16000
            for message, code in [
                ("hello?", "bad_json"),
                ("[1, 2, 3]", "bad_json"),
                ('{"type": "dance"}', "unknown_type"),
                (b"\x00" * 641, "bad_audio"),
                (b"\x00" * 100_000, "too_large"),  # over 64 KiB, under uvicorn's 1 MiB
                ('{"type": "played", "seq": "' + "9" * 70_000 + '"}', "too_large"),
            ]:
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
    assert {k: after[k] - before[k] for k in kinds} == {
        "bad_json": 2,
        "unknown_type": 1,
        "bad_audio": 1,
        "too_large": 2,
    }
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
            await await_for(
                lambda: (
                    delta()
                    == {
                        "media_before_start": 1,
                        "unknown_event": 1,
                        "unexpected_binary": 1,
                        "bad_json": 1,
                        "bad_audio": 0,
                        "bad_event": 0,
                    }
                ),
                what="the bad input before start to be counted",
            )
            await ws.send(twilio_start("MZbad", "CAbad", dial(live_server, "CAbad")))
            await ws.send(json.dumps({"event": "media", "media": {"payload": "***not base64***"}}))
            await ws.send(json.dumps({"event": "media", "media": "not an object"}))
            await await_for(
                lambda: delta()["bad_audio"] == 1 and delta()["bad_event"] == 1, what="the bad media to be counted"
            )
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
    assert np.sqrt(np.mean(reply**2)) > 0.01  # speech, not silence
    assert close.rcvd.code == 1000 and "call ended" in close.rcvd.reason
    assert delta() == {
        "media_before_start": 1,
        "unknown_event": 1,
        "unexpected_binary": 1,
        "bad_json": 1,
        "bad_audio": 1,
        "bad_event": 1,
    }
    wait_for(lambda: active(live_server, "phone") == 0, what="the call to end")


@pytest.mark.parametrize("media_format", [{"encoding": "audio/x-l16", "sampleRate": 16000}, {"sampleRate": "x"}])
def test_twilio_unsupported_media_format_closes_the_stream(live_server, media_format):
    async def main():
        async with websockets.connect(ws_url(live_server, "/twilio/stream")) as ws:
            await ws.send(CONNECTED)
            await ws.send(twilio_start("MZfmt", "CAfmt", dial(live_server, "CAfmt"), **media_format))
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
        await await_for(
            lambda: active(live_server, "browser") <= (0 if conversation.done() else 1),
            what="the vanished session to be closed",
        )
        await await_for(
            lambda: any(f"session {session} closed" in r.getMessage() for r in caplog.records),
            timeout_s=5,
            what="the close to be logged",
        )
        return other, await conversation

    other, turns = asyncio.run(main())
    assert len(turns) == 1 and turns[0].done
    assert "running shoes" in words(turns[0].transcript)  # Whisper spells "TrailRunner" several ways
    assert turns[0].reply and not turns[0].cleared
    assert not [e for e in other.events if e["type"] == "error"]
    assert sum(len(a) for a in turns[0].heard) / 16000 > 2.0  # its reply played out (about 3.5 s)
    wait_for(lambda: active(live_server, "browser") == 0, what="all sessions to end")
    gc.collect()  # a task that failed unseen is reported when it is collected
    unseen = [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]
    assert not unseen, unseen


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
        wait_for(
            lambda: metric(server.url, "va_sessions_active", channel="browser") == clients, 10, "the sessions to start"
        )
        wait_for(
            lambda: metric(server.url, "va_sessions_active", channel="browser") == 0,
            30,
            "the server to drop the clients that do not read",
        )
        return [
            r.getMessage() for r in caplog.records[start:] if "session" in r.getMessage() and "closed" in r.getMessage()
        ]
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
