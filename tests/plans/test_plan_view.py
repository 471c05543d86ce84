"""The approval prompt: the content of each layer (not pixels), the answers, and NO_COLOR."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from kubecopilot.plans.builders import build_scale, build_set_resources
from kubecopilot.plans.risk import RiskContext, assess
from kubecopilot.ui.plan_view import plans_table, prompt_approval, render_changes, render_explain, render_plan, render_summary

from .fakes import deployment


def worker_plan():
    plan = build_set_resources(deployment("report-worker", memory="64Mi", container="worker", replicas=1), "worker",
                               limits={"memory": "256Mi"}, ai_rationale="The pod was OOMKilled at its 64Mi limit.")
    return plan


def prod_scale_to_zero():
    return build_scale(deployment("checkout", "production", replicas=3), 0)


def text_of(renderable) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


class Terminal:
    """A console that records, and a read_line that answers from a script and logs each prompt."""

    def __init__(self, *answers):
        self.console = Console(record=True, width=100, file=io.StringIO())
        self.answers = list(answers)
        self.prompts: list[str] = []

    def read_line(self, prompt: str) -> str:
        self.prompts.append(prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    @property
    def text(self) -> str:
        return self.console.export_text(clear=False)


def test_layer_one_is_one_line_with_a_risk_badge():
    assert text_of(render_summary(worker_plan())).strip() == (
        "LOW RISK  Raise memory limit of container worker in Deployment dev/report-worker from 64Mi to 256Mi")
    assert text_of(render_summary(prod_scale_to_zero())).startswith(" HIGH RISK  Scale Deployment production/checkout")


def test_layer_two_is_a_table_of_op_path_before_after():
    text = text_of(render_changes(worker_plan()))
    header = next(line for line in text.splitlines() if "op" in line and "path" in line)
    assert re.search(r"op\s+┃\s+path\s+┃\s+before → after", header)
    assert re.search(r"replace\s+│\s+/spec/template/spec/containers/0/resources/limits/memory\s+│\s+64Mi → 256Mi",
                     text)


def test_absent_and_removed_values_are_said_in_words():
    plan = build_set_resources(deployment("w"), "app", limits={"memory": None}, requests={"cpu": "100m"})
    text = text_of(render_changes(plan))
    assert "(absent) → {\"cpu\": \"100m\"}" in text and "128Mi → (removed)" in text


def test_the_plan_shows_risk_and_post_conditions_and_hides_the_diff():
    text = text_of(render_plan(prod_scale_to_zero()))
    assert "Risk: high (score 0.77)" in text
    assert "• namespace production is production-like (by name)" in text
    assert "• scales Deployment checkout to 0 replicas: it stops serving (was 3)" in text
    assert "After the change KubeCopilot checks:\n  • no pods of Deployment checkout left within 60s" in text
    assert "(d shows the full YAML diff)" in text and "+++" not in text


def test_a_low_risk_plan_says_why_it_is_low():
    assert "Risk: Low risk (score 0.05): a reversible change outside production, affecting 1 pod." in text_of(
        render_plan(worker_plan()))


def test_d_shows_the_yaml_diff_then_asks_again():
    term = Terminal("d", "n")
    decision = prompt_approval(worker_plan(), term.console, term.read_line, user="user:alice")
    assert "--- deployment/report-worker (before)" in term.text
    assert "-            memory: 64Mi" in term.text and "+            memory: 256Mi" in term.text
    assert "- name: worker" in term.text  # enough context to see which container
    assert len(term.prompts) == 2 and not decision.approved and decision.reason == "declined"


def test_e_explains_rationale_factors_and_rollback():
    plan = worker_plan()
    text = text_of(render_explain(plan))
    assert "Why: The pod was OOMKilled at its 64Mi limit." in text
    assert "none of the risk rules fired" in text
    assert "Rollback restores /spec/template/spec/containers/0/resources/limits/memory" in text
    prod = assess(prod_scale_to_zero(), RiskContext())
    assert prod.factors[0] in text_of(render_explain(prod_scale_to_zero()))


def test_yes_approves_low_risk_without_typing():
    term = Terminal("y")
    decision = prompt_approval(worker_plan(), term.console, term.read_line, user="user:alice")
    assert (decision.approved, decision.by, decision.typed_name) == (True, "user:alice", None)
    assert term.prompts == ["Apply this change? [y]es / [n]o / [d]iff / [e]xplain: "]


@pytest.mark.parametrize("typed, approved", [("checkout", True), ("Checkout", False), ("", False)])
def test_high_risk_asks_for_the_resource_name(typed, approved):
    term = Terminal("yes", typed, typed, typed)
    decision = prompt_approval(prod_scale_to_zero(), term.console, term.read_line, user="user:alice")
    assert "Type the name of the Deployment (checkout) to confirm." in term.text and term.prompts[1] == "name: "
    assert decision.approved is approved and decision.typed_name == typed
    if not approved:
        assert len(term.prompts) == 4 and "not approved, nothing was changed" in term.text


def test_a_mistyped_name_is_asked_again_up_to_three_times():
    """A typo does not reject a (perhaps a colleague's) plan: the name is asked again, and the tries are counted."""
    term = Terminal("y", "chekout", "Checkout", "checkout")
    decision = prompt_approval(prod_scale_to_zero(), term.console, term.read_line, user="user:bob")
    assert decision.approved and decision.typed_name == "checkout" and len(term.prompts) == 4
    assert "'chekout' is not 'checkout'; type the name again (2 tries left)." in term.text
    assert "(1 try left)" in term.text and "not approved" not in term.text


@pytest.mark.parametrize("failure", [EOFError(), KeyboardInterrupt()])
def test_eof_or_ctrl_c_is_not_approved_and_leaves_the_plan_pending(failure):
    term = Terminal(failure)
    decision = prompt_approval(worker_plan(), term.console, term.read_line, user="user:alice")
    assert not decision.approved and decision.interrupted
    assert "the plan stays pending" in term.text


def test_unclear_answers_are_asked_again_then_given_up():
    term = Terminal("maybe", "", "ok?", "sure", "hmm")
    decision = prompt_approval(worker_plan(), term.console, term.read_line)
    assert not decision.approved and decision.interrupted and len(term.prompts) == 5
    assert term.text.count("Please answer y (apply)") == 5


def test_chinese_answers_work_too():
    term = Terminal("是")
    assert prompt_approval(worker_plan(), term.console, term.read_line).approved


def test_a_plan_that_is_not_pending_is_not_offered():
    term = Terminal()
    decision = prompt_approval(worker_plan().transition("executed"), term.console, term.read_line)
    assert not decision.approved and "cannot be approved" in term.text and term.prompts == []


def _colour_output(monkeypatch, no_color: bool) -> str:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=100).print(render_plan(
        prod_scale_to_zero()))
    return out.getvalue()


def test_no_color_removes_colours_but_keeps_the_meaning(monkeypatch):
    colour_code = re.compile(r"\x1b\[[0-9;]*(3[0-9]|4[0-9]|38;|48;)")
    assert colour_code.search(_colour_output(monkeypatch, no_color=False))
    plain = _colour_output(monkeypatch, no_color=True)
    assert not colour_code.search(plain) and "HIGH RISK" in plain


def test_plans_table_lists_id_created_action_resource_risk_status():
    plan = worker_plan()
    text = text_of(plans_table([plan, prod_scale_to_zero().transition("rejected")]))
    assert plan.plan_id[:8] in text and "Deployment dev/report-worker" in text
    assert re.search(r"update\s+Deployment dev/report-worker\s+low\s+pending", text)
    assert re.search(r"scale\s+Deployment production/checkout\s+high\s+rejected", text)
