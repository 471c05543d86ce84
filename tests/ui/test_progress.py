"""Never a silent wait: the step that runs and its seconds, in the REPL's spinner and on a one-shot's stderr."""

from __future__ import annotations

import io

from rich.console import Console

from kubecopilot.testing.clock import FakeClock
from kubecopilot.ui.progress import StderrProgress, StepTimer


def rendered(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None, force_terminal=False).print(renderable)
    return out.getvalue()


def test_the_step_shows_its_seconds_as_they_pass_and_how_to_cancel():
    clock = FakeClock()
    steps = StepTimer(clock)
    steps.start("asking the diagnostician")
    assert "asking the diagnostician…" in rendered(steps) and "Ctrl-C cancels" in rendered(steps)
    clock.advance(12.4)
    assert "asking the diagnostician · 12 s…" in rendered(steps)  # re-rendered by the spinner: counts up itself
    steps.start("planning: update Deployment dev/report-worker")
    assert " s…" not in rendered(steps)  # a new step starts from zero


def test_the_repl_spinner_follows_the_engine_steps(repl):
    seen: list[str] = []
    progress = repl.app.conversation.progress

    def recording(message: str) -> None:
        progress(message)
        seen.append(repl.repl.steps.step)

    repl.app.conversation.progress = recording
    repl.send("show the logs of cart-service-v1 in dev")
    repl.app.conversation.progress = progress
    assert any(step.startswith("reading logs of dev/cart-service-v1") for step in seen), seen


def test_the_repl_spinner_speaks_the_sessions_language(repl):
    seen: list[str] = []
    progress = repl.app.conversation.progress

    def recording(message: str) -> None:
        progress(message)
        seen.append(rendered(repl.repl.steps))

    repl.app.conversation.progress = recording
    repl.send("帮我看一下 dev 里 cart-service-v1 的日志")
    repl.app.conversation.progress = progress
    assert any("正在读取 dev/cart-service-v1" in line and "（Ctrl-C 取消）" in line for line in seen), seen
    assert not any("reading" in line or "cancels" in line for line in seen)


def test_one_shot_progress_goes_to_stderr_one_line_per_step_when_not_a_terminal():
    err = io.StringIO()
    progress = StderrProgress(Console(file=err, color_system=None, force_terminal=False, width=100))
    with progress.running():
        progress("reading describe, events and logs of dev/report-worker")
        progress("asking the diagnostician")
    lines = err.getvalue().splitlines()
    assert lines == ["· reading describe, events and logs of dev/report-worker…", "· asking the diagnostician…"]


def test_one_shot_progress_on_a_terminal_is_a_spinner_that_always_stops():
    err = io.StringIO()
    console = Console(file=err, color_system=None, force_terminal=True, width=100)
    progress = StderrProgress(console)
    try:
        with progress.running():
            progress("asking the diagnostician")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert console._live_stack == []  # noqa: SLF001 - no live display left running after Ctrl-C
