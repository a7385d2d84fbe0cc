"""The shopper's browser tab: 16 kHz PCM in, PCM chunks + JSON events out (protocol in README)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from assistant import events
from assistant.audio_io import PIPELINE_RATE
from assistant.transports.outbox import ClientGone, Message
from assistant.transports.websocket import WebSocketTransport, short, to_json
from tts.synthesizer import SpeechChunk


class BrowserTransport(WebSocketTransport):
    channel = "browser"

    def greet(self) -> None:
        self.outbox.put(to_json(events.ready(self.session_id, PIPELINE_RATE)))
        self.outbox.put(to_json(events.state("listening")))

    async def frames(self) -> AsyncIterator[bytes]:
        # `/ws?lang=es-MX`: the page passes the browser's language, used when speech alone is unclear.
        if lang := self.websocket.query_params.get("lang"):
            self.on_language_hint(lang)
        async for frame in self._frames():
            yield frame

    async def _frames(self) -> AsyncIterator[bytes]:
        while True:
            text, data = await self._receive()
            if data is not None:
                if len(data) % 2:
                    self.bad_input(
                        "bad_audio", f"a binary frame of {len(data)} bytes: 16-bit PCM needs an even number of bytes"
                    )
                    continue
                yield data
            elif text is not None:
                self._control(text)

    def _control(self, text: str) -> None:
        message = self._parse_json(text)
        if message is None:
            return
        kind = message.get("type")
        if kind == events.ClientKind.PLAYED:
            self.playout.acknowledged(str(message.get("seq")))
        elif kind == events.ClientKind.HANDOFF:
            self.on_handoff("button")
        elif kind == events.ClientKind.BYE:
            raise ClientGone("the shopper left")
        else:
            self.bad_input("unknown_type", f"a message of unknown type {short(kind)}; expected played, handoff or bye")

    def bad_input(self, code: str, message: str) -> None:
        super().bad_input(code, message)
        self.outbox.put(to_json(events.error(code, message)))

    def event(self, event: dict) -> None:
        self.outbox.put(to_json(event))

    def _audio_messages(self, chunk: SpeechChunk, mark: str) -> list[Message]:
        pcm = chunk.pcm.astype("<i2").tobytes()
        return [to_json(events.audio(int(mark), chunk.sample_rate, chunk.text, len(pcm))), pcm]

    def _clear_message(self) -> Message:
        return to_json(events.clear())
