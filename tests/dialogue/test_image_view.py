"""The images the pods run: one row per workload, container and image; unknown when the list has no specs."""

from __future__ import annotations

from kubecopilot.dialogue.image_view import images
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Source, TableBlock, TextBlock


class Record:
    def __init__(self, name: str, raw: dict, namespace: str = "dev") -> None:
        self.name, self.raw, self.namespace = name, raw, namespace


class FakeReads:
    """The two things the view reads: the pod records and the tool that listed them."""

    source = Source()
    last_tool = "pods_list"

    def __init__(self, records: list[Record]) -> None:
        self._records = records

    def records(self, capability: str, **_: object) -> list[Record]:
        assert capability == "list_pods"
        return self._records


def pod(name: str, owner: str, image: str) -> Record:
    raw = {"metadata": {"name": name, "ownerReferences": [{"kind": "ReplicaSet", "name": f"{owner}-5d9f", "controller": True}]},
           "spec": {"containers": [{"name": owner, "image": image}]}}
    return Record(name, raw)


def test_pods_of_one_workload_count_as_one_row():
    reads = FakeReads([pod("web-5d9f-a", "web", "nginx:1.27"), pod("web-5d9f-b", "web", "nginx:1.27"),
                       pod("api-5d9f-c", "api", "api:2")])
    turn = images(reads, Session(), "dev", None)  # type: ignore[arg-type]
    table = next(b for b in turn.blocks if isinstance(b, TableBlock))
    assert table.rows == [["api", "api", "api:2", "1"], ["web", "web", "nginx:1.27", "2"]]


def test_a_table_without_specs_is_unknown_not_empty():
    reads = FakeReads([Record("web-5d9f-a", {"NAME": "web-5d9f-a", "STATUS": "Running"})])
    turn = images(reads, Session(), "dev", None)  # type: ignore[arg-type]
    assert turn.data["images"] is None
    assert "pods_list" in next(b.text for b in turn.blocks if isinstance(b, TextBlock))
