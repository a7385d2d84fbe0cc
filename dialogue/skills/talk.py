"""Replies that are only words: greeting, thanks, goodbye, out of scope, the shop's own template intents;
and "wait, stop", which says nothing so the shopper can speak."""

from __future__ import annotations

from dialogue.replies import Reply
from dialogue.turn import Turn


def template(turn: Turn) -> Reply:
    turn.say.add(turn.intent.name)
    return turn.reply([])


def stop(turn: Turn) -> Reply:
    turn.say.add("stop")  # empty by default: stop talking and listen (a question asked before stays open)
    return turn.reply([])
