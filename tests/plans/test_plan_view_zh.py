"""The approval prompt in a Chinese session: the frame (prompt, labels, titles, questions) and the plan's own texts
(summary, risk rationale and factors, post-conditions, rollback) are said in Chinese; the plan keeps its English
record for the ledger."""

from __future__ import annotations

import re

import pytest

from kubecopilot.ui.plan_view import plans_table, prompt_approval, render_explain, render_plan, render_summary

from .test_plan_view import Terminal, prod_scale_to_zero, text_of, worker_plan

ENGLISH_FRAME = ("RISK", "Risk:", "Changes", "After the change", "d shows", "Apply this change", "Please answer",
                 "Type the name", "YAML diff (before", "Why:", "Risk factors", "none of the risk rules fired",
                 "If it goes wrong", "Explain", "not approved", "stays pending", "before → after")


def english_frame(text: str) -> list[str]:
    return [words for words in ENGLISH_FRAME if words in text]


# the plan domain's English sentences, none of which may show in a Chinese session
ENGLISH_PLAN = ("Scale ", "0 replicas", "production-like", "stops serving", "within", "Rollback restores", "Raise ",
                "memory limit", "a reversible change")


def test_a_plan_is_said_in_chinese_and_keeps_its_english_record():
    plan = prod_scale_to_zero()
    text = text_of(render_plan(plan, lang="zh"))
    assert text_of(render_summary(plan, lang="zh")).startswith(" 高风险  将 Deployment production/checkout 的副本数从 3 调整为 0")
    assert "风险：高（评分 0.77）" in text and "变更后 KubeCopilot 会检查：" in text and f"计划 {plan.plan_id[:8]}" in text
    assert "• 命名空间 production 属于生产环境（按名称判断）" in text
    assert "• 将 Deployment checkout 缩容到 0 个副本：它将停止服务（原为 3）" in text
    assert "• 60 秒内 Deployment checkout 不再有 Pod" in text
    assert english_frame(text) == [] and [w for w in ENGLISH_PLAN if w in text] == []
    # the ledger's record stays English
    assert plan.risk.factors[0] == "namespace production is production-like (by name)"


def test_a_calm_plan_and_its_explanation_are_said_in_chinese():
    plan = worker_plan()
    text = text_of(render_plan(plan, lang="zh")) + text_of(render_explain(plan, lang="zh"))
    assert "将 Deployment dev/report-worker 中容器 worker 的内存上限从 64Mi 提高到 256Mi" in text
    assert "低风险（评分 0.05）：生产环境之外的可回滚变更，影响 1 个 Pod。" in text
    flat = re.sub(r"[\s│]", "", text)  # the explanation is a panel: its lines wrap inside the frame
    assert "回滚会把/spec/template/spec/containers/0/resources/limits/memory恢复为制定计划时快照中的值" in flat
    assert [w for w in ENGLISH_PLAN if w in text] == []


def test_the_whole_approval_dialogue_is_in_chinese():
    term = Terminal("d", "e", "也许", "y", "checkout")
    decision = prompt_approval(prod_scale_to_zero(), term.console, term.read_line, user="user:alice", lang="zh")
    assert decision.approved and decision.typed_name == "checkout"
    assert term.prompts[0].startswith("是否应用此变更？") and term.prompts[-1] == "名称："
    assert "请输入该 Deployment 的名称（checkout）以确认。" in term.text
    assert english_frame(term.text + "".join(term.prompts)) == []


def test_a_wrong_name_and_no_answer_are_said_in_chinese():
    term = Terminal("是", "Checkout", "checkuot", "Checkout")
    assert not prompt_approval(prod_scale_to_zero(), term.console, term.read_line, lang="zh").approved
    interrupted = Terminal(EOFError())
    assert prompt_approval(worker_plan(), interrupted.console, interrupted.read_line, lang="zh").interrupted
    assert "未批准" in term.text and "待定" in interrupted.text and "还剩 2 次机会" in term.text
    assert english_frame(term.text + interrupted.text) == []


@pytest.mark.parametrize("render", [render_explain, lambda p, lang: plans_table([p], lang=lang)])
def test_explain_and_the_plans_table_are_framed_in_chinese(render):
    text = text_of(render(worker_plan(), lang="zh"))
    assert english_frame(text) == [] and ("解释" in text or "计划" in text)


@pytest.mark.parametrize("no", ["不要", "不用", "别", "nope", "n"])
def test_the_conversations_no_words_decline_a_plan(no):
    """One grammar for no: "不要" at the approval prompt declines (a yes stays strict: only y/yes/是/好/确认)."""
    term = Terminal(no)
    decision = prompt_approval(worker_plan(), term.console, term.read_line, lang="zh")
    assert not decision.approved and not decision.interrupted and len(term.prompts) == 1
