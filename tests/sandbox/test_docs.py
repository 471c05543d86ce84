"""docs/sandbox.md lists exactly the tools the server serves."""

from __future__ import annotations

from pathlib import Path

from kubecopilot.sandbox.toolspec import ToolCatalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def test_the_tool_table_matches_the_catalogue():
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("\n", text.index("<!-- tools:begin")) + 1
    assert text[begin:text.index("<!-- tools:end -->")] == ToolCatalog.load().markdown()


def test_every_scenario_is_documented():
    from kubecopilot.sandbox.scenario import names

    text = DOC.read_text(encoding="utf-8")
    for name in names():
        assert f"| `{name}` |" in text, name



def test_the_example_pod_name_is_the_one_the_default_scenario_makes():
    from kubecopilot.sandbox.world import ClusterSet

    example = "cart-service-v2-m45kpckgxt-d9c7l"
    assert example in DOC.read_text(encoding="utf-8")
    assert example in {p["metadata"]["name"] for p in ClusterSet("default").cluster().store.list("Pod", "dev")}
