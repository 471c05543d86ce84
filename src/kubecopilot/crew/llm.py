"""The LLM, through crewAI's ``LLM`` (its native OpenAI-compatible client for OpenRouter/OpenAI, litellm for
providers it has no client for), and the one retry loop around it.

Retries: ``llm.max_retries`` (default 3) means a request that keeps failing is sent ``max_retries + 1`` times, no
more. Three loops would otherwise nest under ours — the OpenAI SDK's (``max_retries``, default 2), litellm's
(``num_retries``) and crewAI's rate-limit loop (3 attempts on a 429) — turning "3 retries" into 12 requests on a
500 and 36 on a 429; all three are switched off here, so tenacity's loop is the only one. Every request has the
per-call timeout ``llm.timeout``.

No request after the turn's deadline: inside a turn (``dialogue.deadline.call_within``) the loop stops once the
call is abandoned, and does not sleep a back-off that would end past the deadline; the crew's before-LLM-call hook
(``crew.hooks``) stops crewAI's own loops (guardrail retries, tool iterations) the same way.

What is retried: 429, 408, 5xx, timeouts and dropped connections. Not retried: a refused key (401/403 →
``LLMKeyRefused``) and a reply that breaks the protocol (a body that is not a completion, a tool call where no tool
was offered, tool calls that never end → ``LLMBadResponse``): the same request would get the same answer. All of
them are ``LLMUnavailable``, so the turn falls back to the offline engine with a notice. No message text of a
provider error is ever put into ours: providers echo request details, keys included.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential
from tenacity.stop import stop_base

from kubecopilot.config import PROVIDER_KEYS, Settings
from kubecopilot.dialogue.deadline import Watch, current_call
from kubecopilot.errors import KubeCopilotError, LLMBadResponse, LLMKeyRefused, LLMUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

_TRANSIENT_NAMES = ("ratelimit", "timeout", "connection", "serviceunavailable", "internalserver", "apiconnection",
                    "badgateway", "gatewaytimeout", "overloaded")
_REFUSED_NAMES = ("authentication", "permissiondenied")
_NOT_A_COMPLETION_NAMES = ("jsondecodeerror", "apiresponsevalidationerror")


def build_llm(settings: Settings, *, temperature: float | None = None, max_tokens: int | None = None) -> Any:
    """crewAI's LLM for the configured model, with the per-call timeout and the provider client's retries off."""
    from crewai import LLM

    key = settings.llm_key()
    llm = LLM(
        model=settings.llm.model,
        api_key=key.get_secret_value() if key else None,
        base_url=settings.llm.base_url,
        temperature=settings.llm.temperature if settings.llm.temperature is not None else temperature,
        max_tokens=max_tokens,
        timeout=settings.llm.timeout,
        max_retries=0,  # the OpenAI SDK's own loop (native client) / the OpenAI client litellm builds
    )
    if getattr(llm, "is_litellm", False):
        import litellm

        llm.additional_params.update(num_retries=0, max_retries=0)  # litellm's retry loop, and the client's under it
        # crewAI counts prompt tokens before each call; for llama/claude-2/cohere names litellm would download a
        # HuggingFace tokenizer for that — offline it hangs the turn. tiktoken's estimate is bundled and enough.
        litellm.disable_hf_tokenizer_download = True
    return llm


def call_with_retries(fn: Callable[[], T], *, attempts: int, sleep: Callable[[float], None] | None = None,
                      what: str = "the LLM", key_name: str = "the API key") -> T:
    """Run ``fn``; retry transient failures ``attempts - 1`` times. Every failure ends as a typed error:
    ``LLMKeyRefused``, ``LLMBadResponse``, ``LLMUnavailable`` (or the ``KubeCopilotError`` ``fn`` raised)."""
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    watch = current_call()
    past_deadline = _StopPastDeadline(watch)
    retrying = Retrying(stop=stop_after_attempt(max(1, attempts)) | past_deadline, wait=wait_exponential(multiplier=0.5, max=8),
                        retry=retry_if_exception(is_transient), reraise=True, **kwargs)
    try:
        result: T = retrying(_attempt, fn, watch)
        return result
    except KubeCopilotError:
        raise
    except Exception as exc:
        log.debug("LLM call failed: %s", _short(exc))
        if watch is not None and (past_deadline.stopped or watch.abandoned):
            # stopped by the deadline (or crewAI's loop by our hook), not by the count of attempts or a bad reply
            raise watch.too_slow() from None
        raise as_typed_error(exc, what=what, attempts=attempts, key_name=key_name) from None


class _StopPastDeadline(stop_base):
    """Stop retrying once the call is abandoned, or when the back-off would end after the deadline."""

    def __init__(self, watch: Watch | None) -> None:
        self.watch, self.stopped = watch, False  # no watch: not in a turn, no deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        if self.watch is not None and (self.watch.abandoned or self.watch.remaining <= retry_state.upcoming_sleep):
            self.stopped = True
        return self.stopped


def _attempt(fn: Callable[[], T], watch: Watch | None) -> T:
    if watch is not None and watch.abandoned:  # Ctrl-C or the deadline during the back-off: no new request
        raise watch.too_slow()
    return _without_crewai_retries(fn)


def as_typed_error(exc: BaseException, *, what: str, attempts: int, key_name: str = "the API key") -> LLMUnavailable:
    """The typed error for a failed model call; its text names the failure, never the provider's message."""
    status = _status(exc)
    if is_key_refused(exc):
        return LLMKeyRefused(f"{what} refused the API key (HTTP {status or 401})",
                             hint=f"check {key_name}; the offline rules answer until then")
    if is_transient(exc):
        return LLMUnavailable(f"{what} did not answer after {attempts} attempts ({_short(exc)})",
                              hint="check the model, the key and the network; offline rules answered meanwhile")
    return LLMBadResponse(f"{what} sent a reply that could not be used: {_protocol_fault(exc)}",
                          hint="the model or the endpoint is not a working chat-completions API; offline rules answered")


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts and dropped connections (anywhere in the cause chain)."""
    for err in _chain(exc):
        status = _own_status(err)
        if status is not None and (status in (408, 429) or status >= 500):
            return True
        name = type(err).__name__.lower()
        if any(marker in name for marker in _TRANSIENT_NAMES) or isinstance(err, (TimeoutError, ConnectionError)):
            return True
    return False


def is_key_refused(exc: BaseException) -> bool:
    """The provider said no to the key: 401/403, whatever the client calls it."""
    return any(_own_status(err) in (401, 403) or any(m in type(err).__name__.lower() for m in _REFUSED_NAMES)
               for err in _chain(exc))


@contextlib.contextmanager
def _crewai_rate_limit_loop_off() -> Iterator[None]:
    """crewAI wraps every ``LLM.call`` in its own 3-attempt loop on a 429 unless one is already running in this
    context (a contextvar); we say ours is. The request-count tests fail if crewAI renames it."""
    try:
        from crewai.llms import retry as crewai_retry

        active = crewai_retry._active_llm_rate_limit_retry
    except (ImportError, AttributeError):  # pragma: no cover - a crewAI without the loop needs nothing switched off
        yield
        return
    token = active.set(True)
    try:
        yield
    finally:
        active.reset(token)


def _without_crewai_retries(fn: Callable[[], T]) -> T:
    with _crewai_rate_limit_loop_off():
        return fn()


def _protocol_fault(exc: BaseException) -> str:
    names = [type(err).__name__ for err in _chain(exc)]
    lowered = [name.lower() for name in names]
    if any(name in _NOT_A_COMPLETION_NAMES for name in lowered):
        return "the response body is not a chat completion"
    if "validationerror" in lowered and "TaskOutput" in str(exc):
        # crewAI got tool calls back as the final answer: from an agent with no tools, or after its last iteration.
        return "tool calls instead of an answer (no tools were offered, or it never stopped calling them)"
    return f"unexpected {names[0]}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _own_status(err: BaseException) -> int | None:
    status = getattr(err, "status_code", None) or getattr(getattr(err, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _status(exc: BaseException) -> int | None:
    return next((s for s in map(_own_status, _chain(exc)) if s is not None), None)


def key_source(settings: Settings) -> str:
    """Where the key came from, for the hint of a refused key."""
    if settings.llm.api_key is not None:
        return "KUBECOPILOT_LLM_API_KEY (llm.api_key)"
    return PROVIDER_KEYS.get(settings.llm.model.split("/", 1)[0], "the provider's API key")


def _short(exc: BaseException) -> str:
    status = _status(exc)
    name = type(exc).__name__
    return f"{name} {status}" if status else name  # never the message: providers may echo request details
