"""The session's side that hands the shopper to a person: the handoff itself, then, while the person has the
conversation, the shopper's words transcribed for them and their typed lines spoken in the session's voice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from asr.whisper_engine import Transcript
from assistant import events
from assistant.spoken_reply import SpokenReply
from assistant.turn import TurnRecord
from dialogue.replies import Reply

if TYPE_CHECKING:
    from assistant.session import Session


class State(str, Enum):
    LISTENING = "listening"
    USER_SPEAKING = "user_speaking"
    THINKING = "thinking"
    SPEAKING = "speaking"
    HANDED_OFF = "handed_off"
    CLOSED = "closed"


class HandoffSide:
    """Mixed into Session (assistant.session): it uses the session's state, history, output and engines."""

    # ---- handoff ----------------------------------------------------------------------------
    def request_handoff(self: Session, reason: str) -> None:
        """The shopper asked for a person (button, phone key): stop talking, say so, hand over."""
        if self.state not in (State.HANDED_OFF, State.CLOSED):
            self._spawn(self._hand_off_now(reason))

    async def _hand_off_now(self: Session, reason: str) -> None:
        if self.state in (State.HANDED_OFF, State.CLOSED):
            return
        await self._interrupt(self.clock(), reason="handoff")
        self._drop_speculation()
        self._utterance = self._candidate = None  # what they are saying now goes to the person
        answer = self.engines.dialogue.handoff_reply(self._prior_language() or self.config.dialogue.language.default)
        answer.intent = reason
        reply = SpokenReply(TurnRecord(index=len(self.turns), speech_end_at=self.clock()))
        reply.committed.set()
        self._reply = reply
        reply.task = self._spawn(self._say_unasked(reply, answer))

    async def _say_unasked(self: Session, reply: SpokenReply, answer: Reply) -> None:
        try:
            await self._say(reply, answer)
        finally:
            self._reply_over(reply)

    def _hand_off(self: Session, reason: str, language: str) -> None:
        self._set_state(State.HANDED_OFF)
        transcript = [
            {"role": m.role, "text": m.text, "language": m.language, "at": round(m.at, 3)}
            for m in self.history.messages
        ]
        self.on_event(events.handoff(reason, language, transcript))

    # ---- a person has taken over ------------------------------------------------------------
    async def _transcribe_for_agent(self: Session, audio: np.ndarray) -> None:
        heard = await self.transcriber.final(audio, prior=self._prior_language())
        if heard.text:
            self.history.add_user(heard.text, heard.language)
            self.on_event(transcript_event(heard, intent="to_agent"))

    def handoff_language(self: Session) -> str:
        return self._prior_language() or self.config.dialogue.language.default

    async def say_for_agent(self: Session, text: str, by: str = "agent") -> None:
        """The agent's typed line (or the assistant's word while the shopper waits for one), spoken to the
        shopper in the conversation's language and voice."""
        if self.state is not State.HANDED_OFF:
            return
        language = self.handoff_language()
        self.history.add_assistant(text, language)
        self.on_event(events.reply(text, language, [], by=by))
        self.output.start_reply()
        speech = self.engines.synthesizer.speak(_once(text), language)
        try:
            async for chunk in speech:
                await self.output.play(chunk)
        finally:
            await speech.aclose()

    def hand_back(self: Session) -> None:
        """The agent gives the conversation back: the assistant answers the next question."""
        if self.state is State.HANDED_OFF:
            self._set_state(State.LISTENING)


def transcript_event(heard: Transcript, intent: str) -> events.Event:
    return events.transcript(heard.text, heard.language, heard.confidence, heard.language_probability, intent)


async def _once(text: str) -> AsyncIterator[str]:
    yield text
