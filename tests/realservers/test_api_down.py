"""Never a false all-clear: the public servers in front of a Kubernetes API that is down (their kubeconfig points at a
port nobody listens on). The servers start and list their tools; every read fails. Every answer must say what it
could not check — never "no problem", "nothing found" or a verdict about the workload — and exit codes follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubecopilot.app import App
from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.diagnosis.diagnose import analyze
from kubecopilot.diagnosis.evidence import gather_evidence
from kubecopilot.diagnosis.scan import scan
from kubecopilot.dialogue.scan_answer import report_answer
from kubecopilot.dialogue.turns import Answer, ErrorTurn
from kubecopilot.errors import ExitCode
from kubecopilot.sandbox.kubeapi.kubeconfig import write_kubeconfig
from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.tools.factory import connect_gateway
from kubecopilot.tools.gateway import ToolGateway

from .conftest import VARIANTS, RunningServer, free_port, start_server
from .test_scenarios import text_of

DOWN = ("kms-0.0.66-sse", "flux159-http")  # a table server and a kubectl server; each transport kind once
ALL_CLEAR = re.compile(r"\b(no problems?|nothing found|no warnings?|healthy|✓)\b", re.IGNORECASE)


@pytest.fixture(scope="module", params=DOWN)
def down(request: pytest.FixtureRequest, npm_ready: None, served: SandboxHandle, kube_env: dict[str, str],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    dead = write_kubeconfig(served.cluster, f"http://127.0.0.1:{free_port()}", tmp_path_factory.mktemp("dead") / "config")
    variant = next(v for v in VARIANTS if v.id == request.param)
    server = start_server(variant, {**kube_env, "KUBECONFIG": str(dead)},
                          tmp_path_factory.mktemp("logs") / f"{variant.id}-down.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(down: RunningServer) -> Iterator[ToolGateway]:
    gw = connect_gateway(load_settings({"offline": True, "mcp.call_timeout": 60.0}), url=down.target.url)
    yield gw
    gw.close()


@pytest.fixture
def app(gateway: ToolGateway, tmp_path: Path) -> App:
    gateway.refresh_cache()
    return App.assemble(load_settings({"offline": True, "audit.url": f"sqlite:///{tmp_path / 'audit.sqlite'}"}), gateway)


def says_no_all_clear(turn: Any) -> str:
    text = text_of(turn)
    assert not ALL_CLEAR.search(text), text
    assert "memcache.go" not in text  # kubectl's retry noise is not the reason
    return text


def test_the_scan_says_it_could_not_check_and_stops_asking(gateway: ToolGateway) -> None:
    report = scan(gateway, namespace="dev", fresh=True)
    assert report.groups == [] and not report.complete
    assert report.calls <= 3  # after two kinds failed to connect, the others are not asked one by one
    assert any("could not check" in line and "refused" in line for line in report.unread), report.unread
    text = says_no_all_clear(report_answer(report))
    assert "not an all-clear" in text and len(text.splitlines()) < 30  # one line per reason, not one per analyzer


def test_kubecopilot_scan_exits_incomplete(down: RunningServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "-n", "dev", "--mcp-url", str(down.target.url), "--offline"])
    out = capsys.readouterr().out
    assert code == ExitCode.INCOMPLETE and "not an all-clear" in out and "no problem" not in out.lower()


def test_the_unhealthy_quick_command_is_not_an_all_clear(app: App) -> None:
    turn = app.conversation.handle("unhealthy pods in dev")
    assert "not an all-clear" in says_no_all_clear(turn)


def test_warning_events_fail_instead_of_finding_none(app: App) -> None:
    turn = app.conversation.handle("warning events in dev")
    assert isinstance(turn, ErrorTurn), text_of(turn)
    says_no_all_clear(turn)


def test_a_diagnosis_says_what_it_could_not_check(app: App, gateway: ToolGateway) -> None:
    turn = app.conversation.handle("why is billing-api crashing in dev?")  # the namespace check fails first: said
    assert isinstance(turn, ErrorTurn) and "refused" in turn.message, text_of(turn)
    says_no_all_clear(turn)
    evidence = gather_evidence(gateway, namespace="dev", target="billing-api", fresh=True)
    diagnosis = analyze(evidence)
    assert diagnosis.category == "Unknown" and diagnosis.confidence == 0.0 and diagnosis.fix is None
    assert diagnosis.summary.startswith("Could not check billing-api in dev: "), diagnosis.summary
    assert "refused" in diagnosis.summary and "has no pods" not in diagnosis.summary


def test_the_health_check_does_not_pass_what_it_could_not_read(app: App) -> None:
    app.conversation.handle("check the health of my services")
    turn = app.conversation.handle("yes")
    assert isinstance(turn, ErrorTurn) or (isinstance(turn, Answer) and "✓" not in text_of(turn)), text_of(turn)
    says_no_all_clear(turn)


def test_no_change_is_proposed_on_what_cannot_be_read(app: App) -> None:
    turn = app.conversation.handle("scale cart-service-v1 to 2 in dev")
    assert isinstance(turn, ErrorTurn), text_of(turn)
    assert app.plans.list() == []
