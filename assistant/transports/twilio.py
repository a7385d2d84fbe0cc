"""A phone call over Twilio Media Streams: base64 μ-law 8 kHz both ways, marks, clear, DTMF.

Any telephony provider whose media-stream WebSocket has this shape works the same way.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator, Callable
from xml.sax.saxutils import quoteattr

import numpy as np
import soxr

from assistant.audio_io import PIPELINE_RATE
from assistant.transports import mulaw
from assistant.transports.outbox import ClientGone, Message
from assistant.transports.websocket import WebSocketTransport, short, to_json
from tts.synthesizer import SpeechChunk

log = logging.getLogger(__name__)

PHONE_RATE = 8000
HANDOFF_DIGIT = "0"


class TwilioTransport(WebSocketTransport):
    channel = "phone"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream_sid: str | None = None
        self.call: dict[str, str] = {}  # callSid and the call's custom parameters, for the handoff record
        # (token, callSid) -> whether our webhook issued that token for that call; None: any stream may start.
        self.admit_call: Callable[[str, str], bool] | None = None
        # Streaming resampler: keeps its filter state across the 20 ms media frames. soxr's higher
        # qualities hold back ~100 ms of audio per block, which the shopper would wait for at every
        # turn; "LQ" holds ~60 ms and transcribes telephone-band speech as well (tests/test_phone.py).
        self._upsample = soxr.ResampleStream(PHONE_RATE, PIPELINE_RATE, 1, dtype="int16", quality="LQ")

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            text, data = await self._receive()
            if data is not None:
                self.bad_input("unexpected_binary", f"a binary frame of {len(data)} bytes; Media Streams sends JSON")
                continue
            message = self._parse_json(text) if text is not None else None
            if message is None:
                continue
            try:
                pcm = self._handle(message)
            except _Malformed as exc:
                self.bad_input("bad_event", f"a malformed {short(message.get('event'))} event: {exc}")
                continue
            if pcm is not None and len(pcm):
                yield pcm

    def _handle(self, message: dict) -> bytes | None:
        event = message.get("event")
        if event == "media":
            return self._media(message)
        if event == "connected":
            return None
        if event == "start":
            self._start(message)
        elif event == "mark":
            name = _section(message, "mark").get("name")
            if name is not None:
                self.playout.acknowledged(str(name))
        elif event == "dtmf":
            digit = str(_section(message, "dtmf").get("digit", ""))
            log.info("phone session %s: caller pressed %s", self.session_id, short(digit, 8))
            if digit == HANDOFF_DIGIT:
                self.on_handoff(f"dtmf {digit}")
        elif event == "stop":
            raise ClientGone("the call ended")
        else:
            self.bad_input("unknown_event", f"unknown Media Streams event {short(event)}")
        return None

    def _start(self, message: dict) -> None:
        start = _section(message, "start")
        media_format = _section(start, "mediaFormat")
        encoding = media_format.get("encoding", "audio/x-mulaw")
        rate = media_format.get("sampleRate", PHONE_RATE)
        if encoding != "audio/x-mulaw" or str(rate) != str(PHONE_RATE):
            raise ClientGone(
                f"unsupported media format {short(encoding)} at {short(rate)} Hz; expected audio/x-mulaw at 8000 Hz"
            )
        params = dict(_section(start, "customParameters"))
        stream_sid = start.get("streamSid") or message.get("streamSid")
        if not stream_sid or not isinstance(stream_sid, str):
            self.bad_input("bad_start", "a start event without a streamSid")
            return
        token, call_sid = params.pop("token", ""), str(start.get("callSid", ""))
        if self.admit_call is not None and not self.admit_call(str(token), call_sid):
            raise ClientGone("no call of ours started this stream: its token is missing, spent or expired")
        self.stream_sid = stream_sid
        self.call = {"callSid": call_sid} | {str(k): str(v) for k, v in params.items()}
        if language := self.call.get("language"):  # <Parameter name="language" value="es"/> on the line's TwiML
            self.on_language_hint(language)
        log.info("phone session %s: call %s started", self.session_id, short(self.call["callSid"]))

    def _media(self, message: dict) -> bytes | None:
        if self.stream_sid is None:
            self.bad_input("media_before_start", "audio before the stream's start event; dropped")
            return None
        media = _section(message, "media")
        if media.get("track", "inbound") not in ("inbound", "inbound_track"):
            return None
        try:
            ulaw = base64.b64decode(media.get("payload", ""), validate=True)
        except (binascii.Error, ValueError, TypeError):
            self.bad_input("bad_audio", "a media payload that is not base64")
            return None
        return self._upsample.resample_chunk(mulaw.decode(ulaw)).tobytes()

    def _audio_messages(self, chunk: SpeechChunk, mark: str) -> list[Message]:
        pcm = chunk.pcm if chunk.sample_rate == PHONE_RATE else soxr.resample(chunk.pcm, chunk.sample_rate, PHONE_RATE)
        payload = base64.b64encode(mulaw.encode(np.asarray(pcm, dtype=np.int16))).decode("ascii")
        return [
            to_json({"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}}),
            to_json({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": mark}}),
        ]

    def _clear_message(self) -> Message:
        return to_json({"event": "clear", "streamSid": self.stream_sid})


class _Malformed(ValueError):
    """An event whose fields have the wrong shape (a client's mistake, not ours)."""


def _section(message: dict, key: str) -> dict:
    """An object-valued field of an event ({} when absent); anything else is a malformed event."""
    value = message.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Malformed(f"{key!r} should be an object, not {type(value).__name__}")
    return value


def twiml_connect(stream_url: str, parameters: dict[str, str]) -> str:
    """The TwiML that connects an incoming call to the media stream."""
    params = "".join(f"<Parameter name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in parameters.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={quoteattr(stream_url)}>{params}</Stream></Connect></Response>"
    )
