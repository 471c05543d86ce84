"""One intent registry: each intent's data in ``intents.yaml``, Python only its handler. Adding an intent touches
two places — the YAML entry and the handler — and these tests fail until both exist."""

from __future__ import annotations

import string

import pytest
import yaml
from pydantic import ValidationError

from kubecopilot.dialogue.handlers import HANDLERS
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.registry import INTENT_FILE, IntentFile, intent_label, registry
from kubecopilot.errors import ConfigError

LABEL_FIELDS = {"of", "it", "in"}  # what intent_label fills in (" of cart", " in dev", " cart")


def test_the_yaml_the_models_and_the_handlers_name_the_same_intents():
    intents = registry().intents
    follow_ups = registry().of("follow_up")  # answered by the conversation itself
    assert set(HANDLERS) == set(intents) - follow_ups
    assert follow_ups == {"choose", "cancel", "unknown"}
    assert RoutedRequest.model_json_schema()["properties"]["intent"]["enum"] == list(intents)


def test_a_request_naming_an_intent_the_registry_lacks_is_invalid():
    assert RoutedRequest(intent="logs").intent == "logs"
    with pytest.raises(ValidationError, match="unknown intent 'fly_to_the_moon'"):
        RoutedRequest(intent="fly_to_the_moon")


def test_every_change_is_a_plan_action_and_every_rule_names_a_known_intent():
    file = registry()
    changes = {name: spec.change for name, spec in file.intents.items() if spec.group == "change"}
    assert set(changes) == {"scale", "restart", "rollback", "set_image", "set_resources", "delete_pod", "fix", "undo",
                            "change_many"}
    # fix: the diagnosis decides the change; undo: the plan service builds the rollback of an executed plan;
    # change_many: a change to many objects at once, refused (a plan changes one object)
    assert all(change is not None for name, change in changes.items() if name not in ("fix", "undo", "change_many"))
    assert {r.intent for r in file.rules} <= set(file.intents)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_label_fills_in_only_what_intent_label_supplies(lang):
    for name, spec in registry().intents.items():
        if spec.label is None:
            continue
        fields = {f for _, f, _, _ in string.Formatter().parse(spec.label[lang]) if f}
        assert fields <= LABEL_FIELDS, (name, lang)
    assert intent_label("logs", "zh", target="cart") == "查看 cart 的日志"
    assert intent_label("list_pods", "en", namespace="dev") == "List the pods in dev"


@pytest.mark.parametrize(("path", "value", "message"), [
    (("intents", "logs", "slots"), ["namespace", "podd"], "'podd' is not a valid Slot"),
    (("intents", "logs", "colour"), "blue", "Extra inputs are not permitted"),
    (("intents", "scale", "change", "action"), "teleport", "action"),
])
def test_a_broken_registry_is_a_config_error(tmp_path, monkeypatch, path, value, message):
    data = yaml.safe_load(INTENT_FILE.read_text(encoding="utf-8"))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError, match=message):
        IntentFile.model_validate(data)
    bad = tmp_path / "intents.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr("kubecopilot.dialogue.registry.INTENT_FILE", bad)
    registry.cache_clear()
    try:
        with pytest.raises(ConfigError, match="intents.yaml"):
            registry()
    finally:
        registry.cache_clear()


def test_a_rule_for_an_unknown_intent_is_refused():
    data = yaml.safe_load(INTENT_FILE.read_text(encoding="utf-8"))
    data["rules"].append({"intent": "fly", "en": ["fly"]})
    with pytest.raises(ValidationError, match="rules name unknown intents: fly"):
        IntentFile.model_validate(data)
