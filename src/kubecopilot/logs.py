"""Logging for the CLI and the REPL: nothing that can carry a key reaches a log line verbatim.

Provider errors echo request details (a 401 body may quote the whole API key), and crewAI logs them as they come,
through the root logger. So every handler gets ``SecretScrubber``: it masks the secrets the settings hold (the
LLM key, MCP header values) and anything shaped like a key or a bearer token, in the message and in the formatted
traceback. Without ``-v`` the libraries' own lines (crewAI's and litellm's errors, the MCP client's tracebacks) stay off
stderr: the failure reaches the person once, as our typed error or fallback notice. ``-v`` adds our INFO and the
libraries' warnings, ``-vv`` everything at DEBUG; a log file (``--log-file``, ``logging.file``) gets every line.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from kubecopilot.redaction import mask_url_credentials

MASK = "***"
_KEY_SHAPES = (
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9][A-Za-z0-9_\-]{10,}"),  # OpenAI/OpenRouter/Anthropic-style keys
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)((?:api[_-]?key|authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}]{6,}"),
)


class SecretScrubber(logging.Filter):
    """A handler filter that masks known secrets and key-shaped strings."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = set()
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


_scrubber = SecretScrubber()
_OURS = "kubecopilot"
FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"


class StderrLevels(logging.Filter):
    """What reaches stderr at each ``-v``: by default our warnings and errors; ``-v`` our INFO (the steps a turn takes)
    and the libraries' warnings; ``-vv`` everything at DEBUG, httpx/httpcore/MCP/crewAI/litellm included. Library
    noise stays out below ``-vv`` (a server going away makes the MCP client log a traceback; we say it once, calmly),
    except a CRITICAL line."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.verbosity = verbosity

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbosity >= 2:
            return True
        ours = record.name == _OURS or record.name.startswith(_OURS + ".")
        if ours:
            return record.levelno >= (logging.INFO if self.verbosity == 1 else logging.WARNING)
        return record.levelno >= (logging.WARNING if self.verbosity == 1 else logging.CRITICAL)


def configure(verbosity: int = 0, *, log_file: str | Path | None = None) -> SecretScrubber:
    """Root logging: stderr at the ``-v`` level (``StderrLevels``), and with ``log_file`` every line at DEBUG to that
    file too. Every handler is scrubbed of secrets."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kubecopilot", False)]:
        root.removeHandler(handler)  # configured again (tests call main() many times): one handler each, not many
        handler.close()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter(FORMAT))
    stderr.addFilter(StderrLevels(verbosity))
    _install(stderr)
    for handler in root.handlers:  # handlers others installed (pytest's capture, an embedding app) are scrubbed too
        if _scrubber not in handler.filters:
            handler.addFilter(_scrubber)
    # Library warnings (pydantic's inside crewAI, deprecations …) are log lines like any other: scrubbed, shown
    # with -v. Printed raw they could carry a key, and they alarm without reason.
    logging.captureWarnings(True)
    root.setLevel(logging.DEBUG if verbosity >= 2 or log_file else logging.INFO if verbosity == 1 else logging.WARNING)
    if verbosity >= 2:
        _open_quiet_loggers()
    if log_file:
        add_file(log_file)
    return _scrubber


# ``tools.client`` quiets the MCP SDK's transports (a server going away logs a traceback we report ourselves, once);
# -vv and a log file want them.
QUIET_BY_DEFAULT = ("mcp.client.sse", "mcp.client.streamable_http", "mcp.client.stdio")


def _open_quiet_loggers() -> None:
    for name in QUIET_BY_DEFAULT:
        logging.getLogger(name).setLevel(logging.DEBUG)


def add_file(path: str | Path) -> None:
    """Every log line from now on, at DEBUG and scrubbed, also to ``path`` (appended; its folder is created)."""
    path = Path(path).expanduser()
    root = logging.getLogger()
    if any(getattr(h, "_kubecopilot_file", None) == path for h in root.handlers):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    handler.setLevel(logging.DEBUG)
    handler._kubecopilot_file = path  # type: ignore[attr-defined]
    _install(handler)
    root.setLevel(logging.DEBUG)
    _open_quiet_loggers()


def _install(handler: logging.Handler) -> None:
    handler._kubecopilot = True  # type: ignore[attr-defined]
    handler.addFilter(_scrubber)
    logging.getLogger().addHandler(handler)


def add_secrets(secrets: Iterable[str]) -> None:
    """Mask these values in every log line from now on (called with the settings' secrets once they are loaded)."""
    _scrubber.add(secrets)
