"""The one YAML file operators own, composed from each package's own settings.

A mistake is reported with the exact key and the line it is on; a bad file never
replaces a good running config.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from asr.settings import AsrSettings
from dialogue.settings import DialogueSettings
from tts.settings import TtsSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BargeInSettings(_Strict):
    enabled: bool = True
    min_speech_ms: int = Field(300, ge=60, description="speech this long during a reply may interrupt it")
    backchannels: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "en": ["uh-huh", "uh huh", "mhm", "mm-hmm", "mm", "hmm", "ok", "okay", "yeah", "yes", "yep",
                   "right", "sure", "i see", "got it", "alright", "all right"],
            "es": ["sí", "si", "vale", "ajá", "aja", "claro", "ya", "ok", "mhm"],
            "fr": ["oui", "d'accord", "ok", "ouais", "hum", "mhm"],
            "de": ["ja", "genau", "okay", "ok", "aha", "mhm"],
            "zh": ["嗯", "对", "好", "好的", "是的"],
            "ja": ["はい", "うん", "ええ", "なるほど"],
        },
        description="words that acknowledge without interrupting, per language",
    )


class CatalogSettings(_Strict):
    path: str = Field("demo", description="SQLite file of the catalog, or 'demo' for the bundled demo store")
    embeddings: bool = Field(True, description="multilingual semantic search when the embedding model is installed")


class AssistantConfig(_Strict):
    asr: AsrSettings = Field(default_factory=AsrSettings)
    tts: TtsSettings = Field(default_factory=TtsSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)
    barge_in: BargeInSettings = Field(default_factory=BargeInSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)


class ConfigError(ValueError):
    """Says which file, key and line is wrong."""


def load_config(path: str | Path | None = None) -> AssistantConfig:
    if path is None:
        return AssistantConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str = "<config>") -> AssistantConfig:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return AssistantConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the config must be a mapping of sections (asr, tts, dialogue, ...)")
    try:
        return AssistantConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"])
            lines.append(f"{source}:{_line_of(root, error['loc'])}: {key}: {error['msg']}")
        raise ConfigError("\n".join(lines)) from None


def _line_of(node: yaml.Node | None, loc: tuple) -> int:
    """The line of the deepest YAML node on the error's path."""
    line = 1
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
            if node is None:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    else:
        if node is not None:
            line = node.start_mark.line + 1
    return line

