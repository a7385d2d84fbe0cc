"""Simulated shoppers over the real wire protocols: a browser tab and a Twilio phone call.

Each caller streams recorded or synthesised speech in real time, keeps streaming silence like
a live microphone, plays the assistant's audio on a real-time clock (acknowledging chunks as
they finish, as the page and Twilio do), and measures voice-to-voice latency on the client side:
from the last voiced sample it sent to the first reply audio it received. The load script and
the end-to-end tests both use them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
import numpy as np
import soxr
import websockets

from asr.endpointer import frame_level_db
from assistant.audio_io import PIPELINE_RATE
from assistant.events import ClientKind, Kind
from assistant.server.twilio_auth import AUTH_TOKEN_ENV, signature
from assistant.transports import mulaw
from assistant.transports.base import PlayoutClock
from assistant.transports.wav_file import pace

RATE = PIPELINE_RATE
FRAME_S = 0.02
_LEAD_IN_S = 0.5  # a microphone opens on room silence before the shopper speaks
_VOICED_DB = -40.0  # a 20 ms frame this loud counts as speech (for timing only)


@dataclass
class TurnResult:
    question: str
    speech_end_at: float = 0.0
    first_audio_at: float | None = None
    transcript: str = ""  # browser only: the server's final transcript event
    reply: str = ""  # browser only: the reply text event
    products: list[dict] = field(default_factory=list)
    cleared: bool = False  # the server stopped this reply (barge-in)
    heard: list[np.ndarray] = field(default_factory=list)  # reply audio that played, 16 kHz float32
    done: bool = False

    @property
    def voice_to_voice_ms(self) -> float | None:
        return None if self.first_audio_at is None else (self.first_audio_at - self.speech_end_at) * 1000

    def heard_audio(self) -> np.ndarray:
        return np.concatenate(self.heard) if self.heard else np.zeros(0, np.float32)


class Player:
    """Plays received chunks back to back on a real-time clock; knows what was heard, and of which turn."""

    def __init__(self):
        self._queue: list[tuple[float, float, str, np.ndarray, TurnResult]] = []  # start, end, mark, audio, turn
        self._clock = PlayoutClock()

    def add(self, audio16k: np.ndarray, mark: str, now: float, turn: TurnResult) -> None:
        start = self._clock.schedule(len(audio16k) / RATE, now)
        self._queue.append((start, self._clock.ends_at, mark, audio16k, turn))

    def finished(self, now: float) -> list[str]:
        """Marks of the chunks that have played to the end by `now`, in order."""
        done = [item for item in self._queue if item[1] <= now]
        self._queue = [item for item in self._queue if item[1] > now]
        for _, _, _, audio, turn in done:
            turn.heard.append(audio)
        return [mark for _, _, mark, _, _ in done]

    def clear(self, now: float) -> list[str]:
        """Stop now: returns the marks of every unfinished chunk; the part that did play was heard."""
        for start, _, _, audio, turn in self._queue:
            turn.cleared = True
            if start < now:
                turn.heard.append(audio[: int((now - start) * RATE)])
        marks = [mark for _, _, mark, _, _ in self._queue]
        self._queue = []
        self._clock.reset()
        return marks

    @property
    def idle(self) -> bool:
        return not self._queue

    @property
    def ends_at(self) -> float:
        """When the last chunk received has played (0 after a cut)."""
        return self._clock.ends_at


class Caller:
    """One shopper's conversation; subclasses speak the wire protocol."""

    path = "/"

    def __init__(self, base_url: str, reply_timeout_s: float = 30.0, settle_s: float = 1.0):
        self.base_url = base_url
        self.url = base_url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + self.path
        self.reply_timeout_s = reply_timeout_s
        self.settle_s = settle_s  # quiet after the reply has played before the next question
        self.events: list[dict] = []
        self.timeline: list[tuple[float, str]] = []
        self.player = Player()
        self.turns: list[TurnResult] = []
        self.answering: TurnResult | None = None  # the turn whose reply is due: its utterance was said last
        self._ws = None
        self._last_audio_at = 0.0

    async def converse(
        self,
        utterances: list[tuple[str, np.ndarray]],
        barge_in_after: float | None = None,
        after_last_s: float = 0.0,
        finale: Callable[..., Awaitable[None]] | None = None,
    ) -> list[TurnResult]:
        """Say each (label, 16 kHz float32 audio) in turn; with `barge_in_after`, the next one starts
        that long after the reply to the previous one began playing. `finale(caller)` runs before
        hanging up (pressing a key, asking for a person), followed by `after_last_s` of silence."""
        async with websockets.connect(self.url, max_size=4 << 20) as ws:
            self._ws = ws
            await self.opened()
            reader = asyncio.create_task(self._read())
            try:
                await self._stream_silence(_LEAD_IN_S)
                for i, (label, audio) in enumerate(utterances):
                    turn = TurnResult(label)
                    self.turns.append(turn)
                    await self._speak(audio, turn)
                    barge = barge_in_after is not None and i < len(utterances) - 1
                    await self._wait_for_reply(turn, barge_in_after if barge else None)
                if finale is not None:
                    await finale(self)
                await self._stream_silence(after_last_s)
                await self.closing()
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
        return self.turns

    # ---- what subclasses provide --------------------------------------------------------------
    async def opened(self) -> None: ...

    async def closing(self) -> None: ...

    wire_rate = RATE  # the sample rate the protocol carries

    async def send_audio(self, pcm: np.ndarray) -> None:
        """One 20 ms frame of int16 samples at `wire_rate`."""
        raise NotImplementedError

    async def acknowledge(self, mark: str) -> None:
        raise NotImplementedError

    async def on_message(self, message: str | bytes, now: float) -> None:
        raise NotImplementedError

    def reply_finished(self, turn: TurnResult) -> bool:
        raise NotImplementedError

    # ---- shared -------------------------------------------------------------------------------
    async def send(self, message: str | bytes) -> None:
        await self._ws.send(message)

    async def _read(self) -> None:
        async for message in self._ws:
            now = time.monotonic()
            self.timeline.append((now, message if isinstance(message, str) else f"<{len(message)} bytes>"))
            await self.on_message(message, now)

    def audio_arrived(self, audio16k: np.ndarray, mark: str, now: float) -> None:
        turn = self.answering
        if turn is None:
            return  # audio before any question (a greeting) is not part of a measured turn
        if turn.first_audio_at is None:
            turn.first_audio_at = now
        self._last_audio_at = now
        self.player.add(audio16k, mark, now, turn)

    def cleared(self, now: float) -> list[str]:
        return self.player.clear(now)

    async def _tick(self) -> None:
        """Acknowledge what has finished playing."""
        for mark in self.player.finished(time.monotonic()):
            await self.acknowledge(mark)

    async def _speak(self, audio: np.ndarray, turn: TurnResult) -> None:
        frame = int(self.wire_rate * FRAME_S)
        if self.wire_rate != RATE:  # the whole utterance at once: a streaming resampler would add its own delay
            audio = soxr.resample(audio, RATE, self.wire_rate)
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        next_at = time.monotonic()
        for start in range(0, len(pcm), frame):
            piece = pcm[start : start + frame]
            next_at = await pace(next_at, FRAME_S)
            await self.send_audio(np.pad(piece, (0, frame - len(piece))))
            if frame_level_db(piece.tobytes()) > _VOICED_DB:
                turn.speech_end_at = time.monotonic()
            await self._tick()
        self.answering = turn

    async def _wait_for_reply(self, turn: TurnResult, barge_in_after: float | None) -> None:
        started = time.monotonic()
        silence = np.zeros(int(self.wire_rate * FRAME_S), np.int16)
        next_at = started
        while time.monotonic() - started < self.reply_timeout_s:
            now = time.monotonic()
            if barge_in_after is not None and turn.first_audio_at is not None:
                if now - turn.first_audio_at >= barge_in_after:
                    return
            elif (
                self.reply_finished(turn)
                and self.player.idle
                and now - max(self._last_audio_at, self.player.ends_at) >= self.settle_s
            ):
                turn.done = True
                return
            next_at = await pace(next_at, FRAME_S)
            await self.send_audio(silence)
            await self._tick()

    async def _stream_silence(self, seconds: float) -> None:
        silence = np.zeros(int(self.wire_rate * FRAME_S), np.int16)
        next_at = time.monotonic()
        for _ in range(int(seconds / FRAME_S)):
            next_at = await pace(next_at, FRAME_S)
            await self.send_audio(silence)
            await self._tick()


class BrowserCaller(Caller):
    """Speaks the page's protocol: binary 16 kHz PCM up; JSON events and audio chunks down."""

    path = "/ws"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._audio_header: dict | None = None
        self._replies_done = 0

    async def send_audio(self, pcm: np.ndarray) -> None:
        await self.send(pcm.astype("<i2").tobytes())

    async def acknowledge(self, mark: str) -> None:
        await self.send(json.dumps({"type": ClientKind.PLAYED, "seq": int(mark)}))

    async def closing(self) -> None:
        await self.send(json.dumps({"type": ClientKind.BYE}))

    async def on_message(self, message: str | bytes, now: float) -> None:
        if isinstance(message, bytes):
            header, self._audio_header = self._audio_header, None
            if header is None:
                return
            audio = np.frombuffer(message, "<i2").astype(np.float32) / 32768
            self.audio_arrived(soxr.resample(audio, header["sample_rate"], RATE), str(header["seq"]), now)
            return
        event = json.loads(message)
        self.events.append(event)
        kind = event.get("type")
        turn = self.answering
        if kind == Kind.AUDIO:
            self._audio_header = event
        elif kind == Kind.CLEAR:
            self.cleared(now)
        elif turn is not None and kind == Kind.TRANSCRIPT:
            turn.transcript = event["text"]
        elif turn is not None and kind == Kind.REPLY:
            turn.reply, turn.products = event["text"], event.get("products", [])
        elif kind in (Kind.REPLY_DONE, Kind.NO_SPEECH, Kind.ERROR) and event.get("code") not in _CLIENT_ERRORS:
            self._replies_done += 1

    def reply_finished(self, turn: TurnResult) -> bool:
        return self._replies_done >= len(self.turns)


_CLIENT_ERRORS = ("bad_json", "unknown_type", "bad_audio", "too_large")


class PhoneCaller(Caller):
    """Plays Twilio: μ-law 8 kHz media up; media, marks and clear down; marks echoed once played."""

    path = "/twilio/stream"

    def __init__(self, *args, call_sid: str = "CA0000", parameters: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream_sid = "MZ" + call_sid
        self.call_sid = call_sid
        self.parameters = parameters or {}  # besides what the webhook's TwiML passes on
        self.clears = 0
        self._sequence = 0
        self._pending_audio: list[np.ndarray] = []  # media since the last mark

    async def opened(self) -> None:
        # As Twilio does: the webhook first; its TwiML's parameters (the stream's one-time token among them)
        # come back in the stream's start event.
        twiml = await asyncio.to_thread(dial, self.base_url, self.call_sid)
        self.parameters = twiml | self.parameters
        await self._event({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._event(
            {
                "event": "start",
                "start": {
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "accountSid": "AC0000",
                    "tracks": ["inbound"],
                    "customParameters": self.parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )

    async def closing(self) -> None:
        await self._event({"event": "stop", "stop": {"callSid": self.call_sid}})

    async def press(self, digit: str) -> None:
        await self._event({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})

    wire_rate = 8000

    async def send_audio(self, pcm: np.ndarray) -> None:
        ulaw = mulaw.encode(pcm)
        await self._event({"event": "media", "media": {"track": "inbound", "payload": base64.b64encode(ulaw).decode()}})

    async def acknowledge(self, mark: str) -> None:
        await self._event({"event": "mark", "mark": {"name": mark}})

    async def on_message(self, message: str | bytes, now: float) -> None:
        event = json.loads(message)
        self.events.append(event)
        kind = event.get("event")
        if kind == "media":
            pcm = mulaw.decode(base64.b64decode(event["media"]["payload"]))
            self._pending_audio.append(soxr.resample(pcm.astype(np.float32) / 32768, 8000, RATE))
            turn = self.answering
            if turn is not None and turn.first_audio_at is None:
                turn.first_audio_at = now
            self._last_audio_at = now
        elif kind == "mark":
            audio = np.concatenate(self._pending_audio) if self._pending_audio else np.zeros(0, np.float32)
            self._pending_audio = []
            self.audio_arrived(audio, event["mark"]["name"], now)
        elif kind == "clear":
            self.clears += 1
            self._pending_audio = []
            for mark in self.cleared(now):  # Twilio echoes the marks of audio that will never play
                await self.acknowledge(mark)

    def reply_finished(self, turn: TurnResult) -> bool:
        # The phone has no events: audio that stops (every clause marked and played) is a reply that ended.
        return turn.first_audio_at is not None and not self._pending_audio

    async def _event(self, body: dict) -> None:
        self._sequence += 1
        await self.send(json.dumps({"sequenceNumber": str(self._sequence), "streamSid": self.stream_sid} | body))


def dial(base_url: str, call_sid: str, caller: str = "+15550100000", auth_token: str | None = None) -> dict[str, str]:
    """What Twilio does when a call comes in: POST the webhook, signed with the account's auth token (given,
    or TWILIO_AUTH_TOKEN) when there is one, and read the stream's parameters from the TwiML it answers."""
    url = base_url.rstrip("/") + "/twilio/voice"
    form = {"CallSid": call_sid, "From": caller, "To": "+15550199999", "AccountSid": "AC0000"}
    token = auth_token or os.environ.get(AUTH_TOKEN_ENV)
    headers = {"X-Twilio-Signature": signature(token, url, form)} if token else {}
    response = httpx.post(url, data=form, headers=headers, timeout=30)
    response.raise_for_status()
    stream = ElementTree.fromstring(response.text).find("./Connect/Stream")
    if stream is None:
        raise ValueError(f"{url} answered TwiML without a <Stream>")
    return {str(p.get("name")): str(p.get("value")) for p in stream.findall("Parameter")}
