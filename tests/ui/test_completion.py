"""Completion: slash commands and their arguments, quick commands, and names the cluster already showed."""

from __future__ import annotations

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from kubecopilot.dialogue.turns import Answer, Ask, Option, TableBlock
from kubecopilot.messages import say
from kubecopilot.ui.completion import NameIndex, ReplCompleter
from kubecopilot.ui.slash import COMMANDS

QUICK = ["list clusters", "cluster overview", "list namespaces", "unhealthy pods", "warning events", "refresh cache"]


def completions(completer: ReplCompleter, text: str) -> list[tuple[str, int]]:
    found = completer.get_completions(Document(text), CompleteEvent(completion_requested=True))
    return [(c.text, c.start_position) for c in found]


def completer_with(**names: list[str]) -> ReplCompleter:
    index = NameIndex()
    for kind, values in names.items():
        index.add(kind, values)
    return ReplCompleter(COMMANDS, QUICK, index, plan_ids=lambda: ["2789d849", "aecb4085"])


def test_slash_commands_complete_with_their_help():
    completer = completer_with()
    assert completions(completer, "/r") == [("/refresh", -2), ("/rollback", -2)]
    found = list(completer.get_completions(Document("/ca"), CompleteEvent()))
    assert [c.text for c in found] == ["/cache"]
    assert found[0].display_meta_text == say("slash_help_cache", "en")
    assert [text for text, _ in completions(completer, "/")] == [command.name for command in COMMANDS]


def test_slash_arguments_complete_from_namespaces_clusters_and_plan_ids():
    completer = completer_with(namespace=["default", "dev", "production"], cluster=["dev-cluster", "prod-cluster"])
    assert completions(completer, "/ns d") == [("default", -1), ("dev", -1)]
    assert completions(completer, "/ns prod") == [("production", -4)]
    assert completions(completer, "/cluster pr") == [("prod-cluster", -2)]
    assert completions(completer, "/rollback ae") == [("aecb4085", -2)]
    assert completions(completer, "/tools x") == []


def test_quick_commands_complete_the_whole_line():
    completer = completer_with()
    assert completions(completer, "list ") == [("list clusters", -5), ("list namespaces", -5)]
    assert completions(completer, "REFR") == [("refresh cache", -4)]
    assert completions(completer, "list clusters") == []  # already complete


def test_names_complete_the_word_under_the_cursor_prefix_first_then_fragments():
    completer = completer_with(name=["cart-service-v1-abc", "cart-service-v2-def", "billing-api-xyz"],
                               namespace=["dev"])
    assert completions(completer, "show logs of cart") == [("cart-service-v1-abc", -4), ("cart-service-v2-def", -4)]
    assert completions(completer, "logs of v2") == [("cart-service-v2-def", -2)]  # a fragment, as in "v2 那个"
    assert completions(completer, "pods in de") == [("dev", -2), ("cart-service-v2-def", -2)]
    assert completions(completer, "logs of rvice") == []  # parts of a name, not any substring


def test_harvest_takes_names_from_ask_options_and_name_columns_only():
    index = NameIndex()
    index.harvest(Ask(question="?", slot="namespace", options=[Option(value="dev", label="dev"),
                                                               Option(value="production", label="production")]))
    index.harvest(Ask(question="?", slot="workload", options=[Option(value="deployment/cart", label="cart")]))
    index.harvest(Ask(question="?", slot="replicas", options=[Option(value="3", label="3")]))
    index.harvest(Answer(title="Pods", blocks=[TableBlock(columns=["NAMESPACE", "NAME", "STATUS"],
                                                          rows=[["dev", "billing-1", "Running"]])]))
    index.harvest(Answer(title="Overview", blocks=[TableBlock(columns=["", ""], rows=[["Pods", "12/14 healthy"]])]))
    assert index.get("namespace") == ["production", "dev"]  # most recently seen last
    assert index.get("name") == ["cart", "billing-1"]
    assert "3" not in index.get() and "Running" not in index.get() and "Pods" not in index.get()
    index.clear("name")
    assert index.get("name") == [] and index.get("namespace")
