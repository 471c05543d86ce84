"""The redaction rule set shared by every layer: the LLM sanitizer (``dialogue.sanitizer``), the plan snapshots
stored in the audit ledger (``plans.redact``) and URL credentials in messages, settings and logs.

It sits beside ``errors`` and ``config`` at the bottom of the layers so the plan domain can use it without
importing the dialogue package. Patterns only; what to do with a match is up to the caller.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IP, EMAIL, ID, SECRET = "REDACTED_IP", "REDACTED_EMAIL", "REDACTED_ID", "REDACTED_SECRET"

# Key names whose value is a credential: DB_PASSWORD, spring.datasource.password, x-api-key, clientSecret …
# (the keyword must END the key: DB_PASSWORD_FILE, secretName and max_tokens are not credentials).
_KEYWORDS = (r"(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key"
             r"|client[_-]?secret|credentials?|session[_-]?id)")
_SECRET_KEY = rf"[\w.\-]*{_KEYWORDS}"
_SECRET_KEY_NAME = re.compile(rf"(?i){_SECRET_KEY}")
_HARMLESS_VALUES = {"true", "false", "null", "none", "nil", "yes", "no", "", "redacted"}


@dataclass(frozen=True)
class Rule:
    name: str  # reported in stats()
    pattern: re.Pattern[str]
    label: str  # placeholder label: each distinct value becomes [LABEL_n]
    keep: Callable[[str], bool] | None = None  # True for a match that is not sensitive after all


def _keep_ip(value: str) -> bool:
    """Loopback and unspecified addresses say "local" / "all interfaces", which diagnosis needs and leaks nothing."""
    try:
        address = ipaddress.ip_address(value.split("/")[0].split("%")[0])
    except ValueError:
        return True  # not an address at all (a timestamp, a MAC, a 4-part version with a leading zero …)
    return address.is_loopback or address.is_unspecified


def _keep_assigned(value: str) -> bool:
    """References and flags are not secrets: ``${DB_PASSWORD}``, ``<set to the key …>``, ``****``, ``false``."""
    return value.strip().lower() in _HARMLESS_VALUES or value[:1] in "<$*{["


_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_SCHEMES = r"(?:bearer|basic|token|digest|negotiate)"


def _value(prefix: str, stop: str) -> str:
    """A value after "key=" / "key: ": escaped-quoted (JSON inside a log string), quoted, or bare up to ``stop``."""
    return (rf"\\\"(?P<{prefix}1>[^\"\\\n]{{1,400}})\\\"|\"(?P<{prefix}2>(?:[^\"\\\n]|\\.){{1,400}})\""
            rf"|'(?P<{prefix}3>[^'\n]{{1,400}})'|(?P<{prefix}4>(?:[^\s\"'\\{stop}]|\\(?!\"))+)")


# A bare value ends at "&" only after "=" (query strings: password=x&ssl=true); after ":" (describe output, YAML)
# "&" belongs to the value.
_AFTER_EQUALS = _value("ve", r"&,;}\]()<>")
_AFTER_COLON = _value("vc", r",;}\]()<>")
_ASSIGNED = rf"(?:[ \t]*=[ \t]*(?:{_AFTER_EQUALS})|:[ \t]*(?:{_AFTER_COLON}))"

BUILTIN_RULES: tuple[Rule, ...] = (
    Rule("private_key", re.compile(
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY-----"
        r"|(?:[A-Za-z0-9+/=]|\\n|\r?\n)*)"), SECRET),
    Rule("jwt", re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), SECRET),
    Rule("url_credentials", re.compile(
        r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s:/@\"']*:(?P<v>[^\s@/\"']+)@"), SECRET),
    Rule("authorization", re.compile(
        rf"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:{_SCHEMES}\s+)?(?!{_SCHEMES}\b)(?P<v>[^\s\"',;]+)"),
        SECRET, _keep_assigned),
    Rule("bearer_token", re.compile(r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9\-._~+/]{16,}=*)"), SECRET),
    Rule("api_key", re.compile(
        r"(?<![\w-])(?:sk-[A-Za-z0-9]{20,}|sk-(?:or-v1|proj|svcacct|admin|ant)-[A-Za-z0-9_\-]{20,}"
        r"|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_\-]{20,}"
        r"|xox[abposr]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,})(?![\w-])"),
        SECRET),
    # Pod spec env entries: {"name": "DB_PASSWORD", "value": "…"} in JSON, "- name: X\n  value: …" in YAML.
    Rule("env_secret", re.compile(
        rf"(?i)\"name\"\s*:\s*\"[\w.\-]*{_KEYWORDS}\"\s*,\s*\"value\"\s*:\s*\"(?P<v>(?:[^\"\\\n]|\\.)+)\""
        rf"|\bname:[ \t]*[\"']?[\w.\-]*{_KEYWORDS}[\"']?[ \t]*\r?\n[ \t]*value:[ \t]*[\"']?(?P<v2>[^\"'\r\n]+)"),
        SECRET, _keep_assigned),
    Rule("secret_assignment", re.compile(
        rf"(?i)(?<![\w.\-]){_SECRET_KEY}\\?[\"']?{_ASSIGNED}"),
        SECRET, _keep_assigned),
    Rule("email", re.compile(
        r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"), EMAIL),
    Rule("uuid", re.compile(r"(?<![\w-])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![\w-])"), ID),
    Rule("hex_id", re.compile(r"(?<!\w)[0-9a-fA-F]{32,}(?!\w)"), ID),
    Rule("ipv6", re.compile(
        rf"(?<![\w:.])(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}(?:{_IPV4}|[0-9A-Fa-f]{{0,4}})(?:%[\w.]+)?(?![\w:])"), IP,
        _keep_ip),
    Rule("ipv4", re.compile(rf"(?<![\w.]){_IPV4}(?:/\d{{1,2}})?(?!\w|\.\d)"), IP, _keep_ip),
)


SECRET_KEY = _SECRET_KEY
SECRET_KEY_NAME = _SECRET_KEY_NAME
keep_assigned = _keep_assigned
URL_CREDENTIALS = next(r for r in BUILTIN_RULES if r.name == "url_credentials")


def mask_rule_values(rule: Rule, text: str, mask: str) -> str:
    """``text`` with the value group(s) of every match of ``rule`` (or the whole match) replaced by ``mask``."""

    def replace(match: re.Match[str]) -> str:
        groups = [name for name, value in match.groupdict().items() if value is not None and name.startswith("v")]
        if not groups:
            return match.group(0) if rule.keep and rule.keep(match.group(0)) else mask
        whole, start = match.group(0), match.start()
        out, last = [], 0
        for name in groups:
            value = match.group(name)
            if rule.keep and rule.keep(value):
                continue
            out.append(whole[last:match.start(name) - start] + mask)
            last = match.end(name) - start
        return "".join(out) + whole[last:]

    return rule.pattern.sub(replace, text)


def mask_url_credentials(text: Any) -> Any:
    """``https://user:s3cret@host`` → ``https://user:***@host``, anywhere in a string (other values unchanged)."""
    return mask_rule_values(URL_CREDENTIALS, text, "***") if isinstance(text, str) and "@" in text else text
