"""What was said, by whom, when; the assistant's turns hold only what the shopper heard."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Message:
    role: Literal["user", "assistant"]
    text: str
    language: str
    at: float = field(default_factory=time.time)
    interrupted: bool = False
    full_text: str | None = None  # what the assistant meant to say, when it was cut off


@dataclass
class ConversationHistory:
    messages: list[Message] = field(default_factory=list)

    def add_user(self, text: str, language: str) -> Message:
        message = Message("user", text, language)
        self.messages.append(message)
        return message

    def add_assistant(self, text: str, language: str) -> Message:
        message = Message("assistant", text, language)
        self.messages.append(message)
        return message

    def truncate_last_assistant(self, heard: str) -> None:
        """Barge-in: keep only the words the shopper actually heard."""
        for message in reversed(self.messages):
            if message.role == "assistant":
                if not message.interrupted:
                    message.full_text = message.text
                message.text = heard
                message.interrupted = True
                return
