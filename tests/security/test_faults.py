"""Faults in the approval/audit area end in a clean typed error, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.errors import ExitCode
from kubecopilot.plans.builders import build_json_patch
from kubecopilot.plans.summary import change_rows, summarize, yaml_diff
from kubecopilot.sandbox.world import ClusterSet


def audit_file() -> Path:
    url = load_settings().audit_url
    assert url.startswith("sqlite:///")
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("content", [b"this is not a database\n" * 200, b"SQLite format 3\x00" + b"\xff" * 4000])
@pytest.mark.parametrize("action", [["audit", "verify"], ["audit", "list"]])
def test_a_corrupt_audit_db_is_a_typed_error(capsys, content, action):
    audit_file().write_bytes(content)
    code = main(action)
    captured = capsys.readouterr()
    assert code == ExitCode.LEDGER_UNAVAILABLE
    assert captured.err.startswith("error: the audit ledger")
    assert "Traceback" not in captured.err + captured.out and "sqlalchemy" not in captured.err.lower()


def test_an_append_op_does_not_crash_the_plan_summary():
    world = ClusterSet("default")
    worker = json.loads(world.call("get_deployment", {"namespace": "dev", "deployment_name": "report-worker"}))
    sidecar = {"name": "sidecar", "image": "example/sidecar:1"}
    plan = build_json_patch(worker, [{"op": "add", "path": "/spec/template/spec/containers/-", "value": sidecar},
                                     {"op": "add", "path": "/spec/template/spec/containers/0/env/-",
                                      "value": {"name": "MODE", "value": "debug"}}])
    assert summarize(plan)
    rows = change_rows(plan)
    assert rows and any("sidecar" in json.dumps(row, default=str) for row in rows)
    assert "example/sidecar:1" in yaml_diff(plan)
