"""Lists render what the server said and nothing more: a value its list does not carry is "?", never 0 or blank, and
"no problems" is said only when every record carried what it takes to judge it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kubecopilot.dialogue.health import HealthCheck
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import TableBlock, TextBlock
from kubecopilot.dialogue.views import Views
from kubecopilot.tools.gateway import Listing
from kubecopilot.tools.parsers import Record, parse_records


class Listed:
    """A gateway whose lists are given records, from a tool named after the server's."""

    def __init__(self, **records: list[Record]) -> None:
        self.records_by_capability = records

    def records(self, capability: str, **slots: Any) -> Listing:
        return Listing(capability, "kubectl_get", self.records_by_capability[capability], False, None)

    def has(self, capability: str) -> bool:
        return capability in self.records_by_capability

    def binding(self, capability: str, **slots: Any) -> Any:
        return SimpleNamespace(tool="kubectl_get")


SUMMARIES = parse_records('{"items": [{"name": "billing-api-1", "namespace": "dev", "kind": "Pod", '
                          '"createdAt": "2026-05-04T07:30:00Z"}]}')


def test_a_list_without_ready_status_or_restarts_shows_question_marks():
    answer = Views(Listed(list_pods=SUMMARIES), Session()).list_pods("dev", None)
    (table,) = [b for b in answer.blocks if isinstance(b, TableBlock)]
    row = dict(zip(table.columns, table.rows[0], strict=True))
    assert (row["READY"], row["STATUS"], row["RESTARTS"]) == ("?", "?", "?")


def test_unhealthy_pods_are_not_ruled_out_when_their_status_is_unknown():
    answer = Views(Listed(list_pods=SUMMARIES), Session()).unhealthy_pods("dev")
    (text,) = [b.text for b in answer.blocks if isinstance(b, TextBlock)]
    assert text == "Could not check the health of 1 pod: kubectl_get does not say its status."


def test_events_without_a_type_are_not_called_harmless():
    untyped = parse_records('{"events": [{"reason": "BackOff", "message": "Back-off restarting failed container",'
                            ' "involvedObject": {"kind": "Pod", "name": "billing-api-1", "namespace": "dev"}}]}')
    answer = Views(Listed(list_events=untyped), Session()).warning_events("dev")
    texts = [b.text for b in answer.blocks if isinstance(b, TextBlock)]
    assert texts == ["Could not check whether 1 event is a warning: kubectl_get does not say its type."]


def test_the_health_check_does_not_pass_deployments_whose_readiness_it_was_not_told():
    deployments = parse_records('{"items": [{"name": "billing-api", "namespace": "dev", "kind": "Deployment", '
                                '"status": "Active"}]}')
    running = parse_records("NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE\ndev         web-1   1/1     Running   0   2h\n")
    answer = HealthCheck(Listed(list_pods=running, list_deployments=deployments), Session()).run()
    (table,) = [b for b in answer.blocks if isinstance(b, TableBlock)]
    assert dict(table.rows) == {"Pods running and ready, in all namespaces": "✓", "Deployments fully available": "? 1"}
    assert 'Could not check "Deployments fully available" for 1 record: kubectl_get does not say it.' in [
        b.text for b in answer.blocks if isinstance(b, TextBlock)]
