"""Chinese wraps between characters, never before closing or after opening punctuation; names never split; English
wraps exactly as rich wraps it."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console

from kubecopilot.dialogue.turns import Ask, Option
from kubecopilot.ui.linebreak import NO_END, NO_START, Prose, break_points, divide
from kubecopilot.ui.render import render_turn

QUESTION = ("好的。为了找到正确的日志，我需要知道 cart-service 在哪个 **命名空间（Namespace）** 里。您知道吗？"
            "如果不确定，可以从下面选择（或者说“你列出来吧”）。")
POD, POINTER = "cart-service-v2-m45kpckgxt-d9c7l", "/spec/template/spec/containers/0/resources/limits/memory"


def lines_of(renderable, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


def test_break_points_between_chinese_characters_but_not_inside_names_or_before_closing_punctuation():
    text = "我需要知道 cart-service 在哪个，好吗？（是）"
    points = break_points(text)
    assert text.index("需") in points and text.index("cart") in points
    assert not any(text.index("cart") < p < text.index(" 在") for p in points)  # not after the hyphen
    assert text.index("，") not in points and text.index("？") not in points  # a line never starts with them
    assert text.index("是") not in points  # nor ends with "（"
    assert break_points("Deployment dev/cart", keep=[(0, 19)]) == []


def test_a_chinese_question_fills_its_lines_and_keeps_punctuation_where_it_belongs():
    for width in (80, 60, 40):
        lines = lines_of(render_turn(Ask(question=QUESTION, slot="namespace"), "zh"), width)
        prose_lines = [line for line in lines if line and not line.startswith("输入")]
        assert len(prose_lines) >= 2
        for line in prose_lines:
            assert cell_len(line) <= width and line[0] not in NO_START and line[-1] not in NO_END, lines
        # no ragged half-empty lines: every line but the last is nearly full (a piece that did not fit is short)
        assert all(cell_len(line) >= width - 14 for line in prose_lines[:-1]), lines
        assert "".join(prose_lines).replace(" ", "") == QUESTION.replace("**", "").replace(" ", "")


def test_names_and_pointers_in_a_sentence_are_never_split():
    text = f"Pod {POD} 的容器 app 在 {POINTER} 上的内存上限从 64Mi 提高到 256Mi，之后 KubeCopilot 会检查它是否就绪。"
    for width in (80, 60):
        lines = lines_of(Prose(text), width)
        assert any(POD in line for line in lines) and any(POINTER in line for line in lines), lines


def test_a_numbered_option_with_chinese_detail_wraps_under_itself():
    ask = Ask(question="哪个？", slot="pod", options=[Option(value=POD, label=POD, detail="运行中 · 1/1 就绪 · 重启 27 次 · 12 天")])
    lines = lines_of(render_turn(ask, "zh"), 60)
    assert any(POD in line for line in lines)


WORDS = st.text(alphabet="abcdefghij-/0123", min_size=1, max_size=14)


@given(st.lists(st.tuples(WORDS, st.sampled_from([" ", "  "])), min_size=1, max_size=30), st.integers(4, 50))
def test_english_wraps_exactly_as_rich_wraps_it(words, width):
    text = "".join(word + gap for word, gap in words).rstrip()
    assert divide(text, width) == divide_line(text, width)
