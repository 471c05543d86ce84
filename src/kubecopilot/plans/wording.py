"""The plan domain's words in the reader's language: phrases said through the message catalogue.

A plan records its risk in English (the ledger's stable record) and, beside it, as phrases — catalogue keys with
values (``model.Phrase``). Shown to a person, a phrase is said in the session's language; a plan recorded before
phrases existed (or a custom risk rule with only an English text) is shown in its recorded English.

One wording per outcome: the REPL's turn and the CLI's report (``plans apply``, ``plans approve``, ``rollback``)
both say an execution's outcome with ``report_headline`` and its checks with ``condition_line``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubecopilot.messages import Language, has, say
from kubecopilot.plans.model import Phrase, PhraseValue, Risk
from kubecopilot.plans.summary import summarize

MARKS = {"met": "✓", "not_met": "✗", "unverified": "?"}


def said(phrase: Phrase | None, lang: Language, fallback: str = "") -> str:
    """The phrase in ``lang``; ``fallback`` (the recorded English) when there is none or the catalogue lacks it."""
    if phrase is None or not has(phrase.key):
        return fallback
    return say(phrase.key, lang, **values_in(phrase.values, lang))


def values_in(values: Mapping[str, PhraseValue], lang: Language) -> dict[str, Any]:
    """A phrase's values with its words said: a phrase as its sentence, a list of phrases joined."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Phrase):
            out[name] = said(value, lang, value.key)
        elif isinstance(value, list):
            out[name] = say("plan_clause_separator", lang).join(said(v, lang, v.key) for v in value)
        else:
            out[name] = value
    return out


def factors(risk: Risk, lang: Language) -> list[str]:
    words = risk.phrases.factors if risk.phrases and len(risk.phrases.factors) == len(risk.factors) else None
    return [said(p, lang, text) for p, text in zip(words, risk.factors, strict=True)] if words else list(risk.factors)


def post_conditions(risk: Risk, lang: Language) -> list[str]:
    words = risk.phrases.post_conditions if risk.phrases else []
    if len(words) != len(risk.post_conditions):
        return list(risk.post_conditions)
    return [said(p, lang, text) for p, text in zip(words, risk.post_conditions, strict=True)]


def rationale(risk: Risk, lang: Language) -> str:
    return said(risk.phrases.rationale if risk.phrases else None, lang, risk.rationale)


def condition_line(condition: Any, lang: Language) -> str:
    """"✓ 2/2 replicas Ready within 60s — 2/2 replicas Ready": the check, then what was read."""
    text = said(getattr(condition, "text_said", None), lang, condition.text)
    detail = said(getattr(condition, "detail_said", None), lang, condition.detail)
    return f"{MARKS.get(condition.state, '?')} {text} — {detail}"


def report_headline(report: Any, lang: Language) -> tuple[str, str | None]:
    """(what happened, what to do next or None) for an ``ExecutionReport``: the same words in the REPL and the CLI."""
    plan = report.plan
    summary = summarize(plan, lang)
    if report.outcome == "reverted":
        why = said(getattr(report, "said", None), lang, report.error or report.message)
        return say("report_reverted", lang, summary=summary, why=why), say("report_reverted_hint", lang)
    if report.outcome == "already-executed":
        return said(getattr(report, "said", None), lang, report.message), None
    ref = plan.resource
    command = f"diagnose {ref.kind.lower()} {ref.name} -n {ref.namespace}"
    if report.verified is True:
        return say("executed", lang, summary=summary), None
    if report.verified is False:
        return say("executed_not_met", lang, summary=summary), say("not_cured", lang, name=ref.name)
    return say("executed_unverified", lang, summary=summary), say("executed_check_hint", lang, command=command)
