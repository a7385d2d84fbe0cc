"""When a person takes over: the record an agent picks the conversation up from."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

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

    @classmethod
    def from_history(cls, history: ConversationHistory, products: list[str], **fields) -> HandoffRecord:
        lines = tuple(TranscriptLine(m.role, m.text, m.language, m.at, m.interrupted) for m in history.messages)
        return cls(transcript=lines, products=tuple(dict.fromkeys(products)), **fields)

    def to_json(self) -> dict:
        return asdict(self)


class HandoffDesk:
    """Handoffs waiting for a person, newest last; bounded so a flood cannot exhaust memory."""

    def __init__(self, keep: int = 1000):
        self.keep = keep
        self.records: list[HandoffRecord] = []

    def add(self, record: HandoffRecord) -> None:
        self.records.append(record)
        del self.records[: -self.keep]

    async def summarise(self, record: HandoffRecord, messages: Sequence[Message], llm: LLMEngine) -> None:
        """Replace the record's template summary with the model's, once written (if it is grounded)."""
        summary = await model_summary(llm, messages, record.reason)
        if not summary:
            return
        for i, filed in enumerate(self.records):
            if filed is record:  # not if the desk has dropped it meanwhile
                self.records[i] = replace(record, summary=summary, summary_by="model")
                return
