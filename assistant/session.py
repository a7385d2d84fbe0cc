"""One conversation: listening -> user speaking -> thinking -> speaking -> listening.

Each reply is an asyncio task; cancelling it is how the shopper interrupts. A reply is
prepared speculatively as soon as the shopper pauses and is thrown away if they go on;
its audio leaves only once the endpointer has confirmed the turn is over.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncIterable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from asr.endpointer import Endpointer, EndpointEvent, EventKind, FrameSplitter
from asr.streaming import Utterance
from asr.whisper_engine import Transcript
from assistant import events
from assistant.barge_in import BackchannelFilter
from assistant.engines import Engines
from assistant.heard import heard_text
from assistant.session_handoff import HandoffSide, State, transcript_event
from assistant.spoken_reply import SpokenReply
from assistant.transports.base import AudioOutput
from assistant.turn import TurnRecord
from dialogue.history import ConversationHistory
from dialogue.language import LanguageTracker, base_language
from dialogue.replies import Reply
from dialogue.state import ConversationState
from tts.synthesizer import SpeechChunk

log = logging.getLogger(__name__)
_RECHECK_S = 0.4  # while a possible interruption goes on, look at it again this often


@dataclass
class _Candidate:
    """Speech that began while the assistant was thinking or speaking."""

    onset_at: float
    next_check_s: float
    check: asyncio.Task | None = None
    interrupted: bool = False


class Session(HandoffSide):
    def __init__(
        self,
        engines: Engines,
        output: AudioOutput,
        on_event: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_turn: Callable[[TurnRecord], None] | None = None,
    ):
        self.engines = engines
        self.config = engines.config
        self.output = output
        self.on_event = on_event or (lambda event: None)
        self.on_turn = on_turn or (lambda turn: None)  # a turn is over (answered, cut off or failed)
        self.clock = clock
        asr = self.config.asr
        self.endpointer = Endpointer(asr.vad, asr.endpoint)
        self.splitter = FrameSplitter(self.endpointer.frame_bytes)
        self.transcriber = engines.transcriber()
        self.language = LanguageTracker(self.config.dialogue.language)
        self.language_hint: str | None = None
        self.backchannels = BackchannelFilter(self.config.barge_in)
        self.history = ConversationHistory()
        self.dialogue_state = ConversationState()
        self.turns: list[TurnRecord] = []
        self.state = State.LISTENING
        self._utterance: Utterance | None = None
        self._candidate: _Candidate | None = None
        self._reply: SpokenReply | None = None  # committed: being thought about or spoken
        self._speculative: SpokenReply | None = None
        self._partial: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()
        self._next_partial_s = 0.0
        self._last_voiced_at = 0.0

    # ---- input ------------------------------------------------------------------------------
    async def run(self, pcm: AsyncIterable[bytes]) -> None:
        """Consume 16 kHz mono int16 PCM until the stream ends, then wait for the last reply."""
        try:
            async for data in pcm:
                for frame in self.splitter.feed(data):
                    self._on_frame(frame)
                await asyncio.sleep(0)  # let reply tasks run between network reads
            await asyncio.gather(*self._background, return_exceptions=True)
            if self._reply and self._reply.task:
                await asyncio.gather(self._reply.task, return_exceptions=True)
        finally:
            await self.close()

    async def close(self) -> None:
        reply = self._reply
        tasks = [
            t
            for t in (
                self._partial,
                reply and reply.task,
                self._speculative and self._speculative.task,
                self._candidate and self._candidate.check,
                *self._background,
            )
            if t and not t.done()
        ]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if reply is not None and reply.accepted:
            # A hang-up mid-reply: only what was played counts as said.
            self.history.truncate_last_assistant(self._heard(reply))
        self.state = State.CLOSED

    def hint_language(self, code: str | None) -> None:
        """The caller's likely language (a phone line's, the browser's); ignored if ASR does not know it."""
        language = base_language(code or "")
        if language and self.engines.whisper.knows_language(language):
            self.language_hint = language
        elif code:
            log.info("language hint %r is not one the ASR knows; ignored", code)

    def _prior_language(self) -> str | None:
        """What to assume when Whisper is unsure of an utterance's language: the conversation's
        language so far, else the caller's hint (a phone line's language, the browser's)."""
        return self.language.current or self.language_hint

    def is_idle(self) -> bool:
        return self.state == State.LISTENING and self._utterance is None

    def _on_frame(self, frame: bytes) -> None:
        now = self.clock()
        event = self.endpointer.push(frame)
        if self.endpointer.in_speech and self.endpointer.silence_ms == 0:
            self._last_voiced_at = now
        if self._utterance is not None:
            self._utterance.add(frame)
        else:
            self.transcriber.keep_history(frame)
        if event is not None:
            self._on_endpoint(event, now)
        elif self._utterance is not None:
            self._while_speech_goes_on()

    def _on_endpoint(self, event: EndpointEvent, now: float) -> None:
        kind = event.kind
        if kind is EventKind.SPEECH_START:
            self._speech_started(event, now)
        elif self._utterance is None:
            return  # speech we chose to ignore (half-duplex while speaking)
        elif kind is EventKind.PAUSE and self._candidate is None and self.state is not State.HANDED_OFF:
            self._speculative = self._start_reply(self._utterance)
        elif kind is EventKind.RESUME:
            self._drop_speculation()
        elif kind is EventKind.SPEECH_END:
            self._speech_ended(now)

    def _speech_started(self, event: EndpointEvent, now: float) -> None:
        voiced_s = event.at_s - event.speech_start_s
        busy = self.state in (State.THINKING, State.SPEAKING)
        if (busy and not self.config.barge_in.enabled) or self.state is State.CLOSED:
            return
        self._utterance = self.transcriber.start_utterance(voiced_s)
        self._next_partial_s = self._utterance.duration_s + self.config.asr.partial_interval_ms / 1000
        if self.state is State.HANDED_OFF:
            pass  # a person has taken over: the shopper's words are transcribed for them, never answered
        elif busy:
            min_s = self.config.barge_in.min_speech_ms / 1000
            self._candidate = _Candidate(onset_at=now - voiced_s, next_check_s=max(min_s, voiced_s))
        else:
            self._set_state(State.USER_SPEAKING)
        self.on_event(events.speech_start())

    def _while_speech_goes_on(self) -> None:
        speech_s = self.endpointer.now_s - self.endpointer.speech_start_s
        candidate = self._candidate
        if candidate is not None:
            if not candidate.interrupted and speech_s >= candidate.next_check_s and not _running(candidate.check):
                candidate.next_check_s = speech_s + _RECHECK_S
                candidate.check = self._spawn(self._check_interruption(candidate))
            return
        voiced_now = self.endpointer.silence_ms == 0
        if voiced_now and self._utterance.duration_s >= self._next_partial_s and not _running(self._partial):
            self._next_partial_s = self._utterance.duration_s + self.config.asr.partial_interval_ms / 1000
            self._partial = self._spawn(self._send_partial(self._utterance))

    def _speech_ended(self, now: float) -> None:
        utterance, candidate = self._utterance, self._candidate
        self._utterance, self._candidate = None, None
        if self.state is State.HANDED_OFF:
            self._spawn(self._transcribe_for_agent(utterance.audio().copy()))
            return
        if candidate is not None:
            self._spawn(self._settle_candidate(candidate, utterance, now, self._last_voiced_at))
            return
        reply = self._speculative or self._start_reply(utterance)
        self._speculative = None
        self._commit(reply, now, self._last_voiced_at)

    def _commit(self, reply: SpokenReply, endpoint_at: float, speech_end_at: float) -> None:
        """The shopper's turn is over: this reply is the answer (its audio may now leave)."""
        reply.turn.speech_end_at = speech_end_at
        reply.turn.endpoint_at = endpoint_at
        reply.committed.set()
        self._reply = reply
        self._set_state(State.THINKING)

    def _drop_speculation(self) -> None:
        if self._speculative is not None:
            self._speculative.task.cancel()
            self._speculative = None

    # ---- replies ----------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """A background task whose failure is logged, never lost."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)
        return task

    def _start_reply(self, utterance: Utterance) -> SpokenReply:
        reply = SpokenReply(TurnRecord(index=len(self.turns), speech_end_at=self._last_voiced_at))
        reply.task = asyncio.create_task(self._respond(reply, utterance.audio().copy()))
        return reply

    async def _respond(self, reply: SpokenReply, audio: np.ndarray) -> None:
        turn = reply.turn
        try:
            heard = await self.transcriber.final(audio, prior=self._prior_language())
            turn.asr_final_at = self.clock()
            turn.asr_audio_s, turn.asr_decode_s = heard.audio_s, heard.decode_s
            if not reply.committed.is_set() and heard.text:
                self.endpointer.hint_transcript(heard.text, heard.language)
            tracker = copy.copy(self.language)
            language = tracker.observe(heard.language, heard.language_probability, heard.text)
            if not heard.text:
                await reply.committed.wait()
                log.info("no words recognised in the utterance; not answering")
                self.on_event(events.no_speech())
                return
            # The dialogue works on a copy of the state: adopted (cart included) only if this reply is committed.
            answer = await self.engines.dialogue.respond(
                heard.text,
                language,
                self.dialogue_state,
                history=self.history.messages,
                committed=reply.committed,
                speech_ended_at=turn.speech_end_at,
            )
            await self._say(reply, answer, heard, tracker)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken turn must not end the conversation
            log.exception("turn %d failed", turn.index)
            await reply.committed.wait()  # a speculation that is thrown away never reports
            self.on_event(events.error("turn_failed", f"the assistant could not answer: {exc}"))
        finally:
            self._reply_over(reply)

    async def _say(
        self, reply: SpokenReply, answer: Reply, heard: Transcript | None = None, tracker: LanguageTracker | None = None
    ) -> None:
        """Synthesise the answer; once the turn is committed, it enters the history and plays."""
        turn = reply.turn
        if not answer.generated:
            turn.first_text_at = self.clock()
        speech = self.engines.synthesizer.speak(reply.text(answer, self.clock), answer.language)
        try:
            first = await anext(speech, None)
            if first is not None:
                turn.first_audio_at = self.clock()
            await reply.committed.wait()
            self._accept(reply, answer, heard, tracker)
            if answer.handoff:
                self._hand_off(answer.handoff_reason if heard is not None else reply.turn.intent, answer.language)
            if first is not None:
                await self._play(reply, first)
            async for chunk in speech:
                await self._play(reply, chunk)
        finally:
            await speech.aclose()  # a barge-in or a dropped speculation stops the model behind the speech too
            if answer.generated and reply.accepted:
                self._report_reply(reply, answer)
        while (idle := self.output.idle_in()) > 0:
            await asyncio.sleep(min(idle, 0.05))
        turn.heard_reply = turn.reply
        self.on_event(events.reply_done(turn.latency_ms()))

    def _report_reply(self, reply: SpokenReply, answer: Reply) -> None:
        """The reply's words and products are known: a template's when it is accepted, a generated one's when
        it ends or is cut off."""
        turn = reply.turn
        turn.reply = turn.reply.rstrip() if answer.generated else answer.text
        turn.products = tuple(p.id for p in answer.products)
        turn.facts = tuple(answer.facts) if answer.generated else ()
        products = [p.to_dict(with_variants=False) for p in answer.products]
        self.on_event(events.reply(answer.text, answer.language, products))

    def _reply_over(self, reply: SpokenReply) -> None:
        if reply.accepted:
            self.on_turn(reply.turn)
        if self._reply is reply:
            self._reply = None
            self._back_to_listening()

    def _back_to_listening(self) -> None:
        if self.state in (State.HANDED_OFF, State.CLOSED):
            return
        if self._candidate is not None:
            # The shopper started talking in the reply's last moments: that speech is their next turn.
            self._candidate = None
            self._set_state(State.USER_SPEAKING)
        elif self.state in (State.THINKING, State.SPEAKING):
            self._set_state(State.LISTENING)

    def _accept(
        self, reply: SpokenReply, answer: Reply, heard: Transcript | None = None, tracker: LanguageTracker | None = None
    ) -> None:
        """The turn is real: it enters the history and the record. `heard` is None when the
        assistant speaks unasked (a handoff requested by button or key)."""
        turn = reply.turn
        if tracker is not None:
            self.language = tracker
        if answer.state is not None:
            self.dialogue_state = answer.state
        turn.intent, turn.generated = answer.intent, answer.generated
        if heard is not None:
            turn.transcript, turn.language = heard.text, heard.language
            turn.language_probability = heard.language_probability
            self.history.add_user(heard.text, heard.language)
            self.on_event(transcript_event(heard, answer.intent))
        reply.accepted = True
        self.turns.append(turn)
        # A generated answer is still streaming: its line grows, and it is reported when it is over.
        said = turn.reply.strip() if answer.generated else answer.text
        reply.message = self.history.add_assistant(said, answer.language)
        if not answer.generated:
            self._report_reply(reply, answer)
        self.output.start_reply()

    async def _play(self, reply: SpokenReply, chunk: SpeechChunk) -> None:
        turn = reply.turn
        await self.output.play(chunk)
        if turn.first_sent_at is None:
            turn.first_sent_at = self.clock()
            if self.state is State.THINKING:
                self._set_state(State.SPEAKING)
        if turn.answer_sent_at is None and chunk.end > reply.filler_chars:
            turn.answer_sent_at = self.clock()  # the answer itself, after any filler
        reply.chunks.append(chunk)
        turn.tts_audio_s += chunk.duration_s
        turn.tts_synth_s += chunk.synth_s

    # ---- barge-in ---------------------------------------------------------------------------
    def _interrupts(self, text: str) -> bool:
        return bool(text) and not self.backchannels.is_backchannel(text)

    async def _check_interruption(self, candidate: _Candidate) -> None:
        utterance = self._utterance
        if utterance is None:
            return
        heard = await self.transcriber.final(utterance.audio().copy(), prior=self._prior_language())
        if candidate is not self._candidate or candidate.interrupted or not self._interrupts(heard.text):
            return  # keep talking; look again if the shopper goes on
        candidate.interrupted = True
        await self._interrupt(candidate.onset_at)
        if candidate is self._candidate:
            self._candidate = None  # from here on this speech is the shopper's next turn
            self._set_state(State.USER_SPEAKING)

    async def _settle_candidate(
        self, candidate: _Candidate, utterance: Utterance, ended_at: float, speech_end_at: float
    ) -> None:
        """Speech during a reply has ended: an interruption becomes a turn, an acknowledgement is dropped."""
        if candidate.check is not None:
            await asyncio.gather(candidate.check, return_exceptions=True)  # never cut a check off mid-way
        if not candidate.interrupted:
            heard = await self.transcriber.final(utterance.audio().copy(), prior=self._prior_language())
            if not self._interrupts(heard.text):
                self.on_event(events.backchannel_ignored(heard.text))
                return  # "uh-huh", a cough, the assistant's own echo
            await self._interrupt(candidate.onset_at)
        self._commit(self._start_reply(utterance), ended_at, speech_end_at)

    def _heard(self, reply: SpokenReply) -> str:
        return heard_text(reply.chunks, self.output.played_seconds(), reply.turn.reply)

    async def _interrupt(self, onset_at: float, reason: str = "barge_in") -> None:
        reply, self._reply = self._reply, None
        if reply is None:
            return
        reply.turn.interrupted = True
        if reply.task:
            reply.task.cancel()
        await self.output.clear()
        stopped_at = self.clock()
        heard = self._heard(reply)
        reply.turn.heard_reply = heard
        if reply.accepted:
            self.history.truncate_last_assistant(heard)
        if reason == "barge_in":
            reply.turn.barge_in_ms = (stopped_at - onset_at) * 1000
            self.on_event(events.barge_in(heard))

    # ---- events -----------------------------------------------------------------------------
    async def _send_partial(self, utterance: Utterance) -> None:
        partial = await self.transcriber.partial(utterance, prior=self._prior_language())
        if partial is not None and utterance is self._utterance:
            self.on_event(events.partial(partial.committed, partial.tentative, partial.language))

    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.state = state
            self.on_event(events.state(state.value))


def _running(task: asyncio.Task | None) -> bool:
    return task is not None and not task.done()


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("session task failed", exc_info=task.exception())
