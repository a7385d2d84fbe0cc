"""When a person takes over: the record an agent picks the conversation up from."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from dialogue.history import ConversationHistory


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
