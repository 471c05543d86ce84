"""The tuning conversations (``tuning/conversations.yaml``): every theme of the understanding issue, multi-turn, in
English and Chinese, scored by the same runner as the held-out set — and every one must pass.

The held-out set (``heldout/``) is not scored here: it is scored once at the end of a piece of work
(``benchmarks/heldout.py``) and never tuned on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kubecopilot.testing.conversations import load_conversations, run_conversation

CASES = load_conversations(Path(__file__).with_name("tuning") / "conversations.yaml")
THEMES = {"stray-words", "answers", "references", "fixes", "undo", "nodes", "clusters", "new-intents", "dangerous",
          # round 2: understanding that generalises
          "typos", "config", "counting", "node-pods", "health-words", "follow-ups", "cancel", "many-objects", "commands"}


def test_the_set_covers_every_theme_in_both_languages():
    themes = Counter(c["theme"] for c in CASES)
    assert set(themes) == THEMES and all(n >= 2 for n in themes.values()), themes
    assert {c["lang"] for c in CASES} >= {"en", "zh"} and len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_tuning_conversation_passes(case, shared_sandbox):
    outcome = run_conversation(case, shared_sandbox)
    assert outcome.passed, "\n".join(outcome.failures)
