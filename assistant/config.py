"""The one YAML file operators own, composed from each package's own settings.

A mistake is reported with the exact key and the line it is on; a bad file never
replaces a good running config.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
            "en": [
                "uh-huh",
                "uh huh",
                "mhm",
                "mm-hmm",
                "mm",
                "hmm",
                "ok",
                "okay",
                "yeah",
                "yes",
                "yep",
                "right",
                "sure",
                "i see",
                "got it",
                "alright",
                "all right",
            ],
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
    sync_from: str | None = Field(
        None,
        description="the shop's full product export (JSON, JSONL, CSV, Shopify CSV or Merchant Center feed); "
        "`serve` re-imports it with --sync whenever the file changes, so prices and stock stay current",
    )
    sync_check_s: float = Field(30.0, ge=1.0, le=86_400.0, description="how often `serve` looks at sync_from")

    @field_validator("path")
    @classmethod
    def _directory_exists(cls, path: str) -> str:
        if path not in ("demo", ":memory:"):
            folder = Path(path).expanduser().parent
            if not folder.is_dir():
                raise ValueError(f"the catalog's directory {str(folder)!r} does not exist")
        return path


class PrivacySettings(_Strict):
    redact_personal_data: bool = Field(
        True,
        description="take card numbers (with their security code and expiry), e-mail addresses and phone "
        "numbers out of stored conversations, handoff records and conversations sent to a model for a summary",
    )


class StoreSettings(_Strict):
    url: str = Field(
        "sqlite:///conversations.db",
        description="where conversations and handoffs are kept: sqlite:///path/file.db or "
        "postgresql://user:password@host/db (the environment variable VOICE_ASSISTANT_STORE_URL takes precedence)",
    )
    retention_days: float = Field(
        90, ge=0, le=36_500, description="conversations older than this are deleted (0: kept until purged by hand)"
    )


class HandoffSettings(_Strict):
    webhook_url: str | None = Field(
        None, pattern=r"^https?://\S+$", description="each new handoff is POSTed here as JSON, HMAC-SHA256 signed"
    )
    webhook_secret: str | None = Field(
        None,
        min_length=16,
        description="the webhook's signing key (the environment variable VOICE_ASSISTANT_WEBHOOK_SECRET takes "
        "precedence); required with webhook_url",
    )
    wait_s: float = Field(
        90.0, ge=5, le=3600, description="no agent accepts within this: the assistant offers to call the shopper back"
    )
    webhook_attempts: int = Field(10, ge=1, le=50, description="tries before a delivery is given up (kept, marked)")


class ServerSettings(_Strict):
    agent_token: str | None = Field(
        None,
        min_length=16,
        description="bearer token for /api/handoffs (the environment variable VOICE_ASSISTANT_AGENT_TOKEN "
        "takes precedence); with neither, the handoff API is disabled",
    )
    agent_accounts: dict[str, str] = Field(
        default_factory=dict,
        description="agent name -> password hash (make one with `voice-assistant agents hash-password`), to log "
        "in to the console at /agent; the agent token logs in too",
    )
    console_secret: str | None = Field(
        None,
        min_length=32,
        description="signs the console's login sessions (the environment variable VOICE_ASSISTANT_CONSOLE_SECRET "
        "takes precedence); set it when several workers serve the console, or logins hold on one worker only",
    )
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^/\s]+/?$",
        description="how callers' providers reach this server (https://shop.example); the phone line's stream "
        "URL is built from it instead of from request headers",
    )
    trust_proxy_headers: bool = Field(
        False, description="without public_url: take the host and scheme from X-Forwarded-Host/-Proto"
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="pages on other sites allowed to open the browser conversation (https://shop.example); "
        "the server's own page always is",
    )
    twilio_auth_token: str | None = Field(
        None,
        description="the Twilio account's auth token, to check each webhook's X-Twilio-Signature (the environment "
        "variable TWILIO_AUTH_TOKEN takes precedence); without it the phone line is refused unless development",
    )
    development: bool = Field(
        False,
        description="accept unsigned Twilio webhooks and phone streams without the webhook's one-time token: "
        "for trying the phone line locally, never in production",
    )
    api_docs: bool = Field(False, description="serve the API's documentation at /docs and /openapi.json")
    metrics_public: bool = Field(
        False, description="serve /metrics without the agent token (only where the port is private)"
    )
    max_sessions: int = Field(200, ge=1, le=100_000, description="conversations at once, in all")
    max_sessions_per_client: int = Field(20, ge=1, le=100_000, description="conversations at once per address")


class AssistantConfig(_Strict):
    asr: AsrSettings = Field(default_factory=AsrSettings)
    tts: TtsSettings = Field(default_factory=TtsSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)
    barge_in: BargeInSettings = Field(default_factory=BargeInSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)


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


MAX_CONFIG_BYTES = 1 << 20
MAX_NESTING = 40  # deeper than any real config: a nesting bomb
MAX_ALIASES = 100  # anchors reused this often expand exponentially (a "billion laughs")


def _check_shape(text: str, source: str) -> None:
    """Refuse bombs before PyYAML recurses into them (it would raise RecursionError or take minutes)."""
    if len(text.encode("utf-8", "replace")) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{source}:1: the config is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    depth = aliases = 0
    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    try:
        for token in yaml.scan(text):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_NESTING:
                    raise ConfigError(
                        f"{source}:{token.start_mark.line + 1}: nested more than {MAX_NESTING} levels deep"
                    )
            elif isinstance(token, closing):
                depth -= 1
            elif isinstance(token, yaml.AliasToken):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise ConfigError(f"{source}:{token.start_mark.line + 1}: more than {MAX_ALIASES} aliases (*name)")
    except yaml.YAMLError:
        return  # the parser below reports it with its line


def parse_config(text: str, source: str = "<config>") -> AssistantConfig:
    _check_shape(text, source)
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
