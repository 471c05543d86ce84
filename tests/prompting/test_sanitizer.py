"""Redaction: every secret in a corpus of realistic logs is gone, everything diagnosis needs survives."""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubecopilot.config import RedactionRule, RedactionSettings
from kubecopilot.errors import ConfigError
from kubecopilot.prompting.sanitizer import Sanitizer

CORPUS = Path(__file__).parent / "corpus"
EXPECTATIONS = yaml.safe_load((CORPUS / "expectations.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus_redacted() -> dict[str, str]:
    """All corpus files through ONE sanitizer, as in a session."""
    sanitizer = Sanitizer()
    return {name: sanitizer.redact((CORPUS / name).read_text(encoding="utf-8")) for name in EXPECTATIONS}


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_corpus_secrets_are_gone(name, corpus_redacted):
    original = (CORPUS / name).read_text(encoding="utf-8")
    for secret in EXPECTATIONS[name]["secrets"]:
        assert str(secret) in original, f"corpus typo: {secret!r} is not in {name}"
        assert str(secret) not in corpus_redacted[name], f"{secret!r} leaked from {name}"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_corpus_keeps_what_diagnosis_needs(name, corpus_redacted):
    for token in EXPECTATIONS[name]["keep"]:
        assert token in corpus_redacted[name], f"{token!r} was destroyed in {name}"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_corpus_redaction_is_idempotent(name, corpus_redacted):
    assert Sanitizer().redact(corpus_redacted[name]) == corpus_redacted[name]


def test_placeholders_are_stable_and_numbered_per_session():
    s = Sanitizer()
    first = s.redact("client 10.1.2.3 then 10.9.9.9")
    second = s.redact("again from 10.1.2.3, mail ops@example.com, and 10.9.9.9")
    assert first == "client [REDACTED_IP_1] then [REDACTED_IP_2]"
    assert second == "again from [REDACTED_IP_1], mail [REDACTED_EMAIL_1], and [REDACTED_IP_2]"
    assert Sanitizer().redact("10.9.9.9") == "[REDACTED_IP_1]"  # numbering is per sanitizer (session)


def test_version_numbers_timestamps_loopback_and_quantities_survive():
    text = ("nginx:1.27.3 kubernetes v1.29.4 at 2024-05-01T10:00:00.123Z 10:23:45 listen 0.0.0.0:8080 "
            "and 127.0.0.1:5432 and [::1]:80, limits memory=256Mi cpu=500m exit code 137, HTTP 503, /healthz")
    assert Sanitizer().redact(text) == text


def test_credentials_keep_their_key_and_lose_their_value():
    out = Sanitizer().redact('DB_PASSWORD=hunter22 api_key: "abc def" token=t0k3n&x=1 secretName: db-creds')
    assert out == ('DB_PASSWORD=[REDACTED_SECRET_1] api_key: "[REDACTED_SECRET_2]" token=[REDACTED_SECRET_3]&x=1 '
                   "secretName: db-creds")


def test_references_and_flags_are_not_mistaken_for_secrets():
    text = "password: ${DB_PASSWORD} token: <set to the key 'token' in secret 'api'> secret: false"
    assert Sanitizer().redact(text) == text


def test_disabled_changes_nothing_and_counts_nothing():
    s = Sanitizer(enabled=False)
    text = "password=hunter22 from 10.1.2.3"
    assert s.redact(text) == text
    assert s.redact_obj({"password": "x", "ip": "10.1.2.3"}) == {"password": "x", "ip": "10.1.2.3"}
    assert s.stats()["replacements"] == 0 and s.stats()["enabled"] is False
    assert "OFF" in s.notice()


def test_stats_count_per_rule_and_never_hold_values():
    s = Sanitizer()
    s.redact("from 10.1.2.3 and 10.1.2.3 and 10.4.5.6, password=hunter22")
    stats = s.stats()
    assert stats["by_rule"] == {"ipv4": 3, "secret_assignment": 1}
    assert stats["distinct"] == {"REDACTED_IP": 2, "REDACTED_SECRET": 1}
    dumped = json.dumps(stats) + repr(s.findings)
    assert "10.1.2.3" not in dumped and "hunter22" not in dumped


def test_restore_puts_originals_back_for_local_display():
    s = Sanitizer()
    redacted = s.redact("pod talks to 10.1.2.3 as ops@example.com")
    answer = "The pod cannot reach [REDACTED_IP_1]; ask [REDACTED_EMAIL_1]. [REDACTED_IP_9] is unknown."
    assert s.restore(answer) == "The pod cannot reach 10.1.2.3; ask ops@example.com. [REDACTED_IP_9] is unknown."
    assert s.restore(redacted) == "pod talks to 10.1.2.3 as ops@example.com"


def test_custom_rules_from_settings_run_first_with_their_own_placeholder():
    settings_ = RedactionSettings(rules=[RedactionRule(name="account", pattern=r"ACCT-\d{6}",
                                                       placeholder="[REDACTED_ACCOUNT]")])
    s = Sanitizer.from_settings(settings_)
    out = s.redact("charge ACCT-123456 failed, retry ACCT-654321 then ACCT-123456 from 10.0.0.9")
    assert out == ("charge [REDACTED_ACCOUNT_1] failed, retry [REDACTED_ACCOUNT_2] then [REDACTED_ACCOUNT_1] "
                   "from [REDACTED_IP_1]")
    assert s.redact(out) == out
    assert s.stats()["by_rule"]["account"] == 3


def test_a_custom_rule_with_a_v_group_redacts_only_that_part():
    s = Sanitizer(rules=[{"name": "pin", "pattern": r"PIN (?P<v>\d{4})\b", "placeholder": "PIN_CODE"}])
    out = s.redact("card PIN 4821 accepted, PIN 4821 again")
    assert out == "card PIN [PIN_CODE_1] accepted, PIN [PIN_CODE_1] again"


@pytest.mark.parametrize(("rule", "message"), [
    ({"name": "bad", "pattern": "([", "placeholder": "X"}, "invalid pattern"),
    ({"name": "empty", "pattern": "a*", "placeholder": "X"}, "empty string"),
    ({"name": "nolabel", "pattern": "abc", "placeholder": "[]"}, "placeholder"),
])
def test_invalid_custom_rules_are_config_errors(rule, message):
    with pytest.raises(ConfigError, match=message):
        Sanitizer(rules=[rule])


def test_redact_obj_removes_secret_data_and_credential_fields_without_mutating():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "dev"},
              "data": {"password": base64.b64encode(b"Sup3r-S3cret-pw").decode(), "user": "YmlsbGluZw=="},
              "stringData": {"token": "tok_abc"}}
    pod = {"kind": "Pod", "metadata": {"name": "billing-api-1"}, "status": {"podIP": "10.244.1.7"},
           "spec": {"containers": [{"name": "app", "image": "shop/app:1.2.3", "env": [
               {"name": "DB_PASSWORD", "value": "hunter22"}, {"name": "LOG_LEVEL", "value": "debug"}],
               "resources": {"limits": {"memory": "64Mi"}}}]},
           "config": {"clientSecret": "cs-1", "secretName": "db", "password": None}}
    original = json.dumps([secret, pod])
    s = Sanitizer()
    out = s.redact_obj([secret, pod])
    assert json.dumps([secret, pod]) == original  # inputs untouched
    dumped = json.dumps(out)
    for value in ("Sup3r-S3cret-pw", secret["data"]["password"], "YmlsbGluZw==", "tok_abc", "hunter22", "cs-1",
                  "10.244.1.7"):
        assert value not in dumped
    assert out[0]["metadata"] == {"name": "db", "namespace": "dev"}
    container = out[1]["spec"]["containers"][0]
    assert container["image"] == "shop/app:1.2.3" and container["resources"]["limits"]["memory"] == "64Mi"
    assert container["env"][1] == {"name": "LOG_LEVEL", "value": "debug"}
    assert out[1]["config"]["secretName"] == "db" and out[1]["config"]["password"] is None
    # a Secret value seen once is redacted wherever it shows up later, even decoded in a log line
    assert s.redact("connecting with Sup3r-S3cret-pw") == "connecting with " + out[0]["data"]["password"]


def test_a_truncated_secret_manifest_is_still_redacted():
    text = 'kubectl output: {"kind": "Secret", "data": {"password": "aHVudGVyMg==", "k": "dg=="}, "metadata": {'
    out = Sanitizer().redact(text)
    assert "aHVudGVyMg==" not in out and '"dg=="' not in out and '"password": "[REDACTED_SECRET_1]"' in out


# --- properties ------------------------------------------------------------------------------------------------

# Filler is what logs are made of and must survive untouched: Kubernetes names, tags, quantities, codes, paths.
FILLER = ["pod/billing-api-7d4b9c8f6-x2x9z", "Back-off", "restarting", "failed", "container", "OOMKilled",
          "exit", "code", "137", "memory", "64Mi", "256Mi", "500m", "nginx:1.27.3", "v1.29.4", "HTTP/1.1", "503",
          "404", "/healthz", "/etc/app/config.yaml", "2024-05-01T10:00:00Z", "10:23:45", "Readiness", "probe",
          "ImagePullBackOff", "registry.example.com/shop/web:v2.4.0", "0/3", "nodes", "Insufficient", "cpu.",
          "dev", "ERROR", "at", "com.example.Main.run(Main.java:42)", "0.0.0.0:8080", "{", "}", "\"msg\":", ","]
_ALNUM = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"


def _ipv4():
    return st.tuples(*[st.integers(1, 254)] * 4).filter(lambda t: t[0] != 127).map(lambda t: ".".join(map(str, t)))


def _text(alphabet, n):
    return st.text(alphabet, min_size=n, max_size=n)


SECRETS = st.one_of(
    _ipv4(),
    st.tuples(_text(string.ascii_lowercase, 6), _text(string.ascii_lowercase, 5)).map(lambda t: f"{t[0]}@{t[1]}.com"),
    st.uuids().map(str),
    _text(_HEX, 40).filter(lambda h: any(c.isdigit() for c in h)),
    _text(_ALNUM, 40).map(lambda s: "sk-or-v1-" + s),
    _text(string.ascii_uppercase + string.digits, 16).map(lambda s: "AKIA" + s),
    _text(_ALNUM, 36).map(lambda s: "ghp_" + s),
    _text(_ALNUM, 24).map(lambda s: "xoxb-1234-" + s),
    st.tuples(_text(_ALNUM + "-_", 20), _text(_ALNUM + "-_", 30), _text(_ALNUM, 20)).map(
        lambda t: f"eyJ{t[0]}.eyJ{t[1]}.{t[2]}"),
)
ASSIGNED = st.tuples(st.sampled_from(["password", "DB_PASSWORD", "api_key", "token", "client_secret"]),
                     st.sampled_from(["=", ": ", "="]), _text(_ALNUM + "!#%+", 12).filter(lambda v: v[0].isalnum()))


def _join(words):
    return " ".join(words)


@settings(max_examples=300, deadline=None)
@given(before=st.lists(st.sampled_from(FILLER), max_size=8), secret=SECRETS,
       after=st.lists(st.sampled_from(FILLER), max_size=8),
       left=st.sampled_from([" ", "\n", "(", '"', "'", "=", "<", "[", "/", "\t", "@"]),
       right=st.sampled_from([" ", "\n", ")", '"', "'", ",", ";", ">", "]", ".", "/"]))
def test_property_an_inserted_secret_never_leaks_and_filler_survives(before, secret, after, left, right):
    text = f"{_join(before)} {left}{secret}{right} {_join(after)}"
    out = Sanitizer().redact(text)
    assert secret not in out
    assert out.startswith(_join(before)) and out.endswith(_join(after))


@settings(max_examples=150, deadline=None)
@given(before=st.lists(st.sampled_from(FILLER), max_size=6), assigned=ASSIGNED,
       after=st.lists(st.sampled_from(FILLER), max_size=6))
def test_property_assigned_credentials_never_leak(before, assigned, after):
    key, sep, value = assigned
    out = Sanitizer().redact(f"{_join(before)} {key}{sep}{value} {_join(after)}")
    assert value not in out and f"{key}{sep}[REDACTED_SECRET_1]" in out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FILLER), SECRETS), max_size=12),
       st.sampled_from([" ", "\n", ", ", "\t"]))
def test_property_redaction_is_idempotent(words, sep):
    s = Sanitizer()
    once = s.redact(sep.join(words))
    assert s.redact(once) == once
    assert Sanitizer().redact(once) == once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=15))
def test_property_filler_alone_is_untouched(words):
    text = " ".join(words)
    assert Sanitizer().redact(text) == text


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({"msg": st.sampled_from(FILLER), "host": SECRETS},
                             optional={"password": SECRETS, "token": SECRETS}), SECRETS)
def test_property_redact_obj_never_leaks(fields, secret):
    doc = {"log": f"error talking to {secret}", "fields": fields, "items": [secret, {"n": 137}]}
    out = Sanitizer().redact_obj(doc)
    dumped = json.dumps(out)
    for value in (secret, fields["host"], fields.get("password"), fields.get("token")):
        assert value is None or value not in dumped
    assert out["fields"]["msg"] == fields["msg"] and out["items"][1] == {"n": 137}
    for key in ("password", "token"):
        if key in fields:
            assert out["fields"][key].startswith("[REDACTED_SECRET_")
