"""What the browser and phone transports share: a WebSocket, an outbox, marks, bad-input reports."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.websockets import WebSocket

from assistant.transports.marks import MarkedPlayout
from assistant.transports.outbox import ClientGone, Message, Outbox
from tts.synthesizer import SpeechChunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebSocketLimits:
    max_message_bytes: int = 64 * 1024  # one audio frame or JSON message; bigger ones are refused
    max_queued_bytes: int = 4 << 20  # unsent audio and events per client before it counts as not reading
    stall_s: float = 10.0  # one send blocked this long: the client is not reading
    idle_s: float = 300.0  # nothing received this long (a phone streams 50 frames a second): the client is gone


class WebSocketTransport:
    """Inbound: `frames()` yields 16 kHz mono int16 PCM. Outbound: the session's `AudioOutput`."""

    channel = "websocket"

    def __init__(self, websocket: WebSocket, session_id: str, limits: WebSocketLimits | None = None):
        self.websocket = websocket
        self.session_id = session_id
        self.limits = limits or WebSocketLimits()
        self.outbox = Outbox(self._send, self.limits.max_queued_bytes, self.limits.stall_s)
        self.playout = MarkedPlayout()
        self.on_handoff: Callable[[str], None] = lambda reason: None
        self.on_bad_input: Callable[[str], None] = lambda code: None
        self.on_language_hint: Callable[[str], None] = lambda code: None
        self._seq = 0

    # ---- inbound ------------------------------------------------------------------------------
    async def frames(self) -> AsyncIterator[bytes]:
        raise NotImplementedError

    async def _receive(self) -> tuple[str | None, bytes | None]:
        """The next text or binary message; raises ClientGone when the client has left or fell silent (an idle
        socket would hold its place under the session caps forever)."""
        try:
            message = await asyncio.wait_for(self.websocket.receive(), self.limits.idle_s)
        except TimeoutError:
            raise ClientGone(f"nothing received for {self.limits.idle_s:g} s") from None
        if message["type"] == "websocket.disconnect":
            raise ClientGone(f"client closed the connection (code {message.get('code')})")
        text, data = message.get("text"), message.get("bytes")
        size = len(data) if data is not None else len((text or "").encode())
        if size > self.limits.max_message_bytes:
            self.bad_input("too_large", f"a message of {size} bytes; the limit is {self.limits.max_message_bytes}")
            return None, None
        return text, data

    def _parse_json(self, text: str) -> dict | None:
        if json_depth(text) > MAX_JSON_DEPTH:
            self.bad_input("bad_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            return None
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as exc:
            self.bad_input("bad_json", f"a text frame that is not JSON ({exc}): {text[:80]!r}")
            return None
        if not isinstance(message, dict):
            self.bad_input("bad_json", f"a JSON {type(message).__name__}, expected an object: {text[:80]!r}")
            return None
        return message

    def bad_input(self, code: str, message: str) -> None:
        """Bad input is dropped with a logged reason; the conversation goes on."""
        log.warning("%s session %s: %s: %s", self.channel, self.session_id, code, message)
        self.on_bad_input(code)

    # ---- outbound: AudioOutput ----------------------------------------------------------------
    def start_reply(self) -> None:
        self.playout.start_reply()

    async def play(self, chunk: SpeechChunk) -> None:
        self._seq += 1
        mark = str(self._seq)
        self.outbox.put(*self._audio_messages(chunk, mark), audio=True)
        self.playout.sent(mark, chunk.duration_s)

    async def clear(self) -> None:
        self.outbox.drop_audio()
        self.playout.cut()
        self.outbox.put(self._clear_message())

    def played_seconds(self) -> float:
        return self.playout.played_seconds()

    def idle_in(self) -> float:
        return self.playout.idle_in()

    def event(self, event: dict) -> None:
        """A conversation event (transcript, reply, state …) for the client, if it wants them."""

    def _audio_messages(self, chunk: SpeechChunk, mark: str) -> list[Message]:
        raise NotImplementedError

    def _clear_message(self) -> Message:
        raise NotImplementedError

    async def _send(self, message: Message) -> None:
        if isinstance(message, bytes):
            await self.websocket.send_bytes(message)
        else:
            await self.websocket.send_text(message)


def to_json(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


CLOSE_TIMEOUT_S = 2.0  # a client that does not answer the close handshake is not waited for longer
MAX_JSON_DEPTH = 32  # the protocol's messages are two levels deep; a nesting bomb is refused unparsed


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def short(value: object, limit: int = 80) -> str:
    """A client's value, as quoted back to it and in the log: never the whole of a big one."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


async def close_quietly(transport: WebSocketTransport, reason: str) -> None:
    """Close with a reason (the conversation is over), never raising: the client may be gone already."""
    try:
        # A close frame carries at most 123 bytes of reason (UTF-8), whatever a client put in it.
        reason = reason.encode()[:120].decode(errors="ignore")
        await asyncio.wait_for(transport.websocket.close(code=1000, reason=reason), CLOSE_TIMEOUT_S)
    except Exception:  # already closed, or a client that does not answer the close handshake
        pass
