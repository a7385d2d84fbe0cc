"""Settings of the turn brain: intents, reply templates, language handling."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from string import Formatter

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_DEFAULTS = Path(__file__).with_name("defaults.yaml")

Action = Literal["reply", "handoff", "product_price", "product_stock", "product_have"]
# What a template may say: only facts the dialogue fills in from the catalog.
TEMPLATE_FIELDS = frozenset({"title", "price", "stock", "query", "count", "items"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntentSpec(_Strict):
    name: str
    action: Action
    patterns: dict[str, list[str]] = Field(description="language code -> regular expressions")

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, items in patterns.items():
            for i, pattern in enumerate(items):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"patterns.{language}[{i}] is not a valid regular expression: {exc}") from None
        return patterns


class LanguageSettings(_Strict):
    default: str = "en"
    switch_probability: float = Field(
        0.7, ge=0, le=1, description="language-id confidence needed to switch the session's language"
    )
    switch_after: int = Field(2, ge=1, description="or this many turns in a row in the other language")


@lru_cache(maxsize=1)
def _default_tables() -> dict:
    return yaml.safe_load(_DEFAULTS.read_text(encoding="utf-8"))


class DialogueSettings(_Strict):
    intents: list[IntentSpec] = Field(default_factory=lambda: [IntentSpec(**i) for i in _default_tables()["intents"]])
    replies: dict[str, dict[str, str]] = Field(
        default_factory=lambda: dict(_default_tables()["replies"]),
        description="reply name -> language -> template",
    )
    language: LanguageSettings = Field(default_factory=LanguageSettings)
    match_threshold: float = Field(
        0.6, ge=0, le=1, description="share of the shopper's product words a catalog product must match"
    )
    semantic_margin: float = Field(
        0.058, ge=0, le=1,
        description="with no shared words, how far above the catalog's median similarity (multilingual-e5 "
                    "cosine) a product must stand to count as what the shopper asked for",
    )

    @model_validator(mode="after")
    def _every_reply_can_be_said(self) -> "DialogueSettings":
        for intent in self.intents:
            if intent.action in ("reply", "handoff") and not self.replies.get(intent.name):
                raise ValueError(f"intent {intent.name!r} has action {intent.action!r} but replies.{intent.name} "
                                 f"has no text")
        for name, texts in self.replies.items():
            if not texts:
                raise ValueError(f"replies.{name} has no text in any language")
            for language, template in texts.items():
                try:
                    fields = {f for _, f, _, _ in Formatter().parse(template) if f is not None}
                except ValueError as exc:
                    raise ValueError(f"replies.{name}.{language}: {exc}") from None
                unknown = fields - TEMPLATE_FIELDS
                if unknown:
                    raise ValueError(f"replies.{name}.{language}: unknown placeholder(s) "
                                     f"{', '.join('{' + f + '}' for f in sorted(unknown))}; "
                                     f"known: {', '.join('{' + f + '}' for f in sorted(TEMPLATE_FIELDS))}")
        return self

    @field_validator("replies")
    @classmethod
    def _merge_defaults(cls, replies: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        # Operators override single templates; the rest keep their built-in text.
        merged = {name: dict(texts) for name, texts in _default_tables()["replies"].items()}
        for name, texts in replies.items():
            merged.setdefault(name, {}).update(texts)
        return merged
