"""The few words the terminal UI adds around a turn, in the conversation's language (the engine's own wording
lives in ``kubecopilot.dialogue.messages``). ``word(key, lang, **values)``; unknown languages fall back to English."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "answer_hint": {"en": "Answer with a number, a name or part of one.", "zh": "输入编号、名称或名称的一部分即可。"},
    "free_hint": {"en": "Type a value.", "zh": "请直接输入一个值。"},
    "examples": {"en": "e.g. ", "zh": "例如："},
    "oneshot_hint": {"en": "Ask again with your answer in the question (a namespace can go in --namespace), or run "
                           "kubecopilot to answer interactively.",
                     "zh": "请在问题中带上您的回答再问一次（命名空间可用 --namespace），"
                           "或运行 kubecopilot 交互式回答。"},
    "next_commands": {"en": "Next:", "zh": "接下来："},
    "steps": {"en": "Steps:", "zh": "步骤："},
    "next": {"en": "Next (type the number):", "zh": "接下来（输入编号）："},
    "tip": {"en": "Tip: ", "zh": "提示："},
    "from_cache": {"en": "from cache, {age} old · {tools}  (/refresh for live data)",
                   "zh": "来自缓存（{age}前）· {tools}（/refresh 获取最新数据）"},
    "from_cache_oneshot": {"en": "from cache, {age} old · {tools}", "zh": "来自缓存（{age}前）· {tools}"},
    "live": {"en": "live · {tools}", "zh": "实时 · {tools}"},
    "root_cause": {"en": "Root cause: ", "zh": "根因："},
    "confidence": {"en": "Confidence: ", "zh": "置信度："},
    "evidence": {"en": "Evidence:", "zh": "证据："},
    "suggested_fix": {"en": "Suggested fix: ", "zh": "建议修复："},
    "by_rules": {"en": "by rule-based analyzers", "zh": "基于规则的分析"},
    "by_llm": {"en": "by the diagnostician (LLM)", "zh": "由诊断智能体（LLM）给出"},
    "proposed": {"en": "Proposed change", "zh": "拟议变更"},
    "risk": {"en": "{level} risk", "zh": "{level} 风险"},
    "cancelled": {"en": "Cancelled. The session goes on.", "zh": "已取消，会话继续。"},
    "ctrl_c_again": {"en": "(Ctrl-C again, Ctrl-D or /quit to leave)",
                     "zh": "（再按一次 Ctrl-C、Ctrl-D 或输入 /quit 退出）"},
    "still_pending": {"en": "Plan {plan} was not applied; it stays pending (/plans).",
                      "zh": "计划 {plan} 没有执行，保持待定状态（/plans 可查看）。"},
    "outage": {"en": "The session goes on: your next request reconnects to the server.",
               "zh": "会话继续：下一个请求会重新连接服务器。"},
    "sandbox_exited": {"en": "The built-in sandbox process has exited (code {code}); restart kubecopilot to start a "
                             "new one.",
                       "zh": "内置沙箱进程已退出（代码 {code}）；请重新启动 kubecopilot。"},
    "diagnosis_above": {"en": "Based on the diagnosis above:", "zh": "根据上面的诊断："},
    "bye": {"en": "Bye.", "zh": "再见。"},
    "seconds": {"en": "{n} s", "zh": "{n} 秒"},
    "minutes": {"en": "{n} min", "zh": "{n} 分钟"},
    "hours": {"en": "{n} h", "zh": "{n} 小时"},
}


def word(key: str, lang: str = "en", **values: object) -> str:
    forms = WORDS[key]
    return (forms.get(lang) or forms["en"]).format(**values)
