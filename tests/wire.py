"""Raw-protocol helpers for the server tests: frames, events, metrics, waiting on the server."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time

import httpx
import numpy as np
import soxr
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed

from assistant.transports import mulaw
from tests.conftest import AGENT_TOKEN, load_16k

LONG = "Do you have running shoes?"  # a long reply: three products, ~10 s of speech in four clauses
SHOES = "How much are the TrailRunner running shoes?"  # a short reply
FRAME_S = 0.02
BROWSER_FRAME = 640  # bytes of 16 kHz int16 in 20 ms
LEAD_IN = 25  # frames of room silence before the shopper speaks (0.5 s), as a microphone opens


# ---- helpers --------------------------------------------------------------------------------------
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}  # the live server's agent token: /metrics and /api/handoffs


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


def metric(base: str, name: str, **labels: str) -> float:
    """One sample of the server's /metrics (0 when the labelled series does not exist yet)."""
    text = httpx.get(f"{base}/metrics", headers=AGENT, timeout=10).text
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
    return [_media(ulaw[i : i + 160]) for i in range(0, len(ulaw), 160)]


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
    return [pcm[i : i + BROWSER_FRAME] for i in range(0, len(pcm), BROWSER_FRAME)]


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
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": stream_sid,
            "start": {
                "streamSid": stream_sid,
                "callSid": call_sid,
                "accountSid": "AC0",
                "tracks": ["inbound"],
                "customParameters": parameters or {},
                "mediaFormat": fmt,
            },
        }
    )


CONNECTED = json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
STOP = json.dumps({"event": "stop"})
