"""The languages the dialogue speaks: one YAML file per language in dialogue/locales/ (intent patterns and
examples, the words it understands, the replies it says), merged with the operator's overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from dialogue.text import COMPOUNDING, UNSPACED, PhraseMatcher, Span, matcher, normalize

LOCALE_DIR = Path(__file__).with_name("locales")


def base_language(code: str) -> str:
    """ "es-419", "zh_CN", "EN" -> "es", "zh", "en": everything language-specific is keyed by base language."""
    return (code or "").replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=1)
def builtin_locales() -> dict[str, dict[str, Any]]:
    """code -> the raw locale file, for every file shipped in dialogue/locales/."""
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(LOCALE_DIR.glob("*.yaml"))}


def merge(base: Any, override: Any) -> Any:
    """Deep merge of operator overrides: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return override


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class IntentPhrases:
    patterns: tuple[re.Pattern[str], ...] = ()
    examples: tuple[str, ...] = ()


@dataclass
class Locale:
    """One language: its words, intent phrases and reply templates."""

    code: str
    name: str
    lexicon: dict[str, Any]
    replies: dict[str, str]
    intents: dict[str, IntentPhrases] = field(default_factory=dict)

    @property
    def unspaced(self) -> bool:
        return self.code in UNSPACED

    @property
    def compounding(self) -> bool:
        return self.code in COMPOUNDING

    # ---- phrase lists as matchers --------------------------------------------------------------------
    def entry(self, key: str) -> Any:
        """A lexicon entry by dotted key ("price.max")."""
        node: Any = self.lexicon
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def words(self, key: str) -> tuple[str, ...]:
        return _strings(self.entry(key))

    def phrases(self, *keys: str) -> PhraseMatcher:
        found: list[str] = []
        for key in keys:
            node = self.entry(key)
            if isinstance(node, dict):
                found += [w for values in node.values() for w in _strings(values)] if not _numeric(node) else list(node)
            else:
                found += list(_strings(node))
        return matcher(tuple(found), self.unspaced, self.compounding)

    def find(self, key: str, text: str) -> list[Span]:
        return self.phrases(key).find(text)

    def table(self, key: str) -> dict[str, str]:
        """phrase -> canonical key, for tables written as `canonical: [phrases]` (colours, sizes, topics)."""
        node = self.lexicon.get(key) or {}
        out: dict[str, str] = {}
        for canonical, phrases in node.items():
            for phrase in _strings(phrases):
                out.setdefault(normalize(phrase), str(canonical))
        return out

    def values(self, key: str) -> dict[str, Decimal]:
        """phrase -> number, for tables written as `phrase: value` (numbers, ordinals)."""
        return {normalize(str(k)): Decimal(str(v)) for k, v in (self.lexicon.get(key) or {}).items()}

    @cached_property
    def number_words(self) -> dict[str, float]:
        return {normalize(str(k)): float(v) for k, v in (self.lexicon.get("numbers") or {}).items()}

    def join(self, items: list[str]) -> str:
        """A spoken list: "a, b and c" / "a、b、c"."""
        separator = self.lexicon.get("list_separator", ", ")
        conjunction = self.lexicon.get("and", "and")
        if len(items) < 2:
            return "".join(items)
        if self.unspaced:
            return separator.join(items)
        return f"{separator.join(items[:-1])} {conjunction} {items[-1]}"

    def country_name(self, code: str) -> str:
        names = self.lexicon.get("country_names") or {}
        if code in names:
            return str(names[code])
        spoken = _strings((self.lexicon.get("countries") or {}).get(code))
        return spoken[0] if spoken else code


def _numeric(node: dict) -> bool:
    return all(isinstance(v, (int, float)) for v in node.values())


def build_locale(code: str, data: dict[str, Any], extra_replies: dict[str, str] | None = None) -> Locale:
    intents = {
        name: IntentPhrases(
            tuple(re.compile(p, re.IGNORECASE) for p in _strings((spec or {}).get("patterns"))),
            _strings((spec or {}).get("examples")),
        )
        for name, spec in (data.get("intents") or {}).items()
    }
    replies = {k: str(v) for k, v in (data.get("replies") or {}).items()} | (extra_replies or {})
    return Locale(code, str(data.get("name", code)), dict(data.get("lexicon") or {}), replies, intents)
