"""The prompt registry: manifest ↔ files ↔ placeholders ↔ schemas ↔ tasks.yaml all agree."""

from __future__ import annotations

import re

import yaml
from pydantic import BaseModel

from kubecopilot.prompting.prompts import PLACEHOLDER, PromptRegistry, registry
from kubecopilot.resources import data_path


def test_every_manifest_entry_has_its_file_and_schema():
    reg = registry()
    assert set(reg.specs) == {"understand-request", "diagnose", "plan-change", "verify-change"}
    for spec in reg.specs.values():
        assert (reg.folder / spec.file).is_file()
        assert spec.file == f"{spec.id}.v{spec.major}.md"  # versioned file names
        assert issubclass(spec.schema_model(), BaseModel)
        assert spec.changelog[0].version == spec.version  # newest changelog entry is the current version
        assert spec.source_id == f"{spec.id}@{spec.version}"


def test_no_template_file_is_outside_the_manifest():
    reg = registry()
    files = {p.name for p in reg.folder.glob("*.md")}
    assert files == {s.file for s in reg.specs.values()}


def test_placeholders_match_declared_inputs():
    reg = registry()
    for spec in reg.specs.values():
        assert reg.placeholders(spec.id) == set(spec.inputs), spec.id


def test_tasks_yaml_names_registry_entries_and_agents():
    tasks = yaml.safe_load(data_path("tasks.yaml").read_text())
    agents = yaml.safe_load(data_path("agents.yaml").read_text())
    reg = registry()
    for task_name, task in tasks.items():
        spec = reg.spec(task["prompt"])
        assert spec.task == task_name and spec.agent == task["agent"]
        assert task["agent"] in agents
    assert set(agents) == {"coordinator", "diagnostician", "planner", "remediator"}
    # agent texts are interpolated by crewAI too: they must not need inputs
    for agent in agents.values():
        for field in ("role", "goal", "backstory"):
            assert not PLACEHOLDER.findall(agent[field])


def test_render_fills_inputs_and_refuses_missing_ones():
    reg = registry()
    spec = reg.spec("verify-change")
    inputs = {name: f"<{name}>" for name in spec.inputs}
    text = reg.render("verify-change", inputs)
    assert "<plan_summary>" in text and not PLACEHOLDER.search(text)
    inputs.pop("checks")
    try:
        reg.render("verify-change", inputs)
    except KeyError as exc:
        assert "checks" in str(exc)
    else:
        raise AssertionError("missing input was not reported")


def test_schema_json_is_compact_and_complete():
    schema = registry().schema_json("diagnose")
    assert '"root_cause"' in schema and '"evidence"' in schema
    assert not re.search(r'"title":"', schema)


def test_a_broken_manifest_is_rejected(tmp_path):
    (tmp_path / "manifest.json").write_text('[{"id": "x", "version": "one"}]')
    try:
        PromptRegistry(tmp_path)
    except Exception as exc:  # pydantic ValidationError names the bad fields
        assert "version" in str(exc)
    else:
        raise AssertionError("invalid manifest accepted")


def test_the_coordinator_is_told_about_every_intent():
    from kubecopilot.dialogue.models import RoutedRequest
    from kubecopilot.dialogue.registry import intent_help, registry
    from kubecopilot.prompting.context import understand_inputs
    from kubecopilot.prompting.sanitizer import Sanitizer

    told = understand_inputs("hi", {}, Sanitizer(), intent_help())["intents"]
    assert all(f"- {name}: " in told for name in registry().intents)
    assert RoutedRequest.model_json_schema()["properties"]["intent"]["enum"] == list(registry().intents)
