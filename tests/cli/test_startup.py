"""The REPL starts its sandbox child before loading the settings, only when nothing could name another server, and
never leaves it behind: a wrong guess is stopped once the settings are read, and so is a child whose settings failed.
(How fast the prompt comes is measured by ``benchmarks/startup.py``, not here.)"""

from __future__ import annotations

import argparse
import socket
from urllib.parse import urlparse

import pytest

from kubecopilot.cli import build_parser, main
from kubecopilot.commands import repl
from kubecopilot.config import load_settings
from kubecopilot.errors import ExitCode


def repl_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def port_is_closed(url: str) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", urlparse(url).port or 0)) != 0


@pytest.mark.parametrize("named", [
    lambda mp, home: ("--mcp-url", "http://127.0.0.1:1/sse"),
    lambda mp, home: ("--kubeconfig", "/nowhere/kubeconfig"),
    lambda mp, home: mp.setenv("KUBECOPILOT_MCP_URL", "http://127.0.0.1:1/sse") or (),
    lambda mp, home: mp.setenv("KUBECOPILOT_MCP_COMMAND", "some-server --stdio") or (),
    lambda mp, home: (home / ".env").write_text("KUBECOPILOT_MCP_URL=http://127.0.0.1:1/sse\n") and (),
    lambda mp, home: (home / "kubecopilot").mkdir(exist_ok=True) or (home / "kubecopilot" / "config.yaml").write_text(
        "cache: {maxsize: 10}\n") and (),
], ids=["flag", "kubeconfig", "env-url", "env-command", "dotenv", "config-file"])
def test_nothing_starts_early_when_something_could_name_a_server(monkeypatch, tmp_path, named):
    home = tmp_path
    monkeypatch.chdir(home)
    monkeypatch.setenv("KUBECOPILOT_HOME", str(home / "kubecopilot"))
    flags = named(monkeypatch, home)
    assert repl.prestart(repl_args(*flags)) is None


def test_a_sandbox_started_early_is_adopted_when_the_settings_want_it(monkeypatch):
    monkeypatch.setenv("KUBECOPILOT_SANDBOX_SCENARIO", "minimal")
    args = repl_args()
    early = repl.prestart(args)
    assert early is not None and early.scenario == "minimal"
    args.early_sandbox = early
    try:
        assert repl.adopt(args, load_settings()) is early and args.early_sandbox is None
        assert not port_is_closed(early.get().url)
    finally:
        early.discard()
    assert port_is_closed(early.get().url)


def test_a_wrong_guess_is_stopped_once_the_settings_are_read(monkeypatch):
    args = repl_args()
    early = args.early_sandbox = repl.prestart(args)
    assert early is not None
    url = early.get().url
    settings = load_settings({"sandbox_scenario": "healthy"})  # e.g. what a flag-less setting said after all
    adopted = repl.adopt(args, settings)
    try:
        assert adopted is not early and adopted is not None and adopted.scenario == "healthy"
        assert port_is_closed(url)
    finally:
        if adopted is not None:
            adopted.discard()


def test_a_child_started_before_settings_that_then_fail_is_stopped(monkeypatch, capsys):
    started: list[repl.EarlySandbox] = []
    real = repl.prestart
    monkeypatch.setattr(repl, "prestart", lambda args: started.append(real(args)) or started[-1])
    monkeypatch.setenv("KUBECOPILOT_TURN_DEADLINE", "-1")
    assert main([]) == ExitCode.CONFIG
    assert "llm.turn_deadline" in capsys.readouterr().err
    [early] = started
    assert port_is_closed(early.get().url)


# --- a question typed while the model is still loading -----------------------------------------------------------


def test_a_diagnosis_typed_while_the_model_loads_is_answered_by_the_rules_at_once(shared_sandbox, monkeypatch):
    """The REPL warms the crew up (imports crewAI) in the background once its prompt shows; a diagnosis typed then
    does not wait for that: the analyzers answer, saying why, and the model is not asked. Once loaded, it is."""
    import json
    import threading

    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.crew.hooks import uninstall
    from kubecopilot.dialogue.turns import DiagnosisBlock
    from kubecopilot.testing.apps import app_for
    from kubecopilot.testing.scripted_llm import ScriptedLLM

    verdict = json.dumps({"summary": "OOMKilled found", "root_cause": "memory limit too low", "category": "OOMKilled",
                          "evidence": [{"source": "describe", "quote": "OOMKilled"}], "confidence": 0.8,
                          "suggested_fix": "raise the memory limit", "fix": None})
    llm = ScriptedLLM(model="scripted", policy=lambda messages, tools: verdict)
    app = app_for(shared_sandbox)
    brain = app.brain = app.conversation.brain = CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm,
                                                           sleep=lambda s: None)
    building, release = threading.Event(), threading.Event()
    real_build = brain._build

    def slow_build():  # crewAI's import, held until the test lets it finish
        building.set()
        release.wait(60)
        return real_build()

    monkeypatch.setattr(brain, "_build", slow_build)
    warm = threading.Thread(target=brain.warm_up, daemon=True)
    warm.start()
    try:
        assert building.wait(30) and brain.loading
        turn = app.conversation.handle("why is report-worker crashing?")
        diagnosis = next(b.diagnosis for b in turn.blocks if isinstance(b, DiagnosisBlock))
        assert diagnosis.source == "rules" and diagnosis.category == "OOMKilled"
        assert any("still loading" in notice for notice in turn.notices), turn.notices
        assert llm.calls == [] and warm.is_alive()  # nobody waited for the warm-up, and the model was not asked
    finally:
        release.set()
        warm.join(60)
    assert not brain.loading
    turn = app.conversation.handle("why is report-worker crashing?")
    assert llm.calls and not any("still loading" in notice for notice in turn.notices)
    app.close()
    uninstall()


def test_httpx_is_imported_without_its_own_command_line_client():
    """A tenth of a second of click and pygments that neither the REPL nor its sandbox child ever uses."""
    import subprocess
    import sys

    code = "import kubecopilot, httpx, sys; print(sorted(m for m in ('click', 'httpx._main') if sys.modules.get(m)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"
