"""The pieces of the browser and phone transports that need no models: the μ-law codec, the play-out
position from acknowledgements, the per-client outbox, and the wire parsing of both transports."""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from xml.etree import ElementTree

import numpy as np
import pytest

from assistant.transports import mulaw
from assistant.transports.browser import BrowserTransport
from assistant.transports.marks import MarkedPlayout
from assistant.transports.outbox import ClientGone, Outbox
from assistant.transports.twilio import TwilioTransport, twiml_connect

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
ALL_BYTES = bytes(range(256))


def _audioop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pytest.importorskip("audioop")  # removed in Python 3.13; present on 3.11


# ---- μ-law ----------------------------------------------------------------------------------------
def test_mulaw_decode_matches_audioop_for_every_byte():
    audioop = _audioop()
    expected = np.frombuffer(audioop.ulaw2lin(ALL_BYTES, 2), dtype=np.int16)
    decoded = mulaw.decode(ALL_BYTES)
    assert decoded.dtype == np.int16
    np.testing.assert_array_equal(decoded, expected)


def test_mulaw_encode_matches_audioop_for_every_int16():
    audioop = _audioop()
    expected = audioop.lin2ulaw(ALL_INT16.tobytes(), 2)
    encoded = mulaw.encode(ALL_INT16)
    assert len(encoded) == len(ALL_INT16)
    mismatches = np.flatnonzero(np.frombuffer(encoded, np.uint8) != np.frombuffer(expected, np.uint8))
    assert mismatches.size == 0, f"{mismatches.size} samples differ, first at {ALL_INT16[mismatches[:5]]}"


def test_mulaw_round_trip_is_close():
    """Decoding what was encoded lands within G.711's quantisation error; every code survives."""
    x = ALL_INT16.astype(np.int32)
    error = np.abs(mulaw.decode(mulaw.encode(ALL_INT16)).astype(np.int32) - x)
    in_range = np.abs(x) <= 32124  # the largest magnitude μ-law represents; louder samples clip to it
    assert np.all(error[in_range] <= np.abs(x[in_range]) / 16 + 8)
    assert np.all(error[~in_range] <= 32768 - 32124)
    codes = mulaw.encode(mulaw.decode(ALL_BYTES))
    assert codes == bytes(0xFF if b == 0x7F else b for b in ALL_BYTES)  # 0x7F is "negative zero"


# ---- MarkedPlayout --------------------------------------------------------------------------------
class FakeClock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _playout(*chunks: tuple[str, float]) -> tuple[MarkedPlayout, FakeClock]:
    clock = FakeClock()
    playout = MarkedPlayout(clock=clock)
    playout.start_reply()
    for mark, duration in chunks:
        playout.sent(mark, duration)
    return playout, clock


def test_acknowledged_marks_add_up():
    playout, clock = _playout(("1", 1.0), ("2", 2.0), ("3", 1.5))
    clock.now += 1.1
    playout.acknowledged("1")
    assert playout.played_seconds() == pytest.approx(1.0)
    clock.now += 3.0
    playout.acknowledged("3")  # marks come in order; "3" implies "2" played too
    assert playout.played_seconds() == pytest.approx(4.5)
    clock.now += 10
    assert playout.played_seconds() == pytest.approx(4.5)  # nothing left to play
    assert playout.idle_in() == 0.0


def test_position_inside_the_head_chunk_follows_the_clock():
    playout, clock = _playout(("1", 1.0), ("2", 2.0))
    clock.now += 0.4
    assert playout.played_seconds() == pytest.approx(0.4)
    clock.now += 5.0  # no acknowledgement yet: the estimate never runs past the head chunk
    assert playout.played_seconds() == pytest.approx(1.0)
    playout.acknowledged("1")  # chunk 2 starts now
    clock.now += 0.5
    assert playout.played_seconds() == pytest.approx(1.5)


def test_unknown_and_stale_marks_are_ignored():
    playout, clock = _playout(("1", 1.0), ("2", 1.0))
    playout.acknowledged("nope")
    assert playout.played_seconds() == pytest.approx(0.0)
    playout.start_reply()  # a new reply: the old reply's marks mean nothing now
    playout.sent("3", 2.0)
    playout.acknowledged("2")
    assert playout.played_seconds() == pytest.approx(0.0)
    clock.now += 0.5
    assert playout.played_seconds() == pytest.approx(0.5)


def test_late_acknowledgements_after_cut_do_not_count():
    playout, clock = _playout(("1", 1.0), ("2", 2.0), ("3", 2.0))
    clock.now += 1.0
    playout.acknowledged("1")
    clock.now += 0.7
    assert playout.cut() == pytest.approx(1.7)  # 1 s acknowledged + 0.7 s into chunk 2
    # Twilio echoes every pending mark right after `clear`: that audio was never heard.
    clock.now += 0.01
    playout.acknowledged("2")
    playout.acknowledged("3")
    assert playout.played_seconds() == pytest.approx(1.7)
    assert playout.cut() == pytest.approx(1.7)  # a second cut changes nothing
    clock.now += 5
    assert playout.played_seconds() == pytest.approx(1.7)
    assert playout.idle_in() == 0.0


def test_idle_in_waits_for_acknowledgements_but_not_forever():
    playout, clock = _playout(("1", 1.0), ("2", 1.0))
    assert playout.idle_in() == pytest.approx(2.0)
    clock.now += 1.5
    assert playout.idle_in() == pytest.approx(0.5)
    clock.now += 1.0  # played out by the clock but not acknowledged: keep waiting a little
    assert 0 < playout.idle_in() <= 0.05
    clock.now += 2.5  # past the grace period: a client that never acknowledges must not stall us
    assert playout.idle_in() == 0.0


def test_idle_in_is_zero_once_everything_is_acknowledged():
    playout, clock = _playout(("1", 1.0), ("2", 1.0))
    clock.now += 0.3  # acknowledged early (a client that plays faster, or buffered): done
    playout.acknowledged("2")
    assert playout.idle_in() == 0.0
    assert playout.played_seconds() == pytest.approx(2.0)


# ---- Outbox ---------------------------------------------------------------------------------------
class Wire:
    """A socket's send(): records what was sent; can be held shut to look like a client that stopped reading."""

    def __init__(self):
        self.sent: list = []
        self.open = asyncio.Event()
        self.open.set()
        self.entered = asyncio.Event()  # a send has started (and may be blocked)

    async def send(self, message):
        self.entered.set()
        await self.open.wait()
        self.sent.append(message)


async def _until(predicate, timeout_s: float = 5.0) -> None:
    async def poll():
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout_s)


def test_outbox_sends_in_order():
    async def main():
        wire = Wire()
        outbox = Outbox(wire.send)
        outbox.put("ready")
        sender = asyncio.create_task(outbox.run())
        outbox.put('{"type":"audio"}', b"\x01\x02", audio=True)
        outbox.put("reply_done")
        await _until(lambda: len(wire.sent) == 4)
        outbox.put("later")
        await _until(lambda: len(wire.sent) == 5)
        assert outbox.failed is None
        outbox.close("bye")
        await asyncio.wait_for(sender, 5)
        assert outbox.failed == "bye"
        return wire.sent

    assert asyncio.run(main()) == ["ready", '{"type":"audio"}', b"\x01\x02", "reply_done", "later"]


def test_outbox_drop_audio_drops_only_unsent_audio():
    async def main():
        wire = Wire()
        outbox = Outbox(wire.send)
        sender = asyncio.create_task(outbox.run())
        wire.open.clear()
        outbox.put("first")  # taken by the sender, held in send()
        await asyncio.wait_for(wire.entered.wait(), 5)
        outbox.put("audio-1", b"pcm-1", audio=True)
        outbox.put("transcript")
        outbox.put("audio-2", b"pcm-2", audio=True)
        outbox.drop_audio()
        outbox.put("clear")
        outbox.put("audio-3", b"pcm-3", audio=True)
        wire.open.set()
        await _until(lambda: len(wire.sent) == 5)
        await asyncio.sleep(0.05)
        outbox.close("done")
        await asyncio.wait_for(sender, 5)
        return wire.sent

    assert asyncio.run(main()) == ["first", "transcript", "clear", "audio-3", b"pcm-3"]


def test_outbox_send_blocked_longer_than_stall_fails():
    async def main():
        wire = Wire()
        wire.open.clear()  # the client never reads
        outbox = Outbox(wire.send, stall_s=0.2)
        outbox.put("hello")
        await asyncio.wait_for(outbox.run(), 10)  # returns by itself
        assert outbox.failed and "stopped reading" in outbox.failed
        assert outbox.done.is_set()
        outbox.put("after")  # a dropped client gets nothing more
        wire.open.set()
        await asyncio.sleep(0.01)
        return wire.sent

    assert asyncio.run(main()) == []


def test_outbox_over_max_queued_bytes_fails_and_frees_the_queue():
    async def main():
        wire = Wire()
        wire.open.clear()
        outbox = Outbox(wire.send, max_queued_bytes=1000, stall_s=60)
        sender = asyncio.create_task(outbox.run())
        outbox.put("x" * 10)
        await asyncio.wait_for(wire.entered.wait(), 5)  # blocked in send: the queue starts to grow
        for _ in range(9):
            outbox.put(b"a" * 100, audio=True)
        assert outbox.failed is None  # 900 bytes waiting: still within the limit
        outbox.put(b"b" * 101, audio=True)
        assert outbox.failed and "not reading" in outbox.failed
        assert outbox._queued_bytes == 0 and not outbox._queue  # the memory is freed at once
        outbox.put("more")  # ignored
        assert not outbox._queue
        # The sender stops without waiting out the blocked send (stall_s is a minute here).
        await asyncio.wait_for(sender, 5)
        wire.open.set()
        await asyncio.sleep(0.01)
        return wire.sent

    assert asyncio.run(main()) == []


def test_outbox_send_error_fails():
    async def main():
        async def broken(message):
            raise ConnectionResetError("gone")

        outbox = Outbox(broken)
        outbox.put("hello")
        await asyncio.wait_for(outbox.run(), 5)
        return outbox.failed

    failed = asyncio.run(main())
    assert failed and "went away" in failed and "ConnectionResetError" in failed


def test_outbox_flush_waits_for_the_queue_to_drain():
    async def main():
        wire = Wire()
        outbox = Outbox(wire.send)
        for i in range(20):
            outbox.put(f"m{i}")
        sender = asyncio.create_task(outbox.run())
        await outbox.flush(timeout_s=5)
        sent = list(wire.sent)
        outbox.close("done")
        await asyncio.wait_for(sender, 5)
        return sent

    assert asyncio.run(main()) == [f"m{i}" for i in range(20)]


# ---- wire parsing without a server ----------------------------------------------------------------
class FakeWebSocket:
    """Starlette's WebSocket as the transports use it: receive() messages, then a disconnect."""

    def __init__(self, messages: list[str | bytes]):
        self.incoming = [
            {"type": "websocket.receive", "text": m}
            if isinstance(m, str)
            else {"type": "websocket.receive", "bytes": m}
            for m in messages
        ]
        self.sent: list = []
        self.query_params: dict[str, str] = {}

    async def receive(self) -> dict:
        if self.incoming:
            return self.incoming.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)


async def _collect(transport) -> tuple[list[bytes], BaseException | None]:
    frames = []
    try:
        async for pcm in transport.frames():
            frames.append(pcm)
    except ClientGone as exc:
        return frames, exc
    return frames, None


def _browser(messages, **limits):
    from assistant.transports.websocket import WebSocketLimits

    transport = BrowserTransport(FakeWebSocket(messages), "s1", WebSocketLimits(**limits))
    codes, handoffs = [], []
    transport.on_bad_input = codes.append
    transport.on_handoff = handoffs.append
    return transport, codes, handoffs


def test_browser_transport_parses_and_refuses_bad_input():
    pcm = np.arange(320, dtype="<i2").tobytes()
    transport, codes, handoffs = _browser(
        [
            "not json",
            "[1, 2]",
            '{"type": "dance"}',
            b"\x00" * 3,
            b"\x00" * 2000,
            pcm,
            '{"type": "played", "seq": 1}',
            '{"type": "handoff"}',
            '"just a string"',
            '{"no": "type"}',
            '{"type": "' + "x" * 500 + '"}',
        ],
        max_message_bytes=1000,
    )
    frames, gone = asyncio.run(_collect(transport))
    assert frames == [pcm]
    assert "closed the connection" in str(gone)
    assert codes == [
        "bad_json",
        "bad_json",
        "unknown_type",
        "bad_audio",
        "too_large",
        "bad_json",
        "unknown_type",
        "unknown_type",
    ]
    assert handoffs == ["button"]
    errors = [json.loads(m) for group, _ in transport.outbox._queue for m in group]  # no sender runs: still queued
    assert [e["code"] for e in errors] == codes  # each one reported back to the page
    assert all(len(e["message"]) < 300 for e in errors), "an error must not echo a big message back"


def test_browser_bye_ends_the_conversation():
    transport, codes, _ = _browser(['{"type": "bye"}', b"\x00\x00"])
    frames, gone = asyncio.run(_collect(transport))
    assert frames == [] and "left" in str(gone) and codes == []


def _media(payload: bytes | str, track: str = "inbound") -> str:
    if isinstance(payload, bytes):
        payload = base64.b64encode(payload).decode()
    return json.dumps({"event": "media", "media": {"track": track, "payload": payload}})


def _start(**media_format) -> str:
    fmt = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1} | media_format
    return json.dumps(
        {
            "event": "start",
            "start": {
                "streamSid": "MZ1",
                "callSid": "CA1",
                "customParameters": {"from": "+15550001"},
                "mediaFormat": fmt,
            },
        }
    )


def _twilio(messages):
    transport = TwilioTransport(FakeWebSocket(messages), "p1")
    codes, handoffs = [], []
    transport.on_bad_input = codes.append
    transport.on_handoff = handoffs.append
    return transport, codes, handoffs


def test_twilio_transport_parses_and_refuses_bad_input():
    ulaw = mulaw.encode((np.sin(np.arange(160) / 5) * 8000).astype(np.int16))  # 20 ms at 8 kHz
    transport, codes, handoffs = _twilio(
        [
            json.dumps({"event": "connected", "protocol": "Call"}),
            _media(ulaw),  # before start: dropped
            json.dumps({"event": "wat"}),
            b"\x01\x02",
            "{oops",
            _start(),
            _media("!!not base64!!"),
            _media(ulaw, track="outbound"),  # not the caller's voice
            *[_media(ulaw)] * 10,
            json.dumps({"event": "mark", "mark": {"name": "7"}}),
            json.dumps({"event": "dtmf", "dtmf": {"digit": "5"}}),
            json.dumps({"event": "dtmf", "dtmf": {"digit": "0"}}),
            json.dumps({"event": "stop"}),
            _media(ulaw),  # after stop: never read
        ]
    )
    frames, gone = asyncio.run(_collect(transport))
    assert codes == ["media_before_start", "unknown_event", "unexpected_binary", "bad_json", "bad_audio"]
    assert handoffs == ["dtmf 0"]
    assert "call ended" in str(gone)
    assert transport.stream_sid == "MZ1"
    assert transport.call == {"callSid": "CA1", "from": "+15550001"}
    pcm = np.frombuffer(b"".join(frames), dtype=np.int16)
    assert 0 < len(pcm) <= 10 * 320  # ten 20 ms frames, upsampled to 16 kHz (the resampler holds some back)
    assert not transport.outbox._queue  # Media Streams has no error message: the phone is sent nothing


@pytest.mark.parametrize("media_format", [{"encoding": "audio/x-l16"}, {"sampleRate": 16000}, {"sampleRate": "fast"}])
def test_twilio_unsupported_media_format_ends_the_call(media_format):
    transport, codes, _ = _twilio([_start(**media_format), _media(b"\xff" * 160)])
    frames, gone = asyncio.run(_collect(transport))
    assert frames == [] and "unsupported media format" in str(gone)


@pytest.mark.parametrize(
    "message",
    [
        {"event": "media", "media": "abc"},
        {"event": "mark", "mark": ["1"]},
        {"event": "dtmf", "dtmf": "0"},
        {"event": "start", "start": "MZ1"},
        {"event": "start", "start": {"streamSid": "MZ1", "customParameters": ["a"]}},
        {"event": "media", "media": {"payload": 5}},
    ],
)
def test_twilio_malformed_events_are_bad_input_not_crashes(message):
    ulaw = b"\xff" * 160
    transport, codes, _ = _twilio([_start(), json.dumps(message), *[_media(ulaw)] * 10, json.dumps({"event": "stop"})])
    frames, gone = asyncio.run(_collect(transport))
    assert "call ended" in str(gone)  # the call carried on to its end
    assert len(codes) == 1 and codes[0] in ("bad_event", "bad_audio", "bad_start")
    assert frames  # the audio after the bad event still arrived


def test_twiml_connect_escapes_and_carries_parameters():
    xml = twiml_connect("wss://shop.example/twilio/stream", {"from": '+1 "555" <&>', "callSid": "CA9"})
    root = ElementTree.fromstring(xml)
    stream = root.find("./Connect/Stream")
    assert stream.get("url") == "wss://shop.example/twilio/stream"
    assert {p.get("name"): p.get("value") for p in stream.findall("Parameter")} == {
        "from": '+1 "555" <&>',
        "callSid": "CA9",
    }


def test_a_clear_never_falls_between_an_audio_header_and_its_samples():
    async def scenario():
        sent: list = []
        release = asyncio.Event()

        async def send(message):
            sent.append(message)
            if message == "header":
                await release.wait()  # the barge-in arrives while the header is on the wire

        outbox = Outbox(send)
        runner = asyncio.create_task(outbox.run())
        outbox.put("header", b"samples", audio=True)
        outbox.put("next header", b"next samples", audio=True)
        await asyncio.sleep(0.01)
        outbox.drop_audio()
        outbox.put("clear")
        release.set()
        await asyncio.sleep(0.01)
        outbox.close("done")
        await runner
        return sent

    assert asyncio.run(scenario()) == ["header", b"samples", "clear"]


def test_the_browsers_language_and_the_phone_lines_language_reach_the_session():
    browser, _, _ = _browser([])
    browser.websocket.query_params = {"lang": "es-MX"}
    hints: list[str] = []
    browser.on_language_hint = hints.append
    asyncio.run(_collect(browser))

    start = {
        "event": "start",
        "streamSid": "MZ1",
        "start": {
            "streamSid": "MZ1",
            "callSid": "CA1",
            "customParameters": {"language": "fr"},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
    }
    phone = TwilioTransport(FakeWebSocket([json.dumps(start)]), "s2")
    phone.on_language_hint = hints.append
    asyncio.run(_collect(phone))
    assert hints == ["es-MX", "fr"]
