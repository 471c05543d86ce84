"""The answers behind the round-2 intents, on the sandbox: counts read from the cluster, usage never shown as 0 for a
pod that reports none, config answers that carry keys and never values, a refused change to many objects."""

from __future__ import annotations

from kubecopilot.dialogue.turns import Answer, TableBlock


def rows(turn: Answer) -> list[list[str]]:
    return next(b.rows for b in turn.blocks if isinstance(b, TableBlock))


def test_a_count_is_the_number_of_rows_read(talk):
    turn = talk.handle("how many pods are in dev")
    assert isinstance(turn, Answer) and turn.data["count"] == len(rows(turn)) == 12
    turn = talk.handle("how many pods named zzz are in dev")  # a filter that matches nothing counts nothing
    assert turn.data["count"] == 0 and any("zzz" in n for n in turn.notices)


def test_usage_of_a_pod_without_a_running_container_is_not_shown_as_zero(talk):
    turn = talk.handle("kubectl top pods -n dev")
    shown = {r[0] for r in rows(turn)}
    assert "cart-service-v2-m45kpckgxt-d9c7l" in shown
    assert not shown & {"billing-api-d8tmsdzklb-r2lsq", "report-worker-v9g4jblws9-k62rt", "ml-trainer-pstbjqg889-xrv7f"}
    assert all(not r[2].startswith("0Mi") for r in rows(turn))
    assert {r["name"] for r in turn.data["usage"]} == shown
    said = " ".join(b.text for b in turn.blocks if hasattr(b, "text"))
    assert "billing-api-d8tmsdzklb-r2lsq" in said and "8 pods" in said


def test_the_config_data_has_keys_and_no_values(talk):
    turn = talk.handle("list secrets in dev")
    assert turn.data["secrets"] == [
        {"namespace": "dev", "name": "cart-db-credentials", "keys": ["password", "username"], "type": "Opaque"},
        {"namespace": "dev", "name": "registry-pull-secret", "keys": [".dockerconfigjson"],
         "type": "kubernetes.io/dockerconfigjson"}]
    assert "<redacted>" not in turn.model_dump_json()
    used = talk.handle("show the secrets of payments")  # in production, though the session is in dev
    assert used.data["usedBy"] == {"kind": "Deployment", "namespace": "production", "name": "payments"}
    assert [s["name"] for s in used.data["secrets"]] == ["payments-api-key"]


def test_a_change_to_many_objects_is_refused_and_asks_nothing(talk):
    turn = talk.handle("delete all pods in dev")
    assert isinstance(turn, Answer) and turn.outcome == "refused_by_policy" and talk.session.pending is None


def test_a_picked_workload_keeps_its_kind(talk):
    """"which one?" for describe / diagnose is answered with a bare name: the handler gets it with its kind."""
    talk.handle("describe cart-service")
    talk.handle("dev")
    assert talk.handle("1").title == "Deployment dev/cart-service-v1"
    talk.handle("diagnose cart")
    talk.handle("dev")
    assert talk.handle("v2").title == "Diagnosis: Deployment dev/cart-service-v2"


def test_a_count_of_pods_says_how_many_are_in_each_status(talk):
    """"how many pods are running in dev": the total alone would answer the wrong question; the split answers it."""
    turn = talk.handle("how many pods are running in dev")
    statuses = [r[2] for r in rows(turn)]  # NAME, READY, STATUS, …
    assert turn.data["countByStatus"]["Running"] == statuses.count("Running") < len(statuses)
    said = " ".join(b.text for b in turn.blocks if hasattr(b, "text"))
    assert f"{statuses.count('Running')} Running" in said and f"{len(statuses)} in total" in said


def test_a_scan_says_where_it_looked(talk):
    turn = talk.handle("scan production")
    said = " ".join(b.text for b in turn.blocks if hasattr(b, "text"))
    assert turn.title == "Unhealthy pods and workloads in production (scan)"
    assert "The scan of production found no problem." in said  # production is healthy in the sandbox: read, not assumed
