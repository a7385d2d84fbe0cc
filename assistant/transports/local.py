"""This computer's microphone and speaker, through sounddevice (PortAudio).

Without a headset the assistant would hear itself, so by default the microphone is
muted while the assistant speaks (half-duplex); `barge_in=True` turns that off.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import soxr

from assistant.audio_io import PIPELINE_RATE
from assistant.transports.base import PlayoutClock
from tts.synthesizer import SpeechChunk

_BLOCK = PIPELINE_RATE // 50  # 20 ms
_ECHO_TAIL_S = 0.3  # room echo after the speaker stops


class LocalAudioUnavailable(RuntimeError):
    pass


def import_sounddevice() -> Any:
    try:
        import sounddevice
    except ImportError as exc:
        if "PortAudio" in str(exc):
            raise LocalAudioUnavailable(
                "the PortAudio library is missing: install it (Debian/Ubuntu: apt-get install libportaudio2)"
            ) from None
        raise LocalAudioUnavailable("sounddevice is not installed: pip install sounddevice") from None
    except OSError as exc:
        raise LocalAudioUnavailable(
            f"PortAudio could not be loaded ({exc}): install it (Debian/Ubuntu: apt-get install libportaudio2)"
        ) from None
    return sounddevice


class LocalAudio:
    def __init__(
        self, input_device: str | int | None = None, output_device: str | int | None = None, half_duplex: bool = True
    ):
        sd = import_sounddevice()
        try:
            sd.query_devices(input_device, kind="input")
            out_info = sd.query_devices(output_device, kind="output")
        except (sd.PortAudioError, ValueError) as exc:
            raise LocalAudioUnavailable(f"no usable audio device: {exc}") from None
        self._sd = sd
        self.half_duplex = half_duplex
        self.out_rate = int(out_info["default_samplerate"])
        self._input_device, self._output_device = input_device, output_device
        self._buffer: collections.deque[np.ndarray] = collections.deque()
        self._lock = threading.Lock()
        self._clock = PlayoutClock()
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._streams = []

    # ---- input ------------------------------------------------------------------------------
    async def frames(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        silence = bytes(_BLOCK * 2)

        def on_input(data: Any, frames: int, _time: Any, status: Any) -> None:
            loop.call_soon_threadsafe(self._queue.put_nowait, bytes(data))

        self._start(on_input)
        while True:
            data = await self._queue.get()
            if self.half_duplex and time.monotonic() < self._clock.ends_at + _ECHO_TAIL_S:
                yield silence  # the assistant is talking: don't listen to the speaker
            else:
                yield data

    def _start(self, on_input: Callable[..., None]) -> None:
        sd = self._sd
        try:
            self._streams.append(
                sd.RawInputStream(
                    samplerate=PIPELINE_RATE,
                    channels=1,
                    dtype="int16",
                    blocksize=_BLOCK,
                    device=self._input_device,
                    callback=on_input,
                )
            )
            self._streams.append(
                sd.OutputStream(
                    samplerate=self.out_rate,
                    channels=1,
                    dtype="float32",
                    device=self._output_device,
                    callback=self._on_output,
                )
            )
            for stream in self._streams:
                stream.start()
        except sd.PortAudioError as exc:
            self.close()  # whichever stream did open is released
            raise LocalAudioUnavailable(f"could not open the audio device: {exc}") from None

    def close(self) -> None:
        streams, self._streams = self._streams, []
        for stream in streams:
            stream.stop()
            stream.close()

    # ---- output -----------------------------------------------------------------------------
    def _on_output(self, out: Any, frames: int, _time: Any, status: Any) -> None:
        filled = 0
        with self._lock:
            while filled < frames and self._buffer:
                block = self._buffer[0]
                take = min(frames - filled, len(block))
                out[filled : filled + take, 0] = block[:take]
                if take == len(block):
                    self._buffer.popleft()
                else:
                    self._buffer[0] = block[take:]
                filled += take
        out[filled:, 0] = 0

    def start_reply(self) -> None:
        self._clock.reset()

    async def play(self, chunk: SpeechChunk) -> None:
        audio = chunk.pcm.astype(np.float32) / 32768
        if chunk.sample_rate != self.out_rate:
            audio = soxr.resample(audio, chunk.sample_rate, self.out_rate)
        with self._lock:
            self._buffer.append(audio)
        self._clock.schedule(chunk.duration_s)

    async def clear(self) -> None:
        with self._lock:
            self._buffer.clear()
        self._clock.cut(time.monotonic())

    def played_seconds(self) -> float:
        return self._clock.played()

    def idle_in(self) -> float:
        return self._clock.idle_in()


async def talk(engines: Any, audio: LocalAudio) -> None:
    from assistant.events import Kind
    from assistant.session import Session

    def show(event: dict) -> None:
        if event["type"] == Kind.PARTIAL:
            print(f"\r… {event['committed']} {event['tentative']}", end="", file=sys.stderr, flush=True)
        elif event["type"] == Kind.TRANSCRIPT:
            print(f"\ryou ({event['language']}): {event['text']}", flush=True)
        elif event["type"] == Kind.REPLY:
            print(f"assistant: {event['text']}", flush=True)
        elif event["type"] == Kind.BARGE_IN:
            print("[interrupted]", flush=True)

    print("listening — speak now (Ctrl+C to stop)", file=sys.stderr)
    session = Session(engines, audio, on_event=show)
    try:
        await session.run(audio.frames())
    finally:
        audio.close()
