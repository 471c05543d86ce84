"""Services with no ready endpoints: worked out from each Service's selector and the pods' readiness, and unknown —
never 0, never fine — when the server gave neither."""

from __future__ import annotations

from kubecopilot.dialogue.service_view import ready_endpoints
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock


def pod(app: str, ready: bool) -> dict:
    condition = {"type": "Ready", "status": "True" if ready else "False"}
    return {"metadata": {"name": f"{app}-x", "labels": {"app": app}}, "status": {"conditions": [condition]}}


def test_ready_endpoints_count_the_ready_pods_the_selector_matches():
    pods = [pod("web", True), pod("web", False), pod("api", True)]
    assert ready_endpoints({"spec": {"selector": {"app": "web"}}}, pods) == 1
    assert ready_endpoints({"spec": {"selector": {"app": "db"}}}, pods) == 0


def test_what_was_not_read_is_unknown():
    assert ready_endpoints({"NAME": "web", "TYPE": "ClusterIP"}, [pod("web", True)]) is None  # a table row
    assert ready_endpoints({"spec": {"selector": {}}}, [pod("web", True)]) is None  # endpoints managed by hand
    assert ready_endpoints({"spec": {"selector": {"app": "web"}}}, [{"NAME": "web-x", "STATUS": "Running"}]) is None


def test_the_services_of_dev_without_ready_endpoints(talk):
    turn = talk.handle("which services in dev have no ready endpoints?")
    assert isinstance(turn, Answer)
    table = next(b for b in turn.blocks if isinstance(b, TableBlock))
    assert {r[0] for r in table.rows} == {"billing-api", "inventory-api", "web-frontend"}
    assert {s["name"]: s["readyEndpoints"] for s in turn.data["services"]} == \
        {"billing-api": 0, "inventory-api": 0, "web-frontend": 0}  # redis and cart-service have theirs


def test_all_with_endpoints_is_said_from_what_was_read(talk):
    turn = talk.handle("services in production with no endpoints")
    said = " ".join(b.text for b in turn.blocks if isinstance(b, TextBlock))
    assert "All 3 Services in production have ready endpoints." in said


def test_a_place_without_services_is_nothing_found_not_all_fine():
    from kubecopilot.dialogue.service_view import services_without_endpoints
    from kubecopilot.dialogue.session import Session
    from kubecopilot.dialogue.turns import Source

    class NoServices:
        source = Source()

        def records(self, capability: str, **_: object) -> list:
            return []

    turn = services_without_endpoints(NoServices(), Session(), "qa")  # type: ignore[arg-type]
    assert [b.text for b in turn.blocks if isinstance(b, TextBlock)] == ["Nothing found."]
