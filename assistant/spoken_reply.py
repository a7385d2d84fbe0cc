"""One reply the session prepares or speaks: speculative until committed, the audio it sent, its line in the
history, and which part of its text is a filler rather than the answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from assistant.turn import TurnRecord
from dialogue.history import Message
from dialogue.replies import Reply
from tts.synthesizer import SpeechChunk


@dataclass
class SpokenReply:
    turn: TurnRecord
    committed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    chunks: list[SpeechChunk] = field(default_factory=list)
    accepted: bool = False  # entered the history: the shopper is hearing it
    message: Message | None = None  # its line in the history (a generated reply's grows as it streams)
    filler_chars: int = 0  # the reply text before this offset is a filler ("One moment."), not the answer

    async def text(self, answer: Reply, clock: Callable[[], float]) -> AsyncIterator[str]:
        """The answer's text as it streams (what speech is made from); a generated answer's record and
        history line grow with it."""
        if not answer.generated:
            async for text in answer.pieces():
                yield text
            return
        turn = self.turn
        turn.reply = ""
        async for text in answer.pieces():
            filler = bool(answer.pieces_said) and answer.pieces_said[-1].filler
            if not filler and turn.first_text_at is None:
                turn.first_text_at = clock()
            turn.reply += text
            if filler:
                self.filler_chars = len(turn.reply)
            if self.message is not None:
                self.message.text = turn.reply.strip()
            yield text
