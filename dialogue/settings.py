"""Settings of the turn brain: intents, languages and their replies, handoff rules."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.semantic import MISS_MARGIN
from dialogue.llm.settings import LLMSettings
from dialogue.replies import template_fields
from dialogue.safe_regex import check_pattern

_DEFAULTS = Path(__file__).with_name("defaults.yaml")

Action = Literal[
    "reply",
    "handoff",
    "stop",
    "search",
    "price",
    "stock",
    "details",
    "compare",
    "policy",
    "order_status",
    "cart_add",
    "cart_remove",
    "cart_view",
]
_OLD_ACTIONS = {"product_price": "price", "product_stock": "stock", "product_have": "search"}
# What a template may say: only facts the dialogue fills in from the catalog, order store or conversation.
TEMPLATE_FIELDS = frozenset(
    {
        "title",
        "price",
        "stock",
        "query",
        "count",
        "items",
        "filters",
        "min_price",
        "max_price",
        "color",
        "size",
        "brand",
        "variant",
        "options",
        "option",
        "rating",
        "rating_count",
        "description",
        "other_title",
        "other_price",
        "country",
        "days_min",
        "days_max",
        "fee",
        "free_over",
        "text",
        "order_id",
        "status",
        "carrier",
        "tracking",
        "date",
        "quantity",
        "subtotal",
    }
)
_DIGIT = re.compile(r"\d")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntentSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    action: Action
    patterns: dict[str, list[str]] = Field(default_factory=dict, description="language code -> regular expressions")
    examples: dict[str, list[str]] = Field(
        default_factory=dict, description="language code -> example phrases, matched by meaning"
    )
    topic: str | None = Field(None, description="for action 'policy': the policy topic it answers")

    @field_validator("action", mode="before")
    @classmethod
    def _old_names(cls, action: Any) -> Any:
        return _OLD_ACTIONS.get(action, action)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, items in patterns.items():
            for i, pattern in enumerate(items):
                problem = check_pattern(pattern)
                if problem:
                    raise ValueError(f"patterns.{language}[{i}]: {problem}")
        return patterns


class LanguageSettings(_Strict):
    default: str = "en"
    switch_probability: float = Field(
        0.7, ge=0, le=1, description="language-id confidence needed to switch the session's language"
    )
    switch_after: int = Field(2, ge=1, description="or this many turns in a row in the other language")
    switch_min_words: int = Field(
        3,
        ge=1,
        description="an utterance shorter than this (words; for Chinese and Japanese, every two characters "
        "count as one) never switches the language: 'uh-huh', 'ok', a product name",
    )


class HandoffRules(_Strict):
    on_request: bool = Field(True, description="hand off when the shopper asks for a person")
    unresolved_turns: int = Field(2, ge=0, description="the same need unanswered this many turns in a row (0: never)")
    frustration_turns: int = Field(2, ge=0, description="turns with frustration words before handing off (0: never)")
    cart_value_above: Decimal | None = Field(None, ge=0, description="hand off when the cart is worth more than this")
    intents: list[str] = Field(default_factory=list, description="intents that always go to a person")


@lru_cache(maxsize=1)
def builtin_intents() -> list[dict[str, Any]]:
    return list(yaml.safe_load(_DEFAULTS.read_text(encoding="utf-8"))["intents"])


class DialogueSettings(_Strict):
    intents: list[IntentSpec] = Field(
        default_factory=list, description="the shop's own intents (tried first) or overrides of built-in ones"
    )
    replies: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="reply name -> language -> template (overrides the language files)"
    )
    locales: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="language code -> overrides of dialogue/locales/<code>.yaml, or a new "
        "language (its name, lexicon, intents and replies)",
    )
    language: LanguageSettings = Field(default_factory=LanguageSettings)
    handoff: HandoffRules = Field(default_factory=HandoffRules)
    match_threshold: float = Field(
        0.6, ge=0, le=1, description="share of the shopper's product words a catalog product must match"
    )
    semantic_margin: float = Field(
        0.058,
        ge=0,
        le=1,
        description="with no shared words, how far above the catalog's median similarity (multilingual-e5 "
        "cosine) a product must stand to count as what the shopper asked for",
    )
    closest_margin: float = Field(
        MISS_MARGIN,
        ge=0,
        le=1,
        description="below semantic_margin but at least this far above the median: offered as 'the closest we "
        "have' instead of 'we don't carry that' (calibrated on the retrieval sets, see `catalog eval`)",
    )
    example_similarity: float = Field(
        0.9, ge=0, le=1, description="how close in meaning (e5 cosine) a sentence must be to an intent's example"
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @model_validator(mode="after")
    def _every_reply_can_be_said(self) -> DialogueSettings:
        builtin = {i["name"] for i in builtin_intents()}
        for intent in self.intents:
            if intent.action == "reply" and intent.name not in builtin and not self.replies.get(intent.name):
                raise ValueError(f"intent {intent.name!r} has action 'reply' but replies.{intent.name} has no text")
        for name, texts in self.replies.items():
            if not texts:
                raise ValueError(f"replies.{name} has no text in any language")
            for language, template in texts.items():
                _check_template(f"replies.{name}.{language}", template)
        for code, locale in self.locales.items():
            for name, template in (locale.get("replies") or {}).items():
                _check_template(f"locales.{code}.replies.{name}", str(template))
            for name, spec in (locale.get("intents") or {}).items():
                for i, pattern in enumerate((spec or {}).get("patterns") or []):
                    problem = check_pattern(str(pattern))
                    if problem:
                        raise ValueError(f"locales.{code}.intents.{name}.patterns[{i}]: {problem}")
        unknown = set(self.handoff.intents) - builtin - {i.name for i in self.intents}
        if unknown:
            raise ValueError(f"handoff.intents names unknown intent(s): {', '.join(sorted(unknown))}")
        return self


def _check_template(where: str, template: str) -> None:
    try:
        fields = template_fields(template)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    unknown = fields - TEMPLATE_FIELDS
    if unknown:
        raise ValueError(
            f"{where}: unknown placeholder(s) {', '.join('{' + f + '}' for f in sorted(unknown))}; "
            f"known: {', '.join('{' + f + '}' for f in sorted(TEMPLATE_FIELDS))}"
        )
    literal = "".join(text for text, _, _, _ in __import__("string").Formatter().parse(template))
    if _DIGIT.search(literal):
        raise ValueError(
            f"{where}: a reply may not state a number of its own ({template!r}); numbers come from "
            f"the catalog through placeholders"
        )
