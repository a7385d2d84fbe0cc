"""The conversation's events, defined once: their names and fields. Sessions and transports make them with
these functions; the browser codec sends them as JSON objects whose "type" is the name; the phone codec,
the recorder, the agents' side, the local console and the test callers read them by these names. The page
(assistant/web/app.js) reads the same names and fields, as documented in the README."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

Event = dict[str, Any]


class Kind(StrEnum):
    """Server to client. A StrEnum: equal to its wire string, and serialised as it."""

    READY = "ready"
    STATE = "state"
    SPEECH_START = "speech_start"
    PARTIAL = "partial"
    TRANSCRIPT = "transcript"
    REPLY = "reply"
    REPLY_DONE = "reply_done"
    BARGE_IN = "barge_in"
    BACKCHANNEL_IGNORED = "backchannel_ignored"
    NO_SPEECH = "no_speech"
    HANDOFF = "handoff"
    ERROR = "error"
    AUDIO = "audio"
    CLEAR = "clear"


class ClientKind(StrEnum):
    """Browser client to server."""

    PLAYED = "played"  # audio up to this seq has played
    HANDOFF = "handoff"  # the shopper asks for a person
    BYE = "bye"


class ConsoleKind(StrEnum):
    """The agent console's messages: server to console, and console to server."""

    READY = "ready"
    QUEUE = "queue"
    HANDOFF = "handoff"
    LINE = "line"
    ERROR = "error"
    AUTH = "auth"
    OPEN = "open"
    ACCEPT = "accept"
    SAY = "say"
    HAND_BACK = "hand_back"
    CLOSE = "close"


class HubKind(StrEnum):
    """Between server workers (assistant.agents.hub), under the key "kind"."""

    QUEUE = "queue"  # a handoff was filed, accepted, released or closed
    LINE = "line"  # a conversation has a new line
    SAY = "say"  # an agent's line for a conversation to speak
    HAND_BACK = "hand_back"
    CLOSE = "close"


def ready(session: str, input_sample_rate: int) -> Event:
    return {"type": Kind.READY, "session": session, "input_sample_rate": input_sample_rate}


def state(value: str) -> Event:
    return {"type": Kind.STATE, "state": value}


def speech_start() -> Event:
    return {"type": Kind.SPEECH_START}


def partial(committed: str, tentative: str, language: str) -> Event:
    return {"type": Kind.PARTIAL, "committed": committed, "tentative": tentative, "language": language}


def transcript(text: str, language: str, confidence: float, language_confidence: float, intent: str) -> Event:
    """What the shopper said, final; `intent` is "to_agent" while a person has the conversation."""
    return {
        "type": Kind.TRANSCRIPT,
        "text": text,
        "language": language,
        "confidence": round(confidence, 3),
        "language_confidence": round(language_confidence, 3),
        "intent": intent,
    }


def reply(text: str, language: str, products: list[dict[str, Any]], by: str | None = None) -> Event:
    """The reply's words and products; `by` ("agent", "assistant") only after a handoff."""
    event: Event = {"type": Kind.REPLY, "text": text, "language": language, "products": products}
    if by is not None:
        event["by"] = by
    return event


def reply_done(latency_ms: dict[str, float | None]) -> Event:
    return {"type": Kind.REPLY_DONE, "latency_ms": latency_ms}


def barge_in(heard: str) -> Event:
    return {"type": Kind.BARGE_IN, "heard": heard}


def backchannel_ignored(text: str) -> Event:
    return {"type": Kind.BACKCHANNEL_IGNORED, "text": text}


def no_speech() -> Event:
    return {"type": Kind.NO_SPEECH}


def handoff(reason: str, language: str, lines: list[dict[str, Any]]) -> Event:
    return {"type": Kind.HANDOFF, "reason": reason, "language": language, "transcript": lines}


def error(code: str, message: str) -> Event:
    return {"type": Kind.ERROR, "code": code, "message": message}


def audio(seq: int, sample_rate: int, text: str, size: int) -> Event:
    """The header of a binary frame of 16-bit PCM that follows it."""
    return {"type": Kind.AUDIO, "seq": seq, "sample_rate": sample_rate, "text": text, "bytes": size}


def clear() -> Event:
    return {"type": Kind.CLEAR}
