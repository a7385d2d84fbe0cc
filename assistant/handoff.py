"""When a person takes over: the record an agent picks the conversation up from."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from assistant.pii import redact
from dialogue.history import ConversationHistory, Message
from dialogue.llm.summary import model_summary
from models.llm import LLMEngine

if TYPE_CHECKING:
    from assistant.records.recorder import Recorder


@dataclass(frozen=True)
class TranscriptLine:
    role: str  # "user" or "assistant"
    text: str  # for the assistant: only the words the shopper heard
    language: str
    at: float  # unix time
    interrupted: bool = False
    asr_confidence: float | None = None  # shopper lines: how sure Whisper was of the words
    products: tuple[str, ...] = ()  # shown with this line


@dataclass(frozen=True)
class HandoffRecord:
    session: str
    channel: str  # "browser", "phone", …
    reason: str  # "asked in words", "button", "dtmf 0", …
    language: str
    transcript: tuple[TranscriptLine, ...]
    products: tuple[str, ...]  # product ids discussed, most recent last
    caller: dict[str, str] = field(default_factory=dict)  # e.g. the call's sid and custom parameters
    cart: tuple[dict[str, object], ...] = ()  # sku, product id and quantity of each cart line
    summary: str = ""  # what the agent reads first: the template's at once, the model's when it is ready
    summary_by: str = "template"  # "template" | "model"
    created_at: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = "waiting"  # "waiting" for an agent, "accepted" by one, "closed"
    agent: str | None = None
    callback: str | None = None  # the number to call back: no agent was free in time

    @classmethod
    def from_history(cls, history: ConversationHistory, products: list[str], **fields) -> HandoffRecord:
        lines = tuple(TranscriptLine(m.role, m.text, m.language, m.at, m.interrupted) for m in history.messages)
        return cls(transcript=lines, products=tuple(dict.fromkeys(products)), **fields)

    def to_json(self) -> dict:
        return asdict(self)

    def redacted(self) -> HandoffRecord:
        """The record with card numbers, e-mail addresses and phone numbers said in the conversation
        replaced by placeholders (assistant.pii); the call's own parameters stay, for a callback."""
        lines = tuple(replace(line, text=redact(line.text)) for line in self.transcript)
        return replace(self, transcript=lines, summary=redact(self.summary))


class HandoffDesk:
    """Handoffs waiting for a person, filed in the durable store through the recorder (after the lines of the
    conversation they belong to). With redaction on (the default), personal data is taken out before a record
    is filed or a conversation goes to a model."""

    def __init__(self, recorder: Recorder, announce: bool = False):
        self.recorder = recorder
        self.store = recorder.store
        self.redact = recorder.redact
        self.announce = announce  # a webhook is configured: each new handoff is owed a POST

    @classmethod
    def in_memory(cls, redact: bool = True) -> HandoffDesk:
        """A desk on a throwaway store (the text chat, tests): nothing survives the process."""
        from assistant.records.recorder import Recorder
        from assistant.records.store import ConversationStore

        return cls(Recorder(ConversationStore("sqlite://"), redact))

    def add(self, record: HandoffRecord, then: Callable[[], None] | None = None) -> HandoffRecord:
        """File the record; `then` runs once it is in the store (other workers may read it from then on)."""
        filed = record.redacted() if self.redact else record
        self.recorder.submit(self.store.file_handoff, filed, self.announce, then=then)
        return filed

    async def records(self, status: str | None = None, limit: int = 100, offset: int = 0) -> list[HandoffRecord]:
        await self.recorder.settled()
        return await asyncio.to_thread(self.store.handoffs, status, limit, offset)

    async def get(self, record_id: str) -> HandoffRecord | None:
        await self.recorder.settled()
        return await asyncio.to_thread(self.store.handoff, record_id)

    async def summarise(self, record: HandoffRecord, messages: Sequence[Message], llm: LLMEngine) -> None:
        """Replace the record's template summary with the model's, once written (if it is grounded)."""
        if self.redact:  # the model may be a remote server: it reads no more than the agent will
            messages = [replace(m, text=redact(m.text), full_text=None) for m in messages]
        summary = await model_summary(llm, messages, record.reason)
        if summary:
            self.recorder.submit(
                self.store.set_summary, record.id, redact(summary) if self.redact else summary, "model"
            )
