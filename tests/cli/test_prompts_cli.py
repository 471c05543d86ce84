"""``kubecopilot prompts``: the registry's governance fields (category, risk tier, approved, owner, reviewers, last
evaluation) are what a person reads about the prompts that run, as the manifest holds them."""

from __future__ import annotations

import json
import re

from kubecopilot.cli import main
from kubecopilot.prompting.prompts import registry


def test_json_lists_every_registry_entry_with_every_manifest_field(capsys):
    assert main(["prompts", "--output", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    manifest = json.loads((registry().folder / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in listed] == [entry["id"] for entry in manifest]
    for shown, written in zip(listed, manifest, strict=True):
        assert shown == written  # nothing dropped, renamed or invented


def test_text_says_who_answers_for_each_prompt(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["prompts"]) == 0
    out = capsys.readouterr().out
    for spec in registry().specs.values():
        cells = [spec.source_id, spec.category, spec.risk_tier, "yes" if spec.approved else "no", spec.owner,
                 ", ".join(spec.reviewed_by), spec.last_evaluated.isoformat() if spec.last_evaluated else "never"]
        assert re.search(r"^" + r"\s+".join(map(re.escape, cells)) + r"\s*$", out, re.M), (cells, out)
