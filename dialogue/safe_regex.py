"""Operators' regular expressions run on every shopper turn: refuse the ones that can explode."""

from __future__ import annotations

import re

MAX_LENGTH = 1000
MAX_GROUPS = 50
MAX_REPEAT = 1000
_COUNTED = re.compile(r"\{(\d+)(?:,(\d*))?\}")
# A quantified group that itself holds a quantifier: (a+)+, (\w*)*, (a|aa)+ backtrack exponentially.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})")


def check_pattern(pattern: str) -> str | None:
    """None when the pattern is safe to run; otherwise what is wrong with it."""
    if len(pattern) > MAX_LENGTH:
        return f"pattern is {len(pattern)} characters long; at most {MAX_LENGTH}"
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    except (RecursionError, OverflowError, MemoryError):
        return "regular expression is nested too deeply"
    if compiled.groups > MAX_GROUPS:
        return f"regular expression has {compiled.groups} groups; at most {MAX_GROUPS}"
    for low, high in _COUNTED.findall(pattern):
        if int(low) > MAX_REPEAT or (high and int(high) > MAX_REPEAT):
            return f"repeat count {{{low}{',' + high if high else ''}}} is too large; at most {MAX_REPEAT}"
    if _NESTED.search(pattern):
        return "a repeated group that repeats inside itself (like (a+)+) can take forever to match"
    return None
