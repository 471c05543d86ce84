"""Redaction before any text reaches an LLM (SPEC §6; seed ``kubecopilot-sanitizer.zh.md``).

Sensitive values become STABLE, NUMBERED placeholders for the life of one ``Sanitizer`` (one session): the same IP
is ``[REDACTED_IP_1]`` in every log and event, another IP is ``[REDACTED_IP_2]``, so the model can still reason
("all failures come from one client") without seeing the value. What diagnosis needs is deliberately left alone:
Kubernetes names, image tags, quantities, exit codes, timestamps, HTTP status codes, paths, loopback addresses.

The rules run in a fixed order (most specific first) and never look inside a placeholder, so ``redact`` is
idempotent; it runs the pipeline until nothing changes because one rule's replacement can expose a match for
another (``user:pw@10.0.0.1`` …). Originals stay in memory only (``restore`` for local display) and are never
part of ``stats()``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubecopilot import messages
from kubecopilot.errors import ConfigError
from kubecopilot.prompting.yaml_blocks import KIND_SECRET, indent, yaml_mapping_is_secret
from kubecopilot.redaction import (  # the rule set is shared with the plan domain (ledger snapshots), one layer down
    BUILTIN_RULES,
    EMAIL,
    ID,
    IP,
    SECRET,
    Rule,
)
from kubecopilot.redaction import SECRET_KEY_NAME as _SECRET_KEY_NAME
from kubecopilot.redaction import keep_assigned as _keep_assigned

_MAX_PASSES = 4
_JSON_SECRET_MARK = re.compile(r"\"kind\"\s*:\s*\"Secret\"")
_JSON_DATA_BLOCK = re.compile(r"\"(?:data|stringData)\"\s*:\s*\{[^{}]*\}")
_JSON_DATA_ENTRY = re.compile(r"(\"[^\"]*\"\s*:\s*)\"((?:[^\"\\]|\\.)*)\"")
_YAML_DATA_KEY = re.compile(r"^(?P<indent>[ \t]*(?:-[ \t]+)?)(?:data|stringData):[ \t]*$")
_YAML_ENTRY = re.compile(r"^(?P<head>[ \t]*[^\s#:][^:]*:)(?P<value>[ \t]*\S.*)?$")


class Sanitizer:
    """Session-scoped redaction. ``redact`` for text, ``redact_obj`` for JSON-like data, ``stats`` for the counts."""

    def __init__(self, rules: Iterable[Any] | None = None, enabled: bool = True) -> None:
        self.enabled = enabled
        self.rules: tuple[Rule, ...] = tuple(_custom_rule(r) for r in rules or ()) + BUILTIN_RULES
        self.findings: Counter[str] = Counter()  # rule name → replacements made (never the values)
        self._numbers: dict[str, dict[str, int]] = {}  # label → value → n
        self._originals: dict[str, str] = {}  # placeholder → value, for restore()
        self._known: dict[str, str] = {}  # Secret data values seen → their placeholder, redacted everywhere after
        self._known_pattern: re.Pattern[str] | None = None
        labels = sorted({r.label for r in self.rules} | {IP, EMAIL, ID, SECRET})
        self._placeholder = re.compile(r"\[(?:{})_\d+\]".format("|".join(map(re.escape, labels))))
        self._lock = threading.RLock()  # crew tools run in parallel threads; numbering must stay consistent

    @classmethod
    def from_settings(cls, redaction: Any) -> Sanitizer:
        """From ``settings.redaction`` (``RedactionSettings``: ``enabled`` and extra ``rules``)."""
        return cls(rules=redaction.rules, enabled=redaction.enabled)

    # --- public API -----------------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        with self._lock:
            text = self._redact_secret_manifests(text)
            for _ in range(_MAX_PASSES):
                redacted = self._one_pass(text)
                if redacted == text:
                    break
                text = redacted
            return text

    def redact_obj(self, obj: Any) -> Any:
        """A redacted copy of JSON-like data (dicts, lists, strings); Secret objects lose their data values."""
        if not self.enabled:
            return obj
        with self._lock:
            return self._walk(obj, None)

    def restore(self, text: str) -> str:
        """Put the originals back into text that came back from the LLM, for display on this machine only."""
        return self._placeholder.sub(lambda m: self._originals.get(m.group(0), m.group(0)), text)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "enabled": self.enabled,
                "replacements": sum(self.findings.values()),
                "by_rule": dict(self.findings),
                "distinct": {label: len(values) for label, values in self._numbers.items()},
            }

    def notice(self, language: str = "en") -> str:
        """The one-line notice the user gets once per session (SPEC §6: "the user is told")."""
        return messages.say("redaction_on" if self.enabled else "redaction_off", messages.language(language))

    # --- the pipeline -----------------------------------------------------------------------------------------

    def _one_pass(self, text: str) -> str:
        if self._known and self._known_pattern is None:
            alternatives = "|".join(map(re.escape, sorted(self._known, key=len, reverse=True)))
            self._known_pattern = re.compile(rf"(?<![A-Za-z0-9+/=_-])(?:{alternatives})(?![A-Za-z0-9+/=_-])")
        if self._known_pattern is not None:
            text = self._outside_placeholders(text, self._known_pattern, self._replace_known)
        for rule in self.rules:
            text = self._outside_placeholders(text, rule.pattern, functools.partial(self._replace, rule))
        return text

    def _outside_placeholders(self, text: str, pattern: re.Pattern[str], fn: Callable[[re.Match[str]], str]) -> str:
        """Apply ``pattern`` to the text between placeholders only, so nothing is ever redacted twice."""
        parts, last = [], 0
        for m in self._placeholder.finditer(text):
            parts.append(pattern.sub(fn, text[last:m.start()]))
            parts.append(m.group(0))
            last = m.end()
        parts.append(pattern.sub(fn, text[last:]))
        return "".join(parts)

    def _replace(self, rule: Rule, m: re.Match[str]) -> str:
        # Groups named v…: only the value is replaced, the key or prefix stays ("password=[REDACTED_SECRET_1]").
        group = next((g for g in rule.pattern.groupindex if g.startswith("v") and m.group(g) is not None), None)
        value = m.group(group) if group else m.group(0)
        if not value or (rule.keep and rule.keep(value)):
            return m.group(0)
        placeholder = self._placeholder_for(rule.label, value, rule.name)
        if group is None:
            return placeholder
        start, end = m.start(group) - m.start(), m.end(group) - m.start()
        return m.group(0)[:start] + placeholder + m.group(0)[end:]

    def _replace_known(self, m: re.Match[str]) -> str:
        self.findings["secret_data"] += 1
        return self._known[m.group(0)]

    def _placeholder_for(self, label: str, value: str, rule_name: str) -> str:
        numbers = self._numbers.setdefault(label, {})
        n = numbers.setdefault(value, len(numbers) + 1)
        placeholder = f"[{label}_{n}]"
        self._originals[placeholder] = value
        self.findings[rule_name] += 1
        return placeholder

    # --- Kubernetes Secret data -------------------------------------------------------------------------------

    def _secret_value(self, value: str, key: str | None) -> str:
        """Placeholder for one Secret data value; the value (and its decoded form) is redacted everywhere after."""
        if self._placeholder.fullmatch(value):
            return value  # already redacted (a second pass over our own output)
        placeholder = self._placeholder_for(SECRET, value, "secret_data")
        forms = {value, json.dumps(value)[1:-1]}
        decoded = _b64_text(value)
        # The decoded form only for credential-like keys: a decoded username such as "postgres" must not vanish
        # from every later log line and image name.
        if decoded and len(decoded) >= 8 and key and _SECRET_KEY_NAME.fullmatch(key):
            forms.add(decoded)
        for form in forms:
            if len(form) >= 8 and form not in self._known:
                self._known[form] = placeholder
                self._known_pattern = None  # recompiled on the next pass, once for a whole list of Secrets
        return placeholder

    def _redact_secret_manifests(self, text: str) -> str:
        if _JSON_SECRET_MARK.search(text):
            text = self._redact_json_secrets(text)
        if KIND_SECRET.search(text):
            text = self._redact_yaml_secrets(text)
        return text

    def _redact_json_secrets(self, text: str) -> str:
        try:
            doc = json.loads(text)
        except ValueError:  # a truncated or embedded manifest: redact every data block in place
            return _JSON_DATA_BLOCK.sub(lambda b: _JSON_DATA_ENTRY.sub(
                lambda e: f'{e.group(1)}"{self._secret_value(e.group(2), None)}"', b.group(0)), text)
        for secret in _secret_objects(doc):
            for key, value in _data_items(secret):
                placeholder = self._secret_value(value, key)
                for literal in {json.dumps(value), json.dumps(value, ensure_ascii=False)}:
                    # quoted, so even a short value is safe; also the escaped form inside last-applied-configuration
                    text = text.replace(json.dumps(literal)[1:-1], json.dumps(f'"{placeholder}"')[1:-1])
                    text = text.replace(literal, f'"{placeholder}"')
        return text

    def _redact_yaml_secrets(self, text: str) -> str:
        lines, out, i = text.split("\n"), [], 0
        while i < len(lines):
            out.append(lines[i])
            m = _YAML_DATA_KEY.match(lines[i])
            i += 1
            if m and yaml_mapping_is_secret(lines, i - 1, len(m.group("indent"))):
                i = self._redact_yaml_data_block(lines, i, len(m.group("indent")), out)
        return "\n".join(out)

    def _redact_yaml_data_block(self, lines: list[str], i: int, parent: int, out: list[str]) -> int:
        """Replace each ``key: value`` under a Secret's ``data:`` with a placeholder; return the next line index."""
        child: int | None = None
        while i < len(lines) and (not lines[i].strip() or indent(lines[i]) > parent):
            line, i = lines[i], i + 1
            entry = _YAML_ENTRY.match(line)
            child = indent(line) if child is None and line.strip() else child
            if not line.strip():
                out.append(line)
                continue
            if not entry or indent(line) != child:
                continue  # lines deeper than the keys belong to a value and go with it
            value = (entry.group("value") or "").strip()
            if value[:1] in ("|", ">"):  # block scalar: the value is the indented lines that follow
                block = []
                while i < len(lines) and (not lines[i].strip() or indent(lines[i]) > child):
                    block.append(lines[i].strip())
                    i += 1
                value = "\n".join(block).strip()
            value = value.strip("\"'")
            key = entry.group("head").strip().rstrip(":")
            out.append(f"{entry.group('head')} {self._secret_value(value, key)}" if value else line)
        return i

    # --- structured data --------------------------------------------------------------------------------------

    def _walk(self, obj: Any, key: str | None) -> Any:
        if isinstance(obj, Mapping):
            if obj.get("kind") == "Secret":
                obj = {k: ({dk: self._secret_value(str(dv), dk) for dk, dv in v.items() if dv is not None}
                           if k in ("data", "stringData") and isinstance(v, Mapping) else v)
                       for k, v in obj.items()}
            if _is_secret_env(obj):
                obj = {**obj, "value": self._placeholder_for(SECRET, obj["value"], "env_secret")}
            return {k: self._walk(v, k) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self._walk(v, key) for v in obj]
        if isinstance(obj, str):
            credential = key and _SECRET_KEY_NAME.fullmatch(key) and not _keep_assigned(obj)
            if credential and not self._placeholder.fullmatch(obj):
                return self._placeholder_for(SECRET, obj, "secret_assignment")
            return self.redact(obj)
        return obj


def _custom_rule(rule: Any) -> Rule:
    """A user rule from settings (``RedactionRule`` or a mapping with name, pattern, placeholder)."""
    data = rule if isinstance(rule, Mapping) else rule.model_dump()
    name = str(data.get("name") or "custom")
    try:
        pattern = re.compile(data["pattern"])
    except (KeyError, re.error) as exc:
        raise ConfigError(f"redaction rule {name!r} has an invalid pattern: {exc}",
                          hint="redaction.rules[].pattern is a Python regular expression") from None
    if pattern.search(""):
        raise ConfigError(f"redaction rule {name!r} matches the empty string",
                          hint="make the pattern match at least one character")
    label = re.sub(r"[^A-Z0-9_]", "", str(data.get("placeholder") or "").upper().replace(" ", "_"))
    if not label:
        raise ConfigError(f"redaction rule {name!r} needs a placeholder such as [REDACTED_ACCOUNT]")
    return Rule(name, pattern, label)


def _is_secret_env(obj: Mapping[str, Any]) -> bool:
    name, value = obj.get("name"), obj.get("value")
    return (isinstance(name, str) and isinstance(value, str) and set(obj) <= {"name", "value"}
            and bool(_SECRET_KEY_NAME.fullmatch(name)) and not _keep_assigned(value))


def _b64_text(value: str) -> str | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded.strip() if decoded.isprintable() or "\n" in decoded else None


def _secret_objects(doc: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(doc, Mapping):
        if doc.get("kind") == "Secret":
            yield doc
        for value in doc.values():
            yield from _secret_objects(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _secret_objects(value)


def _data_items(secret: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for section in ("data", "stringData") if isinstance(secret.get(section), Mapping)
            for k, v in secret[section].items() if v is not None]
