"""The analyzers file (``analyzers.yaml``), loaded once and checked: one format for every failure pattern.

An analyzer judges either one container, pod or node with a condition tree (``when``, conditions.py; its fix builder
in remedies.py) or the cluster's objects with a check function (``check``; its fix builder in fixes.py). The file is
parsed with pydantic (``extra="forbid"``: a misspelt key is an error, not a silently ignored line), then every name
it uses (condition, fix builder, tip, category) is checked, so a typo is a ``ConfigError`` naming the analyzer
rather than a diagnosis that quietly never matches. Check names are checked where checks run (``scan.py``), because
the pod check itself runs the condition analyzers.
"""

from __future__ import annotations

import functools
import typing
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kubecopilot.diagnosis import fixes, remedies
from kubecopilot.diagnosis.conditions import CONDITIONS, condition_names
from kubecopilot.diagnosis.models import Category, Severity
from kubecopilot.errors import ConfigError
from kubecopilot.messages import Language
from kubecopilot.resources import package_path, read_yaml

ANALYZER_FILE = package_path("diagnosis", "analyzers.yaml")
CATEGORIES = frozenset(typing.get_args(Category))
LANGUAGES: tuple[Language, ...] = typing.get_args(Language)
MATCHED = "matched"  # pod_failures: the category and fix of the condition analyzer that matched


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    summary: str
    root_cause: str
    suggested_fix: str | None = None  # said when the fix builder built a change
    manual_fix: str | None = None  # said when it could not (or as the alternative)
    follow_up: str | None = None  # a command that shows more (the cluster's objects)


class PartialTexts(_Strict):
    """Another language's texts: any it leaves out are said in English."""

    summary: str | None = None
    root_cause: str | None = None
    suggested_fix: str | None = None
    manual_fix: str | None = None
    follow_up: str | None = None


class AnalyzerTexts(_Strict):
    en: Texts
    zh: PartialTexts = PartialTexts()


class Analyzer(_Strict):
    id: str
    category: Category | Literal["matched"]
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    fix: str = "none"
    tip: str | None = None
    text: AnalyzerTexts
    # one container, pod or node, judged by a condition tree
    scope: Literal["container", "pod", "node"] | None = None
    priority: int = 0
    when: Any = None
    also: tuple[Any, ...] = ()
    # the cluster's objects, judged by a check over the kinds it needs
    check: str | None = None
    needs: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_way_to_judge(self) -> Analyzer:
        if (self.when is None) == (self.check is None):
            raise ValueError("needs exactly one of `when` (a condition tree) or `check` (a check function)")
        if self.when is not None and self.scope is None:
            raise ValueError("a condition analyzer needs a `scope` (container, pod or node)")
        if self.check is not None and not self.needs:
            raise ValueError("a check analyzer needs the kinds it reads (`needs`)")
        return self

    @property
    def own_category(self) -> Category:
        """A condition analyzer's category (only a check analyzer may say ``matched``, which loading checks)."""
        return cast(Category, self.category)

    @property
    def judges_objects(self) -> bool:
        return self.check is not None

    def texts(self, language: str) -> dict[str, str]:
        """The templates in ``language``: its own texts over the English ones (a command reads the same in both)."""
        english = self.text.en.model_dump(exclude_none=True)
        own = getattr(self.text, language, None) if language in LANGUAGES else None
        return {**english, **(own.model_dump(exclude_none=True) if own is not None else {})}


Tip = dict[Language, str]
Verdict = dict[Language, dict[str, str]]


class AnalyzerFile(_Strict):
    version: Literal[2]
    tips: dict[str, Tip]
    analyzers: tuple[Analyzer, ...]
    verdicts: dict[str, Verdict]  # one workload, no analyzer matched: healthy / unknown / no pods / not found
    phrases: dict[str, Tip]  # the words a check's values are said with

    @model_validator(mode="after")
    def _unique_ids(self) -> AnalyzerFile:
        ids = [a.id for a in self.analyzers]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"analyzer ids must be unique: {', '.join(twice)}")
        return self

    @property
    def condition_analyzers(self) -> tuple[Analyzer, ...]:
        """The container/pod/node analyzers, highest priority first."""
        return tuple(sorted((a for a in self.analyzers if not a.judges_objects), key=lambda a: -a.priority))

    @property
    def object_analyzers(self) -> tuple[Analyzer, ...]:
        return tuple(a for a in self.analyzers if a.judges_objects)


@functools.cache
def load_analyzers(path: Path = ANALYZER_FILE) -> AnalyzerFile:
    try:
        loaded = AnalyzerFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path.name}: {_first_error(exc, read_yaml(path))}") from None
    for analyzer in loaded.analyzers:
        problem = _unknown_name(analyzer, loaded)
        if problem:
            raise ConfigError(f"analyzer {analyzer.id}: {problem}")
    return loaded


def _unknown_name(a: Analyzer, loaded: AnalyzerFile) -> str | None:
    builders = fixes.FIXES if a.judges_objects else remedies.FIXES
    if a.fix not in builders and not (a.fix == MATCHED and a.judges_objects):
        return f"unknown fix {a.fix!r}"
    if a.category == MATCHED and not a.judges_objects:
        return "only a check analyzer takes the matched analyzer's category"
    if a.tip and a.tip not in loaded.tips:
        return f"unknown tip {a.tip!r}"
    trees = (a.when, *a.also) if a.when is not None else ()
    unknown = sorted({n for tree in trees for n in condition_names(tree)} - set(CONDITIONS))
    if unknown:
        return f"unknown condition type {unknown[0]!r}"
    if a.judges_objects and (a.text.en.manual_fix is None or a.text.en.follow_up is None):
        return "texts missing: " + ", ".join(k for k in ("follow_up", "manual_fix") if getattr(a.text.en, k) is None)
    return None


def _first_error(exc: ValidationError, data: Any) -> str:
    """The first validation error, naming the analyzer it is in (``analyzers.3.severity`` → its id)."""
    error = exc.errors()[0]
    where = [part for part in error["loc"] if "[" not in str(part)]  # not the union branch pydantic tried
    if len(where) >= 2 and where[0] == "analyzers" and isinstance(where[1], int):
        try:
            name = data["analyzers"][where[1]]["id"]
        except (KeyError, IndexError, TypeError):
            name = f"#{where[1]}"
        return f"analyzer {name}: {'.'.join(str(p) for p in where[2:]) or 'entry'}: {error['msg']}"
    return f"{'.'.join(str(p) for p in where)}: {error['msg']}"
