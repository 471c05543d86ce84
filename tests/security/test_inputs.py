"""Hostile or careless input to the conversation: bounded, and every path answers with a turn (issue 14)."""

from __future__ import annotations

import time

import pytest

from kubecopilot.dialogue import extract, intents, reader
from kubecopilot.dialogue.inventory import StaticNames
from kubecopilot.dialogue.reading import SessionView
from kubecopilot.dialogue.slots import parse_free_value
from kubecopilot.dialogue.turns import Ask, ErrorTurn
from kubecopilot.errors import InputRejected
from kubecopilot.testing.apps import app_for

HUGE = "18446744073709551616"  # 2**64: overflows every fixed-width integer on the way


@pytest.fixture
def talk(shared_sandbox):
    app = app_for(shared_sandbox)
    yield app.conversation
    app.close()


@pytest.mark.parametrize("text", [f"帮我 scale report-worker 到 {HUGE}", f"scale report-worker to {HUGE}",
                                  f"scale report-worker to {HUGE} replicas", "scale report-worker to 1001"])
def test_a_replica_count_out_of_range_is_an_error_turn(talk, text):
    turn = talk.handle(text)
    assert isinstance(turn, ErrorTurn) and turn.code == "input_rejected"
    assert "0–1000" in turn.message and talk.session.pending is None


def test_an_out_of_range_answer_to_how_many_is_asked_again(talk):
    assert isinstance(talk.handle("scale report-worker in dev"), Ask)
    turn = talk.handle(HUGE)
    assert isinstance(turn, Ask) and turn.slot == "replicas" and "0" in turn.question
    with pytest.raises(ValueError):
        parse_free_value("replicas", HUGE)


def test_a_huge_message_is_refused_before_any_pattern_runs(talk):
    started = time.perf_counter()
    turn = talk.handle("list pods in " + "a" * 50_000)
    assert isinstance(turn, ErrorTurn) and turn.code == "input_rejected" and "2000" in turn.message
    assert time.perf_counter() - started < 5  # generous: before the fix this took minutes
    with pytest.raises(InputRejected):
        reader.read("x" * (reader.MAX_INPUT_CHARS + 1), SessionView(), StaticNames({}))


@pytest.mark.parametrize("line", ["a" * 50_000, "a-" * 25_000, "在" + "a" * 50_000, "x namespace " + "b" * 50_000,
                                  "1" * 50_000, "image " + "a-" * 25_000 + ":v1"])
def test_name_extraction_is_linear(line):
    """10× the text may take about 10× the time, not 100× (the quadratic pattern took over 15 s on 50 kB)."""
    def seconds(text: str) -> float:
        started = time.perf_counter()
        extract.find_namespace(text, {"dev"}, intents.vocabulary().stopwords)
        extract.find_cluster(text, {"dev-cluster"})
        extract.TOKEN.findall(text)
        extract.find_image(text)
        extract.find_quantities(text)
        return time.perf_counter() - started

    small, large = seconds(line[: len(line) // 10]), seconds(line)
    assert large < 30 * small + 0.5
