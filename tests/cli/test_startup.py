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
