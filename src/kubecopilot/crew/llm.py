"""The LLM, through crewAI's ``LLM`` (litellm underneath for providers such as OpenRouter).

Transient failures (429, 5xx, timeouts, connection errors) are retried with exponential backoff by tenacity; when
the retries are spent the caller gets ``LLMUnavailable`` and the turn falls back to the offline engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from kubecopilot.config import Settings
from kubecopilot.errors import LLMUnavailable

T = TypeVar("T")
_TRANSIENT_NAMES = ("ratelimit", "timeout", "connection", "serviceunavailable", "internalserver", "apiconnection",
                    "badgateway", "gatewaytimeout", "overloaded")


def build_llm(settings: Settings, *, temperature: float | None = None, max_tokens: int | None = None) -> Any:
    from crewai import LLM

    key = settings.llm_key()
    return LLM(
        model=settings.llm.model,
        api_key=key.get_secret_value() if key else None,
        base_url=settings.llm.base_url,
        temperature=settings.llm.temperature if settings.llm.temperature is not None else temperature,
        max_tokens=max_tokens,
        timeout=settings.llm.timeout,
    )


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts and dropped connections (anywhere in the cause chain)."""
    for err in _chain(exc):
        status = getattr(err, "status_code", None) or getattr(getattr(err, "response", None), "status_code", None)
        if isinstance(status, int) and (status in (408, 429) or status >= 500):
            return True
        name = type(err).__name__.lower()
        if any(marker in name for marker in _TRANSIENT_NAMES) or isinstance(err, (TimeoutError, ConnectionError)):
            return True
    return False


def call_with_retries(fn: Callable[[], T], *, attempts: int, sleep: Callable[[float], None] | None = None,
                      what: str = "the LLM") -> T:
    """Run ``fn``; retry transient failures ``attempts - 1`` times, then raise ``LLMUnavailable``."""
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    retrying = Retrying(stop=stop_after_attempt(max(1, attempts)), wait=wait_exponential(multiplier=0.5, max=8),
                        retry=retry_if_exception(is_transient), reraise=True, **kwargs)
    try:
        return retrying(fn)
    except Exception as exc:
        if is_transient(exc):
            raise LLMUnavailable(f"{what} did not answer after {attempts} attempts ({_short(exc)})",
                                 hint="check the model, the key and the network; offline rules answered meanwhile") from None
        raise


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _short(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    return f"{name} {status}" if status else name  # never the message: providers may echo request details
