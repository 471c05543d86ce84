"""Redaction of plan snapshots before they are stored: the audit ledger keeps what rollback needs, not secrets.

A plan's ``diff.before`` is the whole object as read, so a Deployment's snapshot carries its env values (database
passwords, API tokens), bearer JWTs in args or annotations, emails and tokens in annotations, and a Secret's data.
``redact_plan`` replaces those values with ``[REDACTED]`` everywhere EXCEPT at and under the paths the plan patches: rollback restores exactly
those paths from ``before``, so they keep their values. The rules are the shared set in ``kubecopilot.redaction``.

The executor's drift check compares ``before`` with the live object; ``fill_redacted`` puts the live values into the
redacted leaves first, so a redacted value is never mistaken for drift (and a secret never has to be stored to
detect it).
"""

from __future__ import annotations

from typing import Any

from kubecopilot.redaction import BUILTIN_RULES, EMAIL, SECRET, SECRET_KEY_NAME, keep_assigned, mask_rule_values

REDACTED = "[REDACTED]"
_TEXT_RULES = tuple(r for r in BUILTIN_RULES if r.label == SECRET)
# Annotations are free text people write anything into (an owner's email, a token for some webhook, the whole
# last-applied manifest): they get the secret rules, the email rule, and the env rule by their key name.
_ANNOTATION_RULES = _TEXT_RULES + tuple(r for r in BUILTIN_RULES if r.label == EMAIL)
_MISSING = object()


def redact_plan(plan: Any) -> Any:
    """A copy of ``plan`` whose before snapshot holds no secret values outside the patched paths."""
    before = plan.diff.before
    if not before:
        return plan
    keep = [op.path for step in plan.steps for op in (step.patch or []) + (step.rollback_patch or [])]
    keep += [op.path for op in plan.diff.patch + (plan.diff.rollback_patch or [])]
    clean = redact_object(before, keep)
    if clean == before:
        return plan
    return plan.model_copy(update={"diff": plan.diff.model_copy(update={"before": clean})})


def redact_object(obj: dict[str, Any], keep_paths: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """A redacted copy of one Kubernetes object; values at or under ``keep_paths`` are left alone."""
    is_secret = obj.get("kind") == "Secret"
    result = _walk(obj, "", tuple(keep_paths), is_secret)
    return result if isinstance(result, dict) else obj


def fill_redacted(before: Any, live: Any) -> Any:
    """``before`` with every redacted leaf replaced by the live object's value there (for the drift check)."""
    if isinstance(before, dict):
        live_map = live if isinstance(live, dict) else {}
        return {k: fill_redacted(v, live_map.get(k, _MISSING)) for k, v in before.items()}
    if isinstance(before, list):
        live_list = live if isinstance(live, list) else []
        return [fill_redacted(v, live_list[i] if i < len(live_list) else _MISSING) for i, v in enumerate(before)]
    if isinstance(before, str) and REDACTED in before and live is not _MISSING:
        return live
    return before


def _walk(value: Any, path: str, keep: tuple[str, ...], is_secret: bool) -> Any:
    if any(path == k or path.startswith(k + "/") for k in keep if k):
        return value
    if isinstance(value, dict):
        out = {k: _walk(v, f"{path}/{_escape(k)}", keep, is_secret) for k, v in value.items()}
        if is_secret and path in ("/data", "/stringData"):
            out = {k: v if _kept(f"{path}/{_escape(k)}", keep) else REDACTED for k, v in out.items()}
        if _is_secret_env(value) and not _kept(f"{path}/value", keep):
            out["value"] = REDACTED
        if path.endswith("/metadata/annotations"):
            out = {k: v if _kept(f"{path}/{_escape(k)}", keep) else _redact_annotation(k, value[k])
                   for k, v in out.items()}
        return out
    if isinstance(value, list):
        return [_walk(v, f"{path}/{i}", keep, is_secret) for i, v in enumerate(value)]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """Tokens, keys, JWTs, URL passwords and ``password=…`` assignments inside one string."""
    for rule in _TEXT_RULES:
        text = mask_rule_values(rule, text, REDACTED)
    return text


def _redact_annotation(key: Any, value: Any) -> Any:
    """One annotation's value, redacted like an env entry's: by its key's name, and by what the text holds."""
    if not isinstance(value, str):
        return value
    if SECRET_KEY_NAME.fullmatch(str(key).rsplit("/", 1)[-1]) and not keep_assigned(value):
        return REDACTED
    for rule in _ANNOTATION_RULES:
        value = mask_rule_values(rule, value, REDACTED)
    return value


def _is_secret_env(entry: dict[str, Any]) -> bool:
    """``{"name": "DB_PASSWORD", "value": "…"}``: an env entry whose name says it holds a credential."""
    name, value = entry.get("name"), entry.get("value")
    return (isinstance(name, str) and isinstance(value, str) and bool(SECRET_KEY_NAME.fullmatch(name))
            and not keep_assigned(value))


def _kept(path: str, keep: tuple[str, ...]) -> bool:
    return any(path == k or path.startswith(k + "/") for k in keep if k)


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
