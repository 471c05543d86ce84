"""What the crew takes from the prompt registry besides the text: shared text filled in by the registry (the plan
actions are a prompt file, not Python), and the ``approved`` flag (an unapproved prompt never reaches a model)."""

from __future__ import annotations

import json
import shutil

import pytest

from kubecopilot.crew.crew import KubeCopilotCrew
from kubecopilot.errors import ConfigError
from kubecopilot.prompting.prompts import PLACEHOLDER, PromptRegistry, registry
from kubecopilot.testing.scripted_llm import ScriptedLLM


def test_every_shared_text_is_used_by_a_template_and_is_no_declared_input():
    reg = registry()
    assert set(reg.shared) == {"allowed_actions"}
    for name, text in reg.shared.items():
        users = [spec.id for spec in reg.specs.values()
                 if f"{{{name}}}" in (reg.folder / spec.file).read_text(encoding="utf-8")]
        assert users, f"prompts/shared/{name}.md is used by no template"
        assert all(name not in reg.spec(user).inputs for user in users)
        assert not PLACEHOLDER.search(text)  # shared text asks for no inputs of its own


def test_the_planner_gets_the_action_list_from_the_prompt_file():
    reg = registry()
    for prompt_id in ("plan-change", "diagnose"):
        text = reg.text(prompt_id)
        assert "{allowed_actions}" not in text and "- json_patch: RFC 6902 operations" in text
    crew = KubeCopilotCrew(ScriptedLLM(model="scripted"), lambda caps: [])
    assert reg.shared["allowed_actions"] in crew.plan_change().description


def test_an_unapproved_prompt_never_reaches_a_model(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(registry().folder, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    next(e for e in manifest if e["id"] == "plan-change")["approved"] = False
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    llm = ScriptedLLM(model="scripted")
    with pytest.raises(ConfigError) as raised:
        KubeCopilotCrew(llm, lambda caps: [], prompts=PromptRegistry(folder))
    assert "plan-change@" in raised.value.message and "not approved" in raised.value.message
    assert llm.calls == []
