"""When a person takes over: the record an agent picks the conversation up from."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from assistant.pii import redact
from dialogue.history import ConversationHistory, Message
from dialogue.llm.summary import model_summary
from models.llm import LLMEngine


@dataclass(frozen=True)
class TranscriptLine:
    role: str  # "user" or "assistant"
    text: str  # for the assistant: only the words the shopper heard
    language: str
    at: float  # unix time
    interrupted: bool = False


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
    """Handoffs waiting for a person, newest last; bounded so a flood cannot exhaust memory. With `redact`
    (the default), personal data is taken out before a record is filed or a conversation goes to a model."""

    def __init__(self, keep: int = 1000, redact: bool = True):
        self.keep = keep
        self.redact = redact
        self.records: list[HandoffRecord] = []

    def add(self, record: HandoffRecord) -> HandoffRecord:
        filed = record.redacted() if self.redact else record
        self.records.append(filed)
        del self.records[: -self.keep]
        return filed

    def get(self, record_id: str) -> HandoffRecord | None:
        return next((r for r in self.records if r.id == record_id), None)

    async def summarise(self, record: HandoffRecord, messages: Sequence[Message], llm: LLMEngine) -> None:
        """Replace the record's template summary with the model's, once written (if it is grounded)."""
        if self.redact:  # the model may be a remote server: it reads no more than the agent will
            messages = [replace(m, text=redact(m.text), full_text=None) for m in messages]
        summary = await model_summary(llm, messages, record.reason)
        if not summary:
            return
        for i, filed in enumerate(self.records):
            if filed.id == record.id:  # not if the desk has dropped it meanwhile
                self.records[i] = replace(
                    filed, summary=redact(summary) if self.redact else summary, summary_by="model"
                )
                return
