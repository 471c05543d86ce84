"""The prompt says what an open question waits for in the person's words, never an internal slot name."""

from __future__ import annotations

import pytest

from kubecopilot.dialogue.registry import SLOT_WORDS, Slot, slot_word

INTERNAL = ("fix_choice", "next_fix", "intent", "object")  # "workload", "namespace": words people use too


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_slot_has_a_word_and_no_word_is_an_internal_name(lang):
    slots = {str(s) for s in Slot} | {"intent", "confirm", "fix_choice", "next_fix", "node"}
    assert slots <= set(SLOT_WORDS)
    words = {slot: slot_word(slot, lang) for slot in slots}
    assert not set(words.values()) & set(INTERNAL), words
    assert "_" not in "".join(words.values())
    assert slot_word("something_new", lang) == slot_word("intent", lang)  # never the raw name


def test_the_fix_question_shows_a_word_in_the_prompt(repl):
    repl.send("unhealthy pods")
    repl.send("fix it")  # three fixes on offer: "which one shall I fix?"
    assert repl.app.conversation.session.pending.slot == "fix_choice"
    assert repl.repl.prompt()[0] == ("class:prompt.slot", "(which fix) ")
    repl.send("算了")
    assert repl.app.conversation.session.pending is None and repl.repl.prompt() == [("class:prompt", "❯ ")]


def test_a_chinese_question_shows_a_chinese_word(repl):
    repl.send("帮我看一下 cart-service 的日志")
    assert repl.repl.prompt()[0] == ("class:prompt.slot", "(命名空间) ")
