"""The utterance table: every row understood right by the offline rule engine, and never a write for a question."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubecopilot.dialogue.scoring import Utterance, load_table, rules_understand, score

TABLE = load_table(Path(__file__).with_name("utterances.yaml"))
_CJK = re.compile(r"[\u3400-\u9fff]")


def test_the_table_is_big_and_half_chinese():
    rows = TABLE.utterances
    chinese = [u for u in rows if _CJK.search(u.say)]
    assert len(rows) >= 150 and len(chinese) * 2 >= len(rows)
    assert len({u.say for u in rows}) == len(rows)  # no duplicates


@pytest.mark.parametrize("utterance", TABLE.utterances, ids=[u.say for u in TABLE.utterances])
def test_the_rules_understand(utterance: Utterance):
    result = score(rules_understand, TABLE.__class__(TABLE.context, (utterance,)))
    assert result.correct == 1, result.failures


def test_score_counts_wrong_writes_as_the_worst_failure():
    def trigger_happy(text, context):
        return rules_understand("restart billing-api", context)

    result = score(trigger_happy, TABLE)
    assert result.accuracy < 0.2 and "which pods restart the most?" in result.wrong_writes
