"""Every table readable at 120, 80 and 60 columns and when piped: columns drop or wrap by priority, and every name
(a pod, a deployment, a plan's resource, a JSON pointer) appears whole on one line."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from plans.fakes import deployment
from rich.console import Console

from kubecopilot.dialogue.turns import Answer, TableBlock
from kubecopilot.plans.builders import build_scale, build_set_resources
from kubecopilot.tools.cache import ReadCache
from kubecopilot.ui.plan_view import pending_plans_table, plans_table, render_changes
from kubecopilot.ui.render import render_turn
from kubecopilot.ui.tables import cache_tables, tools_table

PODS = [
    ["production", "cart-service-v2-m45kpckgxt-d9c7l", "0/1", "CrashLoopBackOff", "27", "12d"],
    ["dev", "billing-api-d8tmsdzklb-r2lsq", "1/1", "Running", "0", "40m"],
    ["kube-system", "coredns-7db6d8ff4d-x2k4p", "1/1", "Running", "1", "21d"],
]
EVENTS = [
    ["2m", "Warning", "BackOff", "pod/billing-api-d8tmsdzklb-r2lsq",
     "Back-off restarting failed container billing-api in pod billing-api-d8tmsdzklb-r2lsq"],
    ["5m", "Warning", "FailedScheduling", "pod/ml-trainer-6f9c7d8b5-qw7zr",
     "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims"],
]
WIDTHS = [120, 80, 60]


def shown(renderable, width: int | None) -> str:
    """What a terminal of ``width`` columns shows; None: piped (no terminal, rich's own default width)."""
    if width is None:
        console = Console(file=io.StringIO(), force_terminal=False)
    else:
        console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def assert_readable(text: str, width: int, names: list[str]) -> list[str]:
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), text
    for name in names:
        assert any(name in line for line in lines), f"{name} is split or missing:\n{text}"
    return lines


@pytest.fixture(autouse=True)
def no_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.mark.parametrize("width", [*WIDTHS, None], ids=["120", "80", "60", "piped"])
def test_the_pod_list_keeps_every_name_whole_and_drops_the_least_useful_columns(width):
    answer = Answer(title="Pods in all namespaces", blocks=[
        TableBlock(columns=["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"], rows=PODS)])
    text = shown(render_turn(answer), width)
    lines = assert_readable(text, width or 80, [row[1] for row in PODS] + ["CrashLoopBackOff"])
    header = next(line for line in lines if "NAME" in line and "STATUS" in line)  # still a table, not cards
    if width == 120:
        assert re.match(r"NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", header)
        assert "not shown" not in text
    else:  # what was left out is said, and NAME and STATUS are never among it
        assert re.search(r"\(not shown at this width: .*AGE\)", text) and "AGE" not in header


@pytest.mark.parametrize("width", [*WIDTHS, None], ids=["120", "80", "60", "piped"])
def test_events_are_a_table_like_kubectl_get_events_with_messages_wrapped_at_words(width):
    answer = Answer(title="Recent warning events", blocks=[
        TableBlock(columns=["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows=EVENTS)])
    text = shown(render_turn(answer), width)
    lines = assert_readable(text, width or 80, [row[3] for row in EVENTS])
    if width == 60:  # an event without its object or its message says nothing: one card per event instead
        assert lines[1] == EVENTS[0][3] and lines[2].startswith("  LAST SEEN 2m · TYPE Warning · REASON BackOff ·")
    else:
        header = next(line for line in lines if "OBJECT" in line)
        assert "MESSAGE" in header
    if width == 120:
        assert re.match(r"LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE", header)
    words = set(re.findall(r"[A-Za-z]{3,}", " ".join(row[4] for row in EVENTS)))
    shown_words = set(re.findall(r"[A-Za-z]{3,}", text))
    assert words <= shown_words  # no word of a message cut in two


@pytest.mark.parametrize("width", [*WIDTHS, None], ids=["120", "80", "60", "piped"])
def test_the_plans_tables_keep_ids_and_resources_whole(width):
    plans = [build_scale(deployment("cart-service-v1", "dev"), 2, requested_by="user:alice"),
             build_scale(deployment("payments-gateway-eu-west", "production-payments"), 0, requested_by="user:bob")]
    names = [p.plan_id[:8] for p in plans] + [p.resource.label() for p in plans]
    assert_readable(shown(plans_table(plans), width), width or 80, names + ["pending"])
    expires = datetime(2026, 12, 5, 14, 40, tzinfo=UTC)
    waiting = shown(pending_plans_table([(p, expires) for p in plans], lambda p: "high risk"), width)
    assert_readable(waiting, width or 80, names)
    assert "a second person" in waiting or "needs" in waiting


@pytest.mark.parametrize("width", [*WIDTHS, None], ids=["120", "80", "60", "piped"])
def test_a_json_pointer_in_the_changes_table_is_never_split(width):
    plan = build_set_resources(deployment("report-worker", memory="64Mi", container="worker"), "worker",
                               limits={"memory": "256Mi"})
    text = shown(render_changes(plan), width)
    assert_readable(text, width or 80, ["/spec/template/spec/containers/0/resources/limits/memory", "256Mi"])


@pytest.mark.parametrize("width", [80, 60])
def test_the_cache_and_tools_tables_fit(width):
    cache = ReadCache({"pods": 30})
    cache.put("pods", "list_pods", {"namespace": "dev", "label_selector": "app=cart-service,version=v1"}, "x")
    assert_readable(shown(cache_tables(cache), width), width, ["list_pods", "30 s"])
    rows = [{"name": "list_pods_in_all_namespaces_with_labels", "class": "list", "why": "annotation readOnlyHint "
             "says it only reads", "capability": "list_pods", "cache": "pods 30s"}]
    text = tools_table(rows, "http://127.0.0.1:8001/sse", "sandbox", width=width)
    assert_readable(text, width, ["list_pods_in_all_namespaces_with_labels"])
