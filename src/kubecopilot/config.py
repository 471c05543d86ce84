"""Configuration: CLI flags > environment > ``.env`` > user config file > defaults.

The user config file is ``$KUBECOPILOT_HOME/config.yaml``, else ``$XDG_CONFIG_HOME/kubecopilot/config.yaml`` (default
``~/.config/kubecopilot/config.yaml``); data (audit ledger, REPL history) goes to ``$KUBECOPILOT_HOME`` when set, else
``$XDG_DATA_HOME/kubecopilot`` (default ``~/.local/share/kubecopilot``). Every
environment variable is listed in ``.env.example``. Secrets are ``SecretStr`` and are masked by ``masked()``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from kubecopilot.errors import ConfigError
from kubecopilot.paths import config_home, data_home
from kubecopilot.redaction import mask_url_credentials

__all__ = ["Settings", "config_home", "data_home", "load_settings"]

DEFAULT_MCP_URL = "http://localhost:8001/sse"
# Bounds of numeric settings: a value outside them is a ConfigError (exit 78), never an overflow deep inside.
MAX_SECONDS = 86400.0  # timeouts and deadlines: a day
MAX_PLAN_TTL = 366 * 86400.0  # how long a plan may wait, and cache TTLs: a year
DEFAULT_MODEL = "openrouter/google/gemini-2.5-flash"

# Default cache TTLs in seconds, per cache policy (SPEC §4). Logs and describe are never cached.
DEFAULT_TTLS: dict[str, float] = {
    "clusters": 3600,
    "nodes": 600,
    "namespaces": 300,
    "workloads": 60,
    "services": 60,
    "pods": 30,
    "events": 15,
    "default": 30,
}

DEFAULT_WHITELIST: list[tuple[str, str]] = [
    ("restart", "Deployment"),
    ("scale", "Deployment"),
    ("update", "Deployment"),
    ("restart", "StatefulSet"),
    ("scale", "StatefulSet"),
    ("update", "StatefulSet"),
    ("delete", "Pod"),
]

# Which environment variable holds the key for a litellm provider prefix. Providers not listed (ollama, a
# custom base_url, …) need no key.
PROVIDER_KEYS: dict[str, str] = {
    "openrouter": "OPENROUTER_API_KEY",
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "azure": "AZURE_API_KEY",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MCPSettings(_Section):
    url: str | None = None  # None: start the built-in sandbox
    transport: Literal["auto", "sse", "streamable-http", "stdio"] = "auto"
    command: list[str] | None = None  # stdio server command line
    env: dict[str, str] = Field(default_factory=dict)  # extra environment for a stdio server
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    connect_timeout: float = Field(default=10.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    call_timeout: float = Field(default=30.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    profile: str = "auto"  # a shipped profile name, a path to a profile YAML, or auto-detect
    # No URL or command but a kubeconfig: KubeCopilot starts a supported public server for it over stdio.
    kubeconfig: Path | None = None
    context: str | None = None  # a context of that kubeconfig other than its current one
    server_writes: bool = False  # that server offers write tools (else it runs read-only)


class LLMSettings(_Section):
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: SecretStr | None = None  # normally read from the provider's variable (e.g. OPENROUTER_API_KEY)
    temperature: float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)  # None: the prompt's value
    timeout: float = Field(default=60.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    max_retries: int = Field(default=3, ge=0, le=10)
    # seconds a turn may spend waiting for the model, all calls
    turn_deadline: float = Field(default=45.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)

    @model_validator(mode="after")
    def _request_within_its_turn(self) -> LLMSettings:
        """A request never outlives its turn: past the deadline its answer is dropped anyway, and a local server with
        one slot would make the next turn wait behind it."""
        self.timeout = min(self.timeout, self.turn_deadline)
        return self


class CacheSettings(_Section):
    ttl: dict[str, Annotated[float, Field(ge=0, le=MAX_PLAN_TTL, allow_inf_nan=False)]] = Field(
        default_factory=lambda: dict(DEFAULT_TTLS))
    maxsize: int = Field(default=512, ge=1, le=1_000_000)


class ToolSettings(_Section):
    overrides: dict[str, Literal["list", "read", "write"]] = Field(default_factory=dict)


class FourEyesRuleSettings(_Section):
    """Plans that need a second person: risk level one of ``risk`` (empty: any) in a namespace matching one of
    ``namespaces`` (shell patterns; empty: any)."""

    risk: list[Literal["low", "medium", "high"]] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)


# The four-eyes rules a team gets with KUBECOPILOT_FOUR_EYES=true: high risk anywhere, anything in production.
PRODUCTION_NAMESPACES = ["prod", "production", "prod-*", "production-*", "*-prod", "*-production"]


def _default_four_eyes_rules() -> list[FourEyesRuleSettings]:
    return [FourEyesRuleSettings(risk=["high"]), FourEyesRuleSettings(namespaces=list(PRODUCTION_NAMESPACES))]


class FourEyesSettings(_Section):
    enabled: bool = False  # off: one person approves their own plans, as on a laptop
    rules: list[FourEyesRuleSettings] = Field(default_factory=_default_four_eyes_rules)


class PlanSettings(_Section):
    whitelist: list[tuple[str, str]] = Field(default_factory=lambda: list(DEFAULT_WHITELIST))
    verify_timeout: float = Field(default=60.0, ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    # after a write got no answer: how long to read the object back for it before saying "unknown"
    write_settle: float = Field(default=30.0, ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    # seconds a plan waits for approval before it expires (at most a year: an expiry must be a date)
    pending_ttl: float = Field(default=86400.0, gt=0, le=MAX_PLAN_TTL, allow_inf_nan=False)
    four_eyes: FourEyesSettings = Field(default_factory=FourEyesSettings)
    # The team file (who may sign, the team's four-eyes rules); recorded in the ledger by the first process that
    # opens it with one. None: the ledger's record, or a ledger of one person.
    team_file: str | None = None
    signing_key: Path | None = None  # this person's ed25519 key; None: $KUBECOPILOT_HOME/signing_key (made on use)

    def four_eyes_rules(self) -> list[tuple[list[str], list[str]]]:
        """The active rules as (risk levels, namespace patterns); none when the policy is off."""
        if not self.four_eyes.enabled:
            return []
        return [(list(rule.risk), list(rule.namespaces)) for rule in self.four_eyes.rules]


class AuditSettings(_Section):
    url: str | None = None  # None: sqlite file in the data dir


class RedactionRule(_Section):
    name: str
    pattern: str
    placeholder: str


class RedactionSettings(_Section):
    enabled: bool = True
    rules: list[RedactionRule] = Field(default_factory=list)  # added to the built-in rules


class SessionSettings(_Section):
    user: str | None = None  # a display name (who signs is the key); default: the login name
    cluster: str | None = None
    namespace: str | None = None

    @field_validator("user")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        return None if value is None else normalise_name(value)


class LoggingSettings(_Section):
    file: Path | None = None  # every log line, at DEBUG and scrubbed of secrets, also goes here (``--log-file``)


class Settings(_Section):
    mcp: MCPSettings = Field(default_factory=MCPSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    tools: ToolSettings = Field(default_factory=ToolSettings)
    plans: PlanSettings = Field(default_factory=PlanSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    redaction: RedactionSettings = Field(default_factory=RedactionSettings)
    session: SessionSettings = Field(default_factory=SessionSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    offline: bool = False
    sandbox_scenario: str = "default"
    home: Path = Field(default_factory=lambda: config_home())
    data_dir: Path = Field(default_factory=lambda: data_home())

    # --- derived ----------------------------------------------------------------------------------------------

    @property
    def config_file(self) -> Path:
        return self.home / "config.yaml"

    @property
    def audit_url(self) -> str:
        return self.audit.url or f"sqlite:///{self.data_dir / 'audit.sqlite'}"

    @property
    def history_file(self) -> Path:
        return self.data_dir / "history"

    @property
    def user(self) -> str:
        if self.session.user:
            return self.session.user
        import getpass

        try:
            return normalise_name(getpass.getuser())  # $USER, $LOGNAME …, then the password database
        except (OSError, KeyError, ValueError):
            return "unknown"

    def llm_key(self) -> SecretStr | None:
        """The API key for the configured model, from settings or the provider's environment variable."""
        if self.llm.api_key is not None:
            return self.llm.api_key
        var = PROVIDER_KEYS.get(self.llm.model.split("/", 1)[0])
        value = os.environ.get(var, "") if var else ""
        return SecretStr(value) if value else None

    def llm_status(self) -> tuple[bool, str]:
        """(usable, why): whether an LLM is configured, and a short reason for the banner."""
        if self.offline:
            return False, "offline mode requested"
        provider = self.llm.model.split("/", 1)[0]
        if provider in PROVIDER_KEYS and self.llm_key() is None and not self.llm.base_url:
            return False, f"no LLM key ({PROVIDER_KEYS[provider]} is not set)"
        return True, self.llm.model

    def masked(self) -> dict[str, Any]:
        """Settings as plain data with every secret replaced by ``***``; for ``config show``."""
        data = self.model_dump(mode="json")  # SecretStr dumps as "**********"
        data["llm"]["api_key"] = "***" if self.llm_key() else None
        data["mcp"]["headers"] = {k: "***" for k in self.mcp.headers}
        data["mcp"]["env"] = {k: "***" for k in self.mcp.env}
        data["mcp"]["url"] = mask_url_credentials(data["mcp"].get("url"))
        data["audit"]["url"] = mask_url_credentials(data["audit"].get("url"))
        data["llm"]["base_url"] = mask_url_credentials(data["llm"].get("base_url"))
        return data


_USER_PREFIX = re.compile(r"^(?:user\s*:\s*)+", re.IGNORECASE)


def normalise_name(raw: str) -> str:
    """A person's display name: NFKC, no control or invisible characters, single spaces, no ``user:`` prefix, lower
    case — so " alice", "ａｌｉｃｅ", "ali\u200bce" and "user: alice" are one name. Names are only shown; who signed
    is decided by keys (``plans.identity``). ``ValueError`` when nothing is left: a blank name names nobody."""
    text = unicodedata.normalize("NFKC", str(raw))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zs", "Zl", "Zp") else ch for ch in text
                   if unicodedata.category(ch) not in ("Cf", "Cs", "Co", "Cn"))
    text = _USER_PREFIX.sub("", " ".join(text.split())).strip().casefold()
    if not text:
        raise ValueError(f"{raw!r} is not a name: it is blank once spaces and invisible characters are removed")
    return text


# Environment variable → dotted settings path. Values are parsed as YAML scalars ("true", "30", "[a, b]").
ENV_VARS: dict[str, str] = {
    "KUBECOPILOT_MCP_URL": "mcp.url",
    "KUBECOPILOT_MCP_TRANSPORT": "mcp.transport",
    "KUBECOPILOT_MCP_COMMAND": "mcp.command",
    "KUBECOPILOT_KUBECONFIG": "mcp.kubeconfig",
    "KUBECOPILOT_KUBE_CONTEXT": "mcp.context",
    "KUBECOPILOT_MCP_PROFILE": "mcp.profile",
    "KUBECOPILOT_CONNECT_TIMEOUT": "mcp.connect_timeout",
    "KUBECOPILOT_CALL_TIMEOUT": "mcp.call_timeout",
    "KUBECOPILOT_MODEL": "llm.model",
    "KUBECOPILOT_LLM_BASE_URL": "llm.base_url",
    "KUBECOPILOT_LLM_API_KEY": "llm.api_key",
    "KUBECOPILOT_LLM_TIMEOUT": "llm.timeout",
    "KUBECOPILOT_LLM_RETRIES": "llm.max_retries",
    "KUBECOPILOT_TURN_DEADLINE": "llm.turn_deadline",
    "KUBECOPILOT_OFFLINE": "offline",
    "KUBECOPILOT_AUDIT_URL": "audit.url",
    "KUBECOPILOT_VERIFY_TIMEOUT": "plans.verify_timeout",
    "KUBECOPILOT_WRITE_SETTLE": "plans.write_settle",
    "KUBECOPILOT_PLAN_TTL": "plans.pending_ttl",
    "KUBECOPILOT_FOUR_EYES": "plans.four_eyes.enabled",
    "KUBECOPILOT_TEAM_FILE": "plans.team_file",
    "KUBECOPILOT_SIGNING_KEY": "plans.signing_key",
    "KUBECOPILOT_REDACTION": "redaction.enabled",
    "KUBECOPILOT_USER": "session.user",
    "KUBECOPILOT_CLUSTER": "session.cluster",
    "KUBECOPILOT_NAMESPACE": "session.namespace",
    "KUBECOPILOT_SANDBOX_SCENARIO": "sandbox_scenario",
    "KUBECOPILOT_LOG_FILE": "logging.file",
}


def load_settings(overrides: dict[str, Any] | None = None, *, env_file: Path | None = None) -> Settings:
    """Build settings from all sources. ``overrides`` are dotted paths from CLI flags (``{"mcp.url": …}``)."""
    _load_dotenv(env_file)
    data: dict[str, Any] = {}
    cfg_file = config_home() / "config.yaml"
    if cfg_file.exists():
        data = _read_yaml(cfg_file)
    for var, dotted in ENV_VARS.items():
        raw = os.environ.get(var)
        if raw not in (None, ""):
            _set_dotted(data, dotted, _parse_env_value(dotted, raw))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, dotted, value)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}", hint=f"check {cfg_file} and KUBECOPILOT_* variables") from None


def _load_dotenv(env_file: Path | None) -> None:
    from dotenv import load_dotenv  # cheap; keeps real environment variables first (override=False)

    path = env_file or Path.cwd() / ".env"
    if path.exists():
        load_dotenv(path, override=False)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping of settings")
    return loaded


def _parse_env_value(dotted: str, raw: str) -> Any:
    if dotted == "mcp.command":
        import shlex

        return shlex.split(raw)
    if dotted in {"mcp.url", "llm.model", "llm.base_url", "llm.api_key", "audit.url", "session.user",
                  "plans.team_file", "plans.signing_key", "logging.file"}:
        return raw  # never YAML-parse free strings (a key could look like a number)
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
