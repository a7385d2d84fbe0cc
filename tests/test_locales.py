"""Every language file says everything the English one says, with the same facts, and is safe to run."""

from __future__ import annotations

import re

import pytest

from dialogue.locale import builtin_locales
from dialogue.replies import template_fields
from dialogue.safe_regex import check_pattern
from dialogue.settings import TEMPLATE_FIELDS

LOCALES = builtin_locales()
ENGLISH = LOCALES["en"]


@pytest.mark.parametrize("code", sorted(LOCALES))
def test_a_language_file_matches_the_english_one(code):
    data = LOCALES[code]
    assert set(data["replies"]) == set(ENGLISH["replies"]), code
    assert set(ENGLISH["lexicon"]) <= set(data["lexicon"]), set(ENGLISH["lexicon"]) - set(data["lexicon"])
    assert list(data["intents"]) == list(ENGLISH["intents"])
    for name, template in data["replies"].items():
        assert template_fields(template) == template_fields(ENGLISH["replies"][name]), (code, name)
        assert template_fields(template) <= TEMPLATE_FIELDS
        literal = re.sub(r"\{[^}]*\}", "", template)
        assert not re.search(r"\d", literal), f"{code}.replies.{name} states a number of its own"
    for intent, spec in data["intents"].items():
        for pattern in spec.get("patterns") or []:
            assert check_pattern(pattern) is None, (code, intent, pattern)
