"""With an LLM configured: crewAI is not imported before the prompt shows; the crew is warmed up in the background
once it does, and the toolbar and /model say where that stands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

from kubecopilot.app import App
from kubecopilot.config import load_settings
from kubecopilot.errors import LLMUnavailable
from kubecopilot.tools.factory import connect_gateway

from .driver import ReplDriver

WAIT_S = 30.0


class SlowBrain:
    """A brain whose warm-up waits until the test lets it finish (or fails)."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.started, self.release, self.failure = threading.Event(), threading.Event(), failure

    def warm_up(self) -> None:
        self.started.set()
        self.release.wait(WAIT_S)
        if self.failure is not None:
            raise self.failure


def driven_with(handle, brain):
    settings = load_settings({"offline": False})
    app = App.assemble(settings, connect_gateway(settings, url=handle.url), brain=brain)
    driver = ReplDriver(app)
    driver.banner = driver.start()
    return app, driver


def test_the_crew_warms_up_after_the_prompt_and_the_toolbar_follows(shared_sandbox):
    brain = SlowBrain()
    app, repl = driven_with(shared_sandbox, brain)
    try:
        assert "openrouter/google/gemini-2.5-flash" in repl.banner
        assert "ℹ Text is redacted before it goes to the LLM" in repl.banner
        assert brain.started.wait(WAIT_S)  # started by the first prompt
        assert dict(repl.repl.toolbar_fields())["model"] == "gemini-2.5-flash (loading)"
        brain.release.set()
        repl.repl.warm_thread.join(WAIT_S)
        assert dict(repl.repl.toolbar_fields())["model"] == "gemini-2.5-flash"
        model = repl.send("/model")
        assert "model: openrouter/google/gemini-2.5-flash" in model and "status: ready" in model
    finally:
        brain.release.set()
        repl.close()
        app.close()


def test_a_failed_warm_up_is_reported_not_fatal(shared_sandbox):
    brain = SlowBrain(LLMUnavailable("the model is rate limited"))
    app, repl = driven_with(shared_sandbox, brain)
    try:
        brain.release.set()
        assert brain.started.wait(WAIT_S)
        repl.repl.warm_thread.join(WAIT_S)
        assert "status: not ready: the model is rate limited" in repl.send("/model")
        assert "Namespaces" in repl.send("list namespaces")
    finally:
        repl.close()
        app.close()


def test_crewai_is_not_imported_before_the_prompt(shared_sandbox, tmp_path):
    """A real start with a key set: every crewAI import is logged after the quick-command menu (the last thing
    printed before the first prompt)."""
    env = {**os.environ, "OPENROUTER_API_KEY": "sk-or-test-not-used", "PYTHONUNBUFFERED": "1",
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kubecopilot", "--mcp-url", shared_sandbox.url],
                          input="exit\n", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          timeout=120)
    out = done.stdout
    assert done.returncode == 0, out[-2000:]
    menu_end = out.index("Refresh cache")
    logged = [m for m in re.finditer(r"^import time:.*\|\s+(\S+)$", out, re.M)]
    assert any(m.group(1) == "kubecopilot.app" for m in logged)  # the import log works
    crewai = [m.start() for m in logged if m.group(1).split(".")[0] in ("crewai", "litellm")]
    assert all(at > menu_end for at in crewai)
    assert "model    openrouter/google/gemini-2.5-flash" in out
