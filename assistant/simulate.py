"""`voice-assistant simulate`: WAV files through the whole pipeline as one conversation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.audio_io import read_audio_file
from assistant.engines import Engines
from assistant.session import Session
from assistant.transports.wav_file import WavFileConversation
from assistant.turn import TurnRecord


async def simulate(
    engines: Engines,
    files: list[str | Path],
    barge_in_after: float | None = None,
    out: str | Path | None = None,
    realtime: bool = True,
    on_event: Callable[[dict], None] | None = None,
) -> list[TurnRecord]:
    utterances = [read_audio_file(f) for f in files]  # every file is checked before any is played
    conversation = WavFileConversation(
        utterances, barge_in_after=barge_in_after, realtime=realtime, frame_ms=engines.config.asr.vad.frame_ms
    )
    session = Session(engines, conversation, on_event=on_event)
    conversation.is_idle = session.is_idle
    await session.run(conversation.frames())
    if out is not None:
        conversation.write_played(out)
    return session.turns
