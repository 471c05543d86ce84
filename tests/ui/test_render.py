"""Turn rendering: what a person reads for each kind of turn, in colour, without colour and in a narrow terminal."""

from __future__ import annotations

import re

from rich.console import Console

from kubecopilot.diagnosis.models import Diagnosis, EvidenceQuote
from kubecopilot.dialogue.turns import (
    Answer,
    Ask,
    CodeBlock,
    DiagnosisBlock,
    ErrorTurn,
    Option,
    PlanProposal,
    Source,
    Suggestion,
    TableBlock,
    TextBlock,
)
from kubecopilot.ui.render import human_age, inline, render_proposal, render_turn, sentence

COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38;[25];[0-9;]+)m")

CRASH = Diagnosis(
    summary="billing-api crash-loops: it cannot find its configuration file",
    root_cause="the app reads /etc/billing/config.yaml, which is not mounted",
    category="CrashLoopBackOff",
    evidence=[EvidenceQuote(source="previous_logs", quote="FileNotFoundError: '/etc/billing/config.yaml'",
                            object="billing-api-7c9-abcde/billing-api")],
    confidence=0.9,
    suggested_fix="roll back to revision 2",
)


def text_of(renderable, width: int = 100, **console) -> str:
    out = Console(width=width, color_system=None, force_terminal=False, record=True, **console)
    out.begin_capture()
    out.print(renderable)
    return "\n".join(line.rstrip() for line in out.end_capture().splitlines())


def test_ask_numbers_its_options_with_details_and_says_how_to_answer():
    ask = Ask(question="Which **namespace** is `cart-service` in?", slot="namespace",
              options=[Option(value="default", label="default"),
                       Option(value="dev", label="dev", detail="2 pods match cart-service")],
              next_step="Then I'll show its logs.", notices=["1 system namespace hidden"])
    text = text_of(render_turn(ask))
    assert text.splitlines()[0] == "ℹ 1 system namespace hidden"
    assert "Which namespace is cart-service in?" in text  # light markup rendered, not shown raw
    assert re.search(r"^\s+1\. default\s*$", text, re.M)
    assert re.search(r"^\s+2\. dev\s+2 pods match cart-service$", text, re.M)
    assert "Then I'll show its logs." in text
    assert "Answer with a number, a name or part of one." in text


def test_a_confirmation_lists_its_steps_before_the_options():
    ask = Ask(question="I will check the health of your services.", slot="confirm",
              steps=["list nodes", "list unhealthy pods", "read warning events"],
              options=[Option(value="yes", label="Yes, run them"), Option(value="no", label="No")])
    lines = text_of(render_turn(ask)).splitlines()
    steps = lines.index("Steps:")
    # the steps are bulleted: only the answers below them are numbered, so "1" can mean one thing only
    assert lines[steps + 1:steps + 4] == ["  • list nodes", "  • list unhealthy pods", "  • read warning events"]
    assert lines.index("  1. Yes, run them") > steps + 3
    assert [line for line in lines if re.match(r"\s+\d+\.", line)] == ["  1. Yes, run them", "  2. No"]


def test_answer_table_cache_note_tip_and_numbered_suggestions():
    answer = Answer(
        title="Pods in dev",
        blocks=[TableBlock(columns=["NAME", "STATUS"], rows=[["cart-v1", "Running"], ["billing", "CrashLoopBackOff"]])],
        source=Source(tools=["list_pods"], from_cache=True, age_s=42.4),
        suggestions=[Suggestion(label="Show the logs of billing", command="logs of billing"),
                     Suggestion(label="Describe billing", command="describe billing")],
        tip="Check **events** before logs.",
    )
    text = text_of(render_turn(answer))
    assert re.search(r"^NAME\s+STATUS$", text, re.M) and re.search(r"^billing\s+CrashLoopBackOff$", text, re.M)
    assert "from cache, 42 s old · list_pods" in text
    assert "Tip: Check events before logs." in text
    assert "Next (type the number):" in text
    assert re.search(r"^\s+1\. Show the logs of billing$", text, re.M)
    assert re.search(r"^\s+2\. Describe billing$", text, re.M)


def test_a_live_answer_says_which_tools_ran_and_an_answer_without_tools_says_nothing():
    live = text_of(render_turn(Answer(title="Nodes", source=Source(tools=["list_nodes"]))))
    assert "live · list_nodes" in live and "cache" not in live
    cleared = "Cache cleared: 3 entries removed."
    assert text_of(render_turn(Answer(title=cleared))) == cleared


def test_logs_and_yaml_are_printed_unframed_so_they_copy_cleanly():
    answer = Answer(title="Logs", blocks=[
        CodeBlock(title="container cart, last 100 lines", language="log",
                  text="2026-01-01T00:00:00Z ERROR boom [retry=3]\n2026-01-01T00:00:01Z INFO ok"),
        CodeBlock(language="yaml", text="spec:\n  replicas: 2\n"),
    ])
    lines = text_of(render_turn(answer)).splitlines()
    assert lines[1].startswith("container cart, last 100 lines ─")
    assert "2026-01-01T00:00:00Z ERROR boom [retry=3]" in lines  # brackets are not eaten as markup
    assert "spec:" in lines and "  replicas: 2" in lines


def test_logs_are_highlighted_in_colour():
    out = Console(width=100, force_terminal=True, color_system="standard", record=True)
    out.begin_capture()
    out.print(render_turn(Answer(title="Logs", blocks=[CodeBlock(language="log", text="x ERROR y\nWARN z")])))
    styled = out.end_capture()
    assert "\x1b[1;31mERROR" in styled and "\x1b[33mWARN" in styled


def test_diagnosis_panel_shows_category_cause_confidence_quoted_evidence_and_fix():
    text = text_of(render_turn(Answer(title="Diagnosis", blocks=[DiagnosisBlock(diagnosis=CRASH)])))
    assert "Diagnosis · CrashLoopBackOff" in text
    assert "Root cause: the app reads /etc/billing/config.yaml, which is not mounted" in text
    assert "Confidence: 90%" in text
    assert re.search(r"^│   • previous_logs · billing-api-7c9-abcde/billing-api\s+│$", text, re.M)
    assert re.search(r"^│     “FileNotFoundError: '/etc/billing/config.yaml'”\s+│$", text, re.M)
    assert "Suggested fix: roll back to revision 2" in text
    assert "by rule-based analyzers" in text


def test_error_is_one_calm_paragraph_with_its_hint():
    turn = ErrorTurn(message="lost the connection to the MCP server during list_pods",
                     hint="KubeCopilot reconnects on the next request", code="mcp_disconnected")
    text = text_of(render_turn(turn), width=200)
    assert text == ("✗ Lost the connection to the MCP server during list_pods. "
                    "KubeCopilot reconnects on the next request.")


def test_proposal_before_the_approval_prompt_can_leave_out_what_the_prompt_shows():
    proposal = PlanProposal(plan_id="p1", summary="Scale Deployment dev/cart from 1 to 2 replicas", risk_level="low",
                            plan={}, diagnosis=CRASH, notices=["Using cart from earlier."])
    full = text_of(render_proposal(proposal))
    assert "Proposed change (low risk): Scale Deployment dev/cart from 1 to 2 replicas" in full
    assert "Diagnosis · CrashLoopBackOff" in full and "ℹ Using cart from earlier." in full
    short = text_of(render_proposal(proposal, summary=False, diagnosis=False))
    assert short == "ℹ Using cart from earlier."


def test_no_color_means_no_colour_codes_but_the_meaning_stays(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = Console(width=100, force_terminal=True, record=True)
    out.begin_capture()
    table = TableBlock(columns=["NAME", "STATUS"], rows=[["a", "OOMKilled"]])
    out.print(render_turn(Answer(title="Pods", blocks=[table, DiagnosisBlock(diagnosis=CRASH)])))
    out.print(render_turn(ErrorTurn(message="boom")))
    styled = out.end_capture()
    assert not COLOUR.search(styled)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", styled)
    assert "OOMKilled" in plain and "✗ Boom." in plain and "Diagnosis · CrashLoopBackOff" in plain


def test_a_narrow_terminal_gets_one_card_per_row_and_loses_no_word():
    name = "cart-service-v2-m45kpckgxt-d9c7l"
    answer = Answer(title="Pods in production", blocks=[
        TableBlock(columns=["NAME", "READY", "STATUS", "RESTARTS"], rows=[[name, "0/1", "CrashLoopBackOff", "27"]]),
        TextBlock(text="a long explanation " * 6),
    ], suggestions=[Suggestion(label=f"Show the previous logs of {name}", command="x")])
    lines = text_of(render_turn(answer), width=40).splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert lines[1:3] == [name, "  READY 0/1 · STATUS CrashLoopBackOff ·"]
    assert lines[3] == "  RESTARTS 27"  # a wrapped card line stays under its heading
    flat = re.sub(r"\s+", "", "".join(lines))
    assert "Showthepreviouslogsof" + name in flat and "alongexplanation" * 6 in flat
    wide = text_of(render_turn(answer), width=100).splitlines()
    assert re.match(r"NAME\s+READY\s+STATUS\s+RESTARTS", wide[1])  # a wide terminal keeps the table


def test_inline_markup_is_only_bold_and_code():
    text = inline("**bold** and `code` and [red]not markup[/red]")
    assert text.plain == "bold and code and [red]not markup[/red]"
    assert {str(span.style) for span in text.spans} == {"bold", "cyan"}


def test_small_helpers():
    assert [human_age(s) for s in (0, 42.4, 89, 90, 3599, 7200)] == ["0 s", "42 s", "89 s", "1 min", "59 min", "2 h"]
    assert sentence("is the server running?") == "Is the server running?"
    assert sentence("retry later") == "Retry later."


def test_an_open_value_shows_examples_not_numbers():
    ask = Ask(question="How many replicas should `cart` have? (now 1)", slot="replicas", free_text=True,
              options=[Option(value="0", label="0"), Option(value="2", label="2")])
    lines = text_of(render_turn(ask)).splitlines()
    assert lines[1:] == ["  e.g. 0 · 2", "Type a value."]


def test_one_shot_output_turns_follow_ups_into_commands_and_drops_repl_hints():
    answer = Answer(title="Namespaces", source=Source(tools=["list_namespaces"], from_cache=True, age_s=3),
                    suggestions=[Suggestion(label="List the pods in dev", command="list pods in dev")])
    text = text_of(render_turn(answer, oneshot=True))
    assert "  • List the pods in dev\n    kubecopilot ask 'list pods in dev'" in text
    assert "from cache, 3 s old · list_namespaces" in text and "/refresh" not in text and "type the number" not in text
    ask = Ask(question="Which namespace?", slot="namespace", options=[Option(value="dev", label="dev")])
    assert "or run kubecopilot to answer interactively." in text_of(render_turn(ask, oneshot=True), width=200)


def test_the_ui_words_follow_the_conversation_language():
    answer = Answer(title="命名空间", source=Source(tools=["list_namespaces"], from_cache=True, age_s=120),
                    suggestions=[Suggestion(label="列出 dev 里的 Pod", command="list pods in dev")], tip="先看事件。")
    text = text_of(render_turn(answer, "zh"))
    assert "来自缓存（2 分钟前）· list_namespaces" in text
    assert "提示：先看事件。" in text and "接下来（输入编号）：" in text


def test_the_diagnosis_panel_is_framed_in_the_conversation_language():
    text = text_of(render_turn(Answer(title="诊断", blocks=[DiagnosisBlock(diagnosis=CRASH)]), "zh"))
    assert "诊断 · CrashLoopBackOff" in text and "Diagnosis" not in text
