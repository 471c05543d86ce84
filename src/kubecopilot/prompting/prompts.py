"""The prompt registry: ``prompts/manifest.json`` + versioned templates ``prompts/<id>.v<major>.md``.

Every LLM task loads its text from here, and every plan an LLM helped make records ``sourcePromptId``
(``id@version``). ``tests/dialogue/test_prompts.py`` checks that manifest, files, placeholders and schemas agree.
Text several templates share (the actions a plan may take) is ``prompts/shared/<name>.md``; a template's
``{name}`` placeholder is filled with it here, so the placeholders left are the prompt's declared inputs.
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kubecopilot.resources import data_path

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # the same rule crewAI interpolates by


class ChangelogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    date: date
    notes: str


class PromptSpec(BaseModel):
    """One registry entry (the seed's Prompt Registry fields, plus ``file``, ``task``, ``agent``, ``inputs``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    file: str
    task: str
    agent: str
    schema_ref: str = Field(alias="schemaRef")
    inputs: list[str]
    approved: bool
    last_evaluated: date | None = Field(default=None, alias="lastEvaluated")
    # No per-prompt model: every task runs on the configured model (KUBECOPILOT_MODEL); a model named here but
    # never used would mislead. temperature and maxTokens ARE applied, per task (kubecopilot.crew.crew).
    temperature: float = Field(ge=0.0, le=2.0)
    max_tokens: int = Field(alias="maxTokens", gt=0)
    risk_tier: Literal["low", "medium", "high"] = Field(alias="riskTier")
    category: str
    owner: str
    reviewed_by: list[str] = Field(alias="reviewedBy")
    changelog: list[ChangelogEntry]

    @property
    def source_id(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def schema_model(self) -> type[BaseModel]:
        module, _, name = self.schema_ref.partition(":")
        model: type[BaseModel] = getattr(importlib.import_module(module), name)
        return model


class PromptRegistry:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_path("prompts")
        raw = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.specs = {entry["id"]: PromptSpec.model_validate(entry) for entry in raw}
        self.shared = {path.stem: path.read_text(encoding="utf-8").rstrip("\n")
                       for path in sorted((self.folder / "shared").glob("*.md"))}

    def spec(self, prompt_id: str) -> PromptSpec:
        return self.specs[prompt_id]

    def for_task(self, task: str) -> PromptSpec:
        return next(s for s in self.specs.values() if s.task == task)

    def text(self, prompt_id: str) -> str:
        """The template with the shared texts filled in."""
        template = (self.folder / self.spec(prompt_id).file).read_text(encoding="utf-8")
        return PLACEHOLDER.sub(lambda m: self.shared.get(m.group(1), m.group(0)), template)

    def placeholders(self, prompt_id: str) -> set[str]:
        return set(PLACEHOLDER.findall(self.text(prompt_id)))

    def schema_json(self, prompt_id: str) -> str:
        """The output model's JSON schema, compact (titles dropped: they cost tokens and say nothing)."""
        schema = self.spec(prompt_id).schema_model().model_json_schema()
        return json.dumps(_drop_titles(schema), separators=(",", ":"), ensure_ascii=False)

    def render(self, prompt_id: str, inputs: dict[str, str]) -> str:
        """Fill the placeholders the way crewAI does; a missing input is an error, not a silent blank."""
        missing = self.placeholders(prompt_id) - inputs.keys()
        if missing:
            raise KeyError(f"prompt {prompt_id} needs inputs {sorted(missing)}")
        return PLACEHOLDER.sub(lambda m: str(inputs[m.group(1)]), self.text(prompt_id))


def _drop_titles(node: object) -> object:
    if isinstance(node, dict):
        # A schema "title" is a string; a *property* called title would be a dict and is kept.
        return {k: _drop_titles(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_drop_titles(v) for v in node]
    return node


@lru_cache(maxsize=1)
def registry() -> PromptRegistry:
    return PromptRegistry()
