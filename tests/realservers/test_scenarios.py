"""The product end to end through every server variant and through the sandbox's own MCP server: the real
``Conversation`` (offline: rule engine and analyzers), the real plan service and executor, one ToolGateway per
variant. Each scenario expects the answer the sandbox's world makes true — the same through every server.

The world is the default sandbox scenario with a frozen clock: ``billing-api`` crash-loops (its previous log says
``FileNotFoundError … config.yaml``), ``report-worker`` is OOMKilled at 64Mi, ``web-frontend`` cannot pull its image,
``ml-trainer`` is Pending, ``inventory-api`` fails its readiness probe. Every test that changes it resets it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubecopilot.app import App
from kubecopilot.config import Settings, load_settings
from kubecopilot.dialogue.turns import Answer, Ask, CodeBlock, DiagnosisBlock, PlanProposal, TableBlock, TextBlock
from kubecopilot.plans.model import ApprovalDecision
from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.sandbox.world import ClusterSet
from kubecopilot.tools.factory import connect_gateway
from kubecopilot.tools.gateway import ToolGateway

from .conftest import VARIANTS, RunningServer, start_server

SANDBOX = "sandbox"
# A rollout lands at once in the sandbox: a post-check that is not met within seconds will not be.
QUICK: dict[str, Any] = {"offline": True, "plans.verify_timeout": 3.0}
THROUGH = (SANDBOX, *(v.id for v in VARIANTS))


@dataclass
class Through:
    """One way to reach the sandbox's world: its own MCP server, or a public server in front of its API."""

    id: str
    settings: Settings
    gateway: ToolGateway
    server: RunningServer | None

    @property
    def read_only(self) -> bool:
        return self.server is not None and self.server.variant.read_only

    ledgers: Path

    def app(self) -> App:
        """A fresh conversation (its own session and audit ledger) over the shared connection: one client per
        server process — Flux159's SSE endpoint exits when a second client connects."""
        self.gateway.refresh_cache()
        settings = self.settings.model_copy(deep=True)
        settings.audit.url = f"sqlite:///{self.ledgers / f'{uuid.uuid4().hex}.sqlite'}"
        return App.assemble(settings, self.gateway)


@pytest.fixture(scope="module", params=THROUGH)
def through(request: pytest.FixtureRequest, served: SandboxHandle, kube_env: dict[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Through]:
    server = None
    if request.param == SANDBOX:
        settings, url = load_settings(QUICK), served.url
    else:
        request.getfixturevalue("npm_ready")
        variant = next(v for v in VARIANTS if v.id == request.param)
        server = start_server(variant, kube_env, tmp_path_factory.mktemp("logs") / f"{variant.id}.log")
        target = server.target
        overrides: dict[str, Any] = {**QUICK, "mcp.call_timeout": 60.0, "mcp.connect_timeout": 30.0}
        if target.transport == "stdio":
            overrides.update({"mcp.command": list(target.command), "mcp.env": dict(target.env)})
        settings, url = load_settings(overrides), target.url
    try:
        gateway = connect_gateway(settings, url=url)
    except Exception:
        if server is not None:
            server.stop()
        raise
    try:
        yield Through(request.param, settings, gateway, server, tmp_path_factory.mktemp("ledgers"))
    finally:
        gateway.close()
        if server is not None:
            server.stop()


@pytest.fixture
def world(served: SandboxHandle) -> Iterator[ClusterSet]:
    served.cluster.reset()
    yield served.cluster
    served.cluster.reset()


# --- what the world holds ---------------------------------------------------------------------------------------


def pods_of(world: ClusterSet, prefix: str, namespace: str = "dev") -> list[dict[str, Any]]:
    with world.lock:
        return [p for p in world.cluster().store.list("Pod", namespace) if p["metadata"]["name"].startswith(prefix + "-")]


def pod_name(world: ClusterSet, prefix: str) -> str:
    pods = pods_of(world, prefix)
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]
    return str(pods[0]["metadata"]["name"])


def warnings_in(world: ClusterSet, namespace: str) -> list[dict[str, Any]]:
    with world.lock:
        return [e for e in world.cluster().store.list("Event", namespace) if e.get("type") == "Warning"]


def memory_limit(world: ClusterSet, deployment: str) -> str:
    with world.lock:
        obj = world.cluster().store.require("Deployment", deployment, "dev")
    return str(obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"])


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


# --- reading a turn ---------------------------------------------------------------------------------------------


def text_of(turn: Any) -> str:
    parts = [getattr(turn, "title", "") or getattr(turn, "message", "") or getattr(turn, "question", "")]
    for block in getattr(turn, "blocks", []):
        if isinstance(block, TextBlock | CodeBlock):
            parts.append(block.text)
        elif isinstance(block, TableBlock):
            parts += [" | ".join(block.columns), *(" | ".join(row) for row in block.rows)]
        elif isinstance(block, DiagnosisBlock):
            parts.append(block.diagnosis.model_dump_json())
    return "\n".join(parts)


def table(turn: Any) -> TableBlock:
    found = [b for b in turn.blocks if isinstance(b, TableBlock)]
    assert found, text_of(turn)
    return found[0]


def row_of(block: TableBlock, name: str) -> dict[str, str]:
    rows = [dict(zip(block.columns, row, strict=True)) for row in block.rows if name in row]
    assert len(rows) == 1, block
    return rows[0]


def diagnosis_in(turn: Any) -> Any:
    blocks = [b for b in getattr(turn, "blocks", []) if isinstance(b, DiagnosisBlock)]
    assert blocks, text_of(turn)
    return blocks[0].diagnosis


def skip_read_only_repeat(through: Through) -> None:
    """The read-only server reads exactly as its writable twin (kms-0.0.67-http): only its own differences run."""
    if through.read_only:
        pytest.skip("read-only: the same reads as kms-0.0.67-http; its difference is the refused change")


def approve(plan: Any) -> ApprovalDecision:
    return ApprovalDecision(approved=True, by="user:on-call", typed_name=plan.resource.name)


# --- the PRD conversation and the lists ---------------------------------------------------------------------------


def test_the_prd_conversation_shows_cart_service_v2s_logs(through: Through, world: ClusterSet) -> None:
    app = through.app()
    talk = app.conversation
    first = talk.handle("show me the logs of cart-service")
    assert isinstance(first, Ask) and first.slot == "namespace", text_of(first)
    assert "dev" in [o.value for o in first.options]
    second = talk.handle("dev")
    assert isinstance(second, Ask) and second.slot == "pod", text_of(second)
    assert sorted(o.value for o in second.options) == sorted(p["metadata"]["name"] for p in pods_of(world, "cart-service-v1")
                                                             + pods_of(world, "cart-service-v2"))
    logs = talk.handle("v2")
    assert isinstance(logs, Answer), text_of(logs)
    code = next(b for b in logs.blocks if isinstance(b, CodeBlock))
    assert "GET /api/cart/" in code.text
    assert '"logs"' not in code.text and "\\n" not in code.text  # the log itself, never a server's JSON envelope
    assert code.title is not None and code.title.startswith("container cart-service,")


def test_listing_pods_shows_ready_status_and_restarts_as_the_cluster_has_them(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    turn = through.app().conversation.handle("list pods in dev")
    billing = pods_of(world, "billing-api")[0]
    row = row_of(table(turn), billing["metadata"]["name"])
    assert row["READY"] == "0/1" and row["STATUS"] == "CrashLoopBackOff"
    assert row["RESTARTS"] == str(billing["status"]["containerStatuses"][0]["restartCount"])


def test_the_images_a_namespace_runs_are_read_from_its_pods(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    turn = through.app().conversation.handle("what images are running in production?")
    with world.lock:
        running = {c["image"] for p in world.cluster().store.list("Pod", "production") for c in p["spec"]["containers"]}
    assert turn.data["images"] is not None and turn.data["unread"] == [], text_of(turn)  # tables: each pod read
    assert {row["image"] for row in turn.data["images"]} == running


# --- diagnosis ----------------------------------------------------------------------------------------------------


def test_a_deployments_crash_loop_is_diagnosed_from_its_previous_log(through: Through, world: ClusterSet) -> None:
    diagnosis = diagnosis_in(through.app().conversation.handle("why is billing-api crashing in dev?"))
    assert diagnosis.category == "CrashLoopBackOff"
    assert any(q.source == "previous_logs" and "FileNotFoundError" in q.quote for q in diagnosis.evidence), diagnosis
    assert diagnosis.fix is not None and diagnosis.fix.action == "rollback" and diagnosis.fix.name == "billing-api"


def test_a_deployments_oom_kill_is_diagnosed_with_its_fix(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    diagnosis = diagnosis_in(through.app().conversation.handle("why is report-worker crashing in dev?"))
    assert diagnosis.category == "OOMKilled", diagnosis
    assert diagnosis.fix is not None and diagnosis.fix.limits == {"memory": "256Mi"}


def test_a_pod_is_diagnosed_and_tied_to_its_deployment(through: Through, world: ClusterSet) -> None:
    pod = pod_name(world, "billing-api")
    diagnosis = diagnosis_in(through.app().conversation.handle(f"diagnose pod {pod} -n dev"))
    assert diagnosis.category == "CrashLoopBackOff"
    assert diagnosis.fix is not None and diagnosis.fix.kind == "Deployment" and diagnosis.fix.name == "billing-api"


def test_an_image_pull_failure_is_diagnosed_from_the_pods_state_and_events(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    diagnosis = diagnosis_in(through.app().conversation.handle("why is web-frontend failing in dev?"))
    assert diagnosis.category == "ImagePullBackOff", diagnosis
    assert diagnosis.fix is not None and diagnosis.fix.image == "nginx:1.27-alpine"


# --- events and describe --------------------------------------------------------------------------------------------


def test_a_pods_events_are_shown(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    pod = pod_name(world, "billing-api")
    with world.lock:
        expected = [e for e in world.cluster().store.list("Event", "dev") if e["involvedObject"]["name"] == pod]
    turn = through.app().conversation.handle(f"events of pod {pod} -n dev")
    rows = table(turn).rows
    assert len(rows) == len(expected), text_of(turn)
    back_off = next(dict(zip(table(turn).columns, r, strict=True)) for r in rows if "BackOff" in r)
    assert back_off["TYPE"] == "Warning" and back_off["OBJECT"] == f"pod/{pod}"
    assert back_off["MESSAGE"].startswith("Back-off restarting failed container billing-api")


def test_the_warning_events_are_all_found(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    expected = warnings_in(world, "dev")
    turn = through.app().conversation.handle("warning events in dev")
    reasons = sorted(row[table(turn).columns.index("REASON")] for row in table(turn).rows)
    assert reasons == sorted(e["reason"] for e in expected), text_of(turn)


def test_describe_a_pod_shows_its_state(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    pod = pod_name(world, "billing-api")
    turn = through.app().conversation.handle(f"describe pod {pod} -n dev")
    assert isinstance(turn, Answer), text_of(turn)
    assert pod in text_of(turn) and "CrashLoopBackOff" in text_of(turn)


# --- scan -----------------------------------------------------------------------------------------------------------


def test_the_scan_judges_every_analyzer_and_finds_every_broken_workload(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    answer = through.app().conversation.handle("unhealthy pods in dev")  # quick command 4: the scan
    text = text_of(answer)
    for workload, category in (("web-frontend", "ImagePullBackOff"), ("ml-trainer", "Unschedulable"),
                               ("billing-api", "CrashLoopBackOff"), ("report-worker", "OOMKilled"),
                               ("inventory-api", "ProbeFailure")):
        assert f"Deployment/dev/{workload}" in text and f"[{category}]" in text, text
    assert "could not check" not in text.lower() and "not judged" not in text.lower(), text
    assert "no problem" not in text.lower()


# --- changes: fix → approve → verified, rollback ---------------------------------------------------------------------


def test_fix_approve_and_verify_the_oom_cure_then_roll_it_back(through: Through, world: ClusterSet) -> None:
    app = through.app()
    proposal = app.conversation.handle("fix report-worker -n dev")
    if through.read_only:
        assert not isinstance(proposal, PlanProposal), text_of(proposal)
        assert "cannot" in text_of(proposal).lower() and app.plans.list() == []
        return
    assert isinstance(proposal, PlanProposal), text_of(proposal)
    done = app.conversation.approve(proposal.plan_id, approve)
    assert isinstance(done, Answer) and "✓" in text_of(done) and "✗" not in text_of(done), text_of(done)
    pods = pods_of(world, "report-worker")
    assert len(pods) == 1 and is_ready(pods[0]) and memory_limit(world, "report-worker") == "256Mi"

    # Rolling the cure back really brings the OOM kill back: the post-check says so, read from the cluster.
    service = app.plans
    back = service.rollback(proposal.plan_id)
    assert service.decide(back, approve)
    report = service.execute(back)
    assert report.outcome == "executed" and report.verified is False, report.conditions
    assert report.conditions[0].state == "not_met" and memory_limit(world, "report-worker") == "64Mi"


def test_scale_approve_verify_and_roll_back(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    app = through.app()
    proposal = app.conversation.handle("scale cart-service-v1 to 2 in dev")
    assert isinstance(proposal, PlanProposal), text_of(proposal)
    done = app.conversation.approve(proposal.plan_id, approve)
    assert "✓" in text_of(done) and len(pods_of(world, "cart-service-v1")) == 2, text_of(done)
    service = app.plans
    back = service.rollback(proposal.plan_id)
    assert service.decide(back, approve)
    report = service.execute(back)
    assert report.verified is True and report.conditions[0].state == "met", report.conditions
    assert len(pods_of(world, "cart-service-v1")) == 1


def test_a_crash_loop_is_fixed_by_rolling_back_and_verified(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    app = through.app()
    proposal = app.conversation.handle("fix billing-api -n dev")  # the rollback needs whole ReplicaSets (templates)
    assert isinstance(proposal, PlanProposal), text_of(proposal)
    done = app.conversation.approve(proposal.plan_id, approve)
    assert "✓" in text_of(done), text_of(done)
    pods = pods_of(world, "billing-api")
    assert len(pods) == 1 and is_ready(pods[0])


# --- several clusters -------------------------------------------------------------------------------------------


def test_another_cluster_is_reached_through_the_servers_context(through: Through, world: ClusterSet) -> None:
    skip_read_only_repeat(through)
    talk = through.app().conversation
    clusters = table(talk.handle("list clusters"))
    assert [row[0] for row in clusters.rows] == ["dev-cluster", "prod-cluster"]
    assert row_of(clusters, "dev-cluster")["CURRENT"] == "*"
    talk.handle("switch to prod-cluster")
    nodes = table(talk.handle("list nodes"))
    assert sorted(row[0] for row in nodes.rows) == ["prod-node-1", "prod-node-2", "prod-node-3", "prod-node-4"]
    assert row_of(nodes, "prod-node-3")["STATUS"] == "NotReady"
