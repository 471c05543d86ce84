"""Small pieces of the simulation with many cases: selectors, quantities, back-off timing, merge patch, kinds,
argument coercion, and the layering rule (the domain never imports MCP)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kubecopilot.sandbox import kinds, quantity
from kubecopilot.sandbox.errors import BadRequest, Invalid
from kubecopilot.sandbox.ops.generic import merge_patch
from kubecopilot.sandbox.podstatus import crash_timeline, retries
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.toolspec import ToolCatalog

LABELS = {"app": "cart", "tier": "web", "env": "dev"}


@pytest.mark.parametrize(("text", "matches"), [
    ("app=cart", True), ("app==cart", True), ("app!=cart", False), ("app=cart,tier=db", False),
    ("env in (dev,qa)", True), ("env notin (dev)", False), ("release", False), ("!release", True), ("tier", True),
    ("app in (cart, checkout),env=dev", True), ("", True),
])
def test_label_selectors(text, matches):
    assert Selector.parse(text).matches(LABELS) is matches


def test_label_selector_syntax_errors():
    with pytest.raises(BadRequest, match="unable to parse requirement"):
        Selector.parse("app in cart")


def test_selector_objects():
    spec = {"matchLabels": {"app": "cart"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]}
    assert Selector.from_spec(spec).matches(LABELS)
    assert not Selector.from_spec({"matchLabels": {"app": "other"}}).matches(LABELS)


@pytest.mark.parametrize(("text", "milli"), [("500m", 500), ("2", 2000), ("0.5", 500)])
def test_cpu_quantities(text, milli):
    assert quantity.millicores(text) == milli


@pytest.mark.parametrize(("text", "mib"), [("64Mi", 64), ("1Gi", 1024), ("1536Mi", 1536), ("268435456", 256)])
def test_memory_quantities(text, mib):
    assert quantity.mebibytes(text) == mib


def test_bad_quantity():
    with pytest.raises(Invalid, match="quantities must match"):
        quantity.parse("lots")
    assert quantity.format_memory(2048) == "2Gi" and quantity.format_cpu(1500) == "1500m"


def test_crash_timeline_backs_off_up_to_five_minutes():
    attempts = crash_timeline(3600, run_s=2)
    gaps = [b[0] - a[1] for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps[:6] == [10, 20, 40, 80, 160, 300] and set(gaps[6:]) == {300}
    assert all(end - start == 2 for start, end in attempts)
    assert attempts[-1][1] <= 3600


def test_a_fresh_crash_loop_already_shows_one_restart():
    attempts = crash_timeline(0, run_s=25)
    assert len(attempts) == 2 and attempts[-1][1] == 0  # squeezed into the pod's age, never in the future
    assert retries(0) == 1 and retries(10) == 2 and retries(3600) > 12


def test_merge_patch_follows_rfc7386():
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "list": [1, 2]}
    assert merge_patch(target, {"a": "z", "c": {"f": None}, "list": [3]}) == {"a": "z", "c": {"d": "e"}, "list": [3]}
    assert target["c"] == {"d": "e", "f": "g"}  # not modified in place


@pytest.mark.parametrize("name", ["deploy", "Deployment", "deployments", "deployment", "deployments.apps", "apps/v1/Deployment"])
def test_kind_aliases(name):
    assert kinds.resolve(name).kind == "Deployment"


def test_kind_errors():
    with pytest.raises(BadRequest, match='doesn\'t have a resource type "gizmo"'):
        kinds.resolve("gizmo")
    with pytest.raises(BadRequest, match='no matches for kind "Deployment" in version "v1"'):
        kinds.resolve("Deployment", "v1")
    assert kinds.by_kind("Endpoints").resource == "endpoints" and kinds.resolve("hpa").group == "autoscaling"


def test_arguments_are_coerced_the_way_llms_send_them():
    spec = ToolCatalog.load().get("get_pod_logs")
    args = spec.validate({"namespace": "dev", "pod_name": "p", "tail_lines": "20", "previous": "true", "container": None})
    assert args == {"namespace": "dev", "pod_name": "p", "tail_lines": 20, "previous": True}
    with pytest.raises(BadRequest, match='invalid argument "tail_lines"'):
        spec.validate({"namespace": "dev", "pod_name": "p", "tail_lines": 0})
    with pytest.raises(BadRequest, match='missing required argument "namespace"'):
        spec.validate({"namespace": "", "pod_name": "p"})


def test_the_domain_does_not_import_mcp():
    code = ("import sys, kubecopilot.sandbox.cluster, kubecopilot.sandbox.ops, kubecopilot.sandbox.scenario; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('mcp', 'uvicorn', 'starlette', 'crewai', 'rich')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
