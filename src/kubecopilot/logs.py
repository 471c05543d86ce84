"""Logging for the CLI and the REPL: nothing that can carry a key reaches a log line verbatim.

Provider errors echo request details (a 401 body may quote the whole API key), and crewAI logs them as they come,
through the root logger. So every handler gets ``SecretScrubber``: it masks the secrets the settings hold (the
LLM key, MCP header values) and anything shaped like a key or a bearer token, in the message and in the formatted
traceback. Without ``--verbose`` crewAI's and litellm's own error lines are dropped as well: the failure reaches
the person once, as our typed error or fallback notice.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from kubecopilot.redaction import mask_url_credentials

MASK = "***"
_KEY_SHAPES = (
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9][A-Za-z0-9_\-]{10,}"),  # OpenAI/OpenRouter/Anthropic-style keys
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)((?:api[_-]?key|authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}]{6,}"),
)
_THIRD_PARTY = ("/crewai/", "/litellm/", "/openai/")


class SecretScrubber(logging.Filter):
    """A handler filter that masks known secrets and key-shaped strings; optionally drops third-party noise."""

    def __init__(self, secrets: Iterable[str] = (), *, drop_third_party: bool = False) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.drop_third_party = drop_third_party
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets.update(s for s in secrets if s and len(s) >= 6)  # a short "secret" would mask ordinary words

    def scrub(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for shape in _KEY_SHAPES:
            text = shape.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
        return str(mask_url_credentials(text))  # user:password@ in any URL (MCP, audit, proxies)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.drop_third_party and record.levelno < logging.CRITICAL and _from_third_party(record):
            return False
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        record.msg, record.args = self.scrub(text), ()
        record.exc_info, record.exc_text = None, None
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def _from_third_party(record: logging.LogRecord) -> bool:
    path = record.pathname.replace("\\", "/")
    return any(part in path for part in _THIRD_PARTY) or record.name.split(".")[0] in ("crewai", "LiteLLM", "litellm")


_scrubber = SecretScrubber()


def configure(verbose: bool) -> SecretScrubber:
    """Root logging to stderr (debug with ``verbose``), every root handler scrubbed."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    _scrubber.drop_third_party = not verbose
    # Library warnings (pydantic's serializer warnings inside crewAI, deprecations …) are log lines like any other:
    # scrubbed, and shown only with --verbose. Printed raw they could carry a key, and they alarm without reason.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if verbose else logging.CRITICAL + 1)
    for handler in logging.getLogger().handlers:
        if _scrubber not in handler.filters:
            handler.addFilter(_scrubber)
    return _scrubber


def add_secrets(secrets: Iterable[str]) -> None:
    """Mask these values in every log line from now on (called with the settings' secrets once they are loaded)."""
    _scrubber.add(secrets)
