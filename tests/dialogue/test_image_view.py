"""The images the pods run: one row per workload, container and image; unknown when the pods carry no specs; pods
that could not be read are said."""

from __future__ import annotations

from kubecopilot.dialogue.image_view import images_answer
from kubecopilot.dialogue.turns import Source, TableBlock, TextBlock


def pod(name: str, owner: str, image: str) -> dict:
    return {"metadata": {"name": name, "namespace": "dev",
                         "ownerReferences": [{"kind": "ReplicaSet", "name": f"{owner}-5d9f", "controller": True}]},
            "spec": {"containers": [{"name": owner, "image": image}]}}


def test_pods_of_one_workload_count_as_one_row():
    pods = [pod("web-5d9f-a", "web", "nginx:1.27"), pod("web-5d9f-b", "web", "nginx:1.27"), pod("api-5d9f-c", "api", "api:2")]
    turn = images_answer(pods, [], "en", "dev", Source())
    table = next(b for b in turn.blocks if isinstance(b, TableBlock))
    assert table.rows == [["api", "api", "api:2", "1"], ["web", "web", "nginx:1.27", "2"]]


def test_pods_without_specs_are_unknown_not_empty():
    turn = images_answer([{"metadata": {"name": "web-5d9f-a"}}], [], "en", "dev", Source(tools=["pods_list"]))
    assert turn.data["images"] is None
    assert "pods_list" in next(b.text for b in turn.blocks if isinstance(b, TextBlock))


def test_pods_that_could_not_be_read_are_said_beside_the_rest():
    gap = "could not read Pod dev/api-5d9f-c: timed out"
    turn = images_answer([pod("web-5d9f-a", "web", "nginx:1.27")], [gap], "en", "dev", Source())
    assert turn.data["unread"] == [gap] and any(gap in b.text for b in turn.blocks if isinstance(b, TextBlock))
