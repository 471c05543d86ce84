"""Everything the assistant says, in English and Chinese. ``say(key, lang, **values)``.

Kept as one table so wording stays consistent and a third language is one more column.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- asking for a slot ---------------------------------------------------------------------------------
    "ask_namespace_for": {
        "en": "Sure. To find {what}, I need to know which **namespace** {target} is in. Do you know? "
        "If not, pick one below (or say \"list them\").",
        "zh": "好的。为了找到{what}，我需要知道 {target} 在哪个 **命名空间（Namespace）** 里。您知道吗？"
        "如果不确定，可以从下面选择（或者说“你列出来吧”）。",
    },
    "ask_namespace": {
        "en": "Which **namespace**? Pick one below.",
        "zh": "请问是哪个 **命名空间（Namespace）**？请从下面选择。",
    },
    "list_namespaces_again": {
        "en": "Here are the namespaces in this cluster. Which one is {target} in?",
        "zh": "好的，当前集群有以下命名空间。您觉得 {target} 可能在哪个里面？",
    },
    "ask_pod": {
        "en": "Got it. In namespace `{namespace}` I found {count} pods matching `{target}`. Which one{purpose}?",
        "zh": "收到。在 `{namespace}` 命名空间下，我找到了 {count} 个包含 `{target}` 的 Pod。您想{purpose_zh}？",
    },
    "ask_pod_any": {
        "en": "Which pod in `{namespace}`{purpose}?",
        "zh": "`{namespace}` 命名空间里的哪个 Pod？",
    },
    "ask_workload": {
        "en": "In `{namespace}` I found {count} workloads matching `{target}`. Which one?",
        "zh": "在 `{namespace}` 命名空间下找到 {count} 个匹配 `{target}` 的工作负载。是哪一个？",
    },
    "ask_workload_any": {
        "en": "Which deployment in `{namespace}`?",
        "zh": "`{namespace}` 里的哪个 Deployment？",
    },
    "ask_container": {
        "en": "`{name}` has {count} containers. Which one?",
        "zh": "`{name}` 有 {count} 个容器。是哪一个？",
    },
    "ask_replicas": {
        "en": "How many replicas should `{name}` have? (now {current})",
        "zh": "`{name}` 要调整到几个副本？（当前 {current} 个）",
    },
    "ask_image": {
        "en": "Which image should container `{container}` of `{name}` run? (now `{current}`)",
        "zh": "`{name}` 的容器 `{container}` 要换成哪个镜像？（当前 `{current}`）",
    },
    "ask_memory": {
        "en": "What memory limit for container `{container}` of `{name}`? (now {current})",
        "zh": "`{name}` 的容器 `{container}` 的内存上限设为多少？（当前 {current}）",
    },
    "ask_again_unmatched": {
        "en": "I couldn't match \"{reply}\" to any option. Please pick a number or type a name.",
        "zh": "我没能把“{reply}”对应到任何选项。请输入编号或名称。",
    },
    "ask_again_narrowed": {
        "en": "\"{reply}\" matches several options. Which one?",
        "zh": "“{reply}”匹配到多个选项。是哪一个？",
    },
    "next_logs": {"en": "Then I'll show its logs.", "zh": "选好后我会拉取它的日志。"},
    "next_generic": {"en": "Then I'll continue with your request.", "zh": "选好后我会继续处理您的请求。"},
    "purpose_logs": {"en": " do you want the logs of", "zh": "看哪个的日志"},
    "what_logs": {"en": "the right logs", "zh": "正确的日志"},
    "what_generic": {"en": "the right resource", "zh": "正确的资源"},
    "matches_detail": {"en": "{count} pod(s) match {target}", "zh": "{count} 个 Pod 匹配 {target}"},
    "system_hidden": {"en": "{count} system namespace(s) hidden", "zh": "已隐藏 {count} 个系统命名空间"},
    "gave_up": {
        "en": "Let's start over — tell me again what you'd like to do.",
        "zh": "我们重新开始吧——请再告诉我一次您想做什么。",
    },
    "cancelled": {"en": "OK, cancelled.", "zh": "好的，已取消。"},
    "took_single": {"en": "Only one {what} matches `{target}`: using `{name}`.", "zh": "只有一个{what}匹配 `{target}`：使用 `{name}`。"},
    "took_context": {"en": "Using `{name}` from earlier.", "zh": "沿用之前提到的 `{name}`。"},
    "none_matching": {
        "en": "No {what} in `{namespace}` matches `{target}`; here is everything there.",
        "zh": "`{namespace}` 里没有匹配 `{target}` 的{what}，下面是全部。",
    },
    "stale_refreshed": {
        "en": "`{value}` no longer exists — the cached list was stale, so I refreshed it.",
        "zh": "`{value}` 已经不存在了——缓存的列表已过期，我已重新获取。",
    },
    # --- answers -----------------------------------------------------------------------------------------
    "fetching_logs": {"en": "Logs of `{namespace}/{pod}`", "zh": "`{namespace}/{pod}` 的日志"},
    "logs_detail": {"en": "container {container}, last {lines} lines{previous}", "zh": "容器 {container}，最近 {lines} 行{previous}"},
    "previous_suffix": {"en": ", previous container", "zh": "，上一个容器"},
    "restarted_tip": {
        "en": "This container restarted {count} times; the previous container's logs usually show why.",
        "zh": "该容器已重启 {count} 次；上一个容器的日志通常能说明原因。",
    },
    "tip_events_first": {
        "en": "When troubleshooting, check the pod's **Events** before its logs: scheduling, image-pull and "
        "health-check problems show up there first.",
        "zh": "排查问题时，在查看日志之前先检查 Pod 的 **Events**，通常能更快发现部署、调度或健康检查相关的问题。",
    },
    "cache_cleared": {"en": "Cache cleared: {count} entries removed.", "zh": "缓存已清空：移除了 {count} 条记录。"},
    "empty": {"en": "Nothing found.", "zh": "没有找到。"},
    "no_problems": {"en": "No problems found.", "zh": "没有发现问题。"},
    "health_intro": {
        "en": "To check the health of your services I will run these steps. Go ahead?",
        "zh": "为了检查服务健康状况，我将执行以下步骤。要继续吗？",
    },
    "health_summary": {
        "en": "{problems} problem(s) found across {checks} checks.",
        "zh": "共执行 {checks} 项检查，发现 {problems} 个问题。",
    },
    "yes_run": {"en": "yes, run them", "zh": "好的，执行"},
    "no_cancel": {"en": "no, cancel", "zh": "不用了，取消"},
    "help": {
        "en": "Ask in plain English or Chinese, e.g. \"show me the logs of cart-service\", \"why is billing-api "
        "crashing?\", \"scale cart-service-v1 to 3\", \"check the health of my services\". A number picks from the "
        "last list shown. Changes are always shown as a plan for you to approve first.",
        "zh": "用中文或英文直接说，例如“帮我看一下 cart-service 的日志”、“为什么 billing-api 一直崩溃？”、"
        "“把 cart-service-v1 扩容到 3 个副本”、“检查服务健康状况”。输入数字可选择最近列出的选项。任何变更都会先生成计划，经您确认后才执行。",
    },
    "unknown": {
        "en": "I'm not sure what you'd like to do. Try one of these, or type \"help\".",
        "zh": "我不太确定您想做什么。可以试试下面这些，或者输入“帮助”。",
    },
    "no_fix": {
        "en": "There is no diagnosis with a fix to apply yet. Tell me what is failing, e.g. \"why is billing-api crashing?\"",
        "zh": "目前还没有可执行修复方案的诊断结果。请告诉我哪里出了问题，例如“为什么 billing-api 一直崩溃？”",
    },
    "no_automatic_fix": {
        "en": "I have no safe automatic change for this: {fix}",
        "zh": "这个问题没有可以安全自动执行的变更：{fix}",
    },
    "llm_fallback": {
        "en": "The LLM is unavailable ({why}); answered by the offline rules instead.",
        "zh": "LLM 暂不可用（{why}）；已改用离线规则回答。",
    },
    "llm_too_slow": {
        "en": "The model was too slow: {why}; answered with what the rules and analyzers know.",
        "zh": "模型响应太慢：{why}；已改用规则和分析器的结论回答。",
    },
    "llm_invalid": {
        "en": "The model's answer did not validate ({why}); answered by the rules instead. Nothing was run.",
        "zh": "模型的回答未通过校验（{why}）；已改用规则回答，未执行任何操作。",
    },
    "redaction_notice": {
        "en": "Data sent to the LLM is redacted first (IPs, emails, tokens, secrets → placeholders).",
        "zh": "发送给 LLM 的数据会先脱敏（IP、邮箱、令牌、密钥等会被替换为占位符）。",
    },
    "ask_intent": {"en": "I'm not sure what you'd like to do{about}. Did you mean one of these?",
                   "zh": "我不太确定您想{about}做什么。是下面哪一个？"},
    "no_such_choice": {"en": "There is no choice {number} in the last list ({count} shown). The quick commands:",
                       "zh": "上一个列表里没有第 {number} 项（共 {count} 项）。快捷指令如下："},
    "switched": {"en": "Now working in cluster {cluster}, namespace {namespace}.",
                 "zh": "已切换：集群 {cluster}，命名空间 {namespace}。"},
    "current_cluster": {"en": "(the current one)", "zh": "（当前集群）"},
    "not_allowed": {
        "en": "KubeCopilot does not {action} a {kind}: it is outside the action whitelist (allowed: {allowed}).",
        "zh": "KubeCopilot 不会对 {kind} 执行 {action}：这不在操作白名单内（允许：{allowed}）。",
    },
    "executed": {"en": "Done: {summary}", "zh": "已完成：{summary}"},
    "rejected": {"en": "Not approved — nothing was changed.", "zh": "未批准——没有做任何变更。"},
    "pending_kept": {"en": "Plan {plan_id} stays pending; nothing was changed.", "zh": "计划 {plan_id} 保持待定状态，没有做任何变更。"},
}

SUGGESTIONS: dict[str, dict[str, str]] = {
    "logs": {"en": "Show the logs of {name}", "zh": "查看 {name} 的日志"},
    "previous_logs": {"en": "Show the previous logs of {name}", "zh": "查看 {name} 上一个容器的日志"},
    "describe": {"en": "Describe {name}", "zh": "获取 {name} 的详细描述"},
    "events": {"en": "Check the events of {name}", "zh": "检查 {name} 的事件"},
    "diagnose": {"en": "Diagnose {name}", "zh": "诊断 {name}"},
    "fix": {"en": "Fix it: {fix}", "zh": "修复：{fix}"},
    "pods_in": {"en": "List the pods in {name}", "zh": "列出 {name} 中的 Pod"},
    "overview": {"en": "Cluster overview", "zh": "查看集群资源总览"},
    "namespaces": {"en": "List all namespaces", "zh": "显示所有命名空间"},
    "unhealthy": {"en": "Show unhealthy pods", "zh": "显示不健康的 Pod"},
    "warnings": {"en": "Show recent warning events", "zh": "显示最近的告警事件"},
    "health": {"en": "Check the health of my services", "zh": "检查服务健康状况"},
}


# "Did you mean …?" options: what each intent does, about the thing the user named ({what} may be empty).
INTENT_LABELS: dict[str, dict[str, str]] = {
    "logs": {"en": "Show the logs{of}", "zh": "查看{of}日志"},
    "describe": {"en": "Describe{it}", "zh": "查看{of}详细描述"},
    "events": {"en": "Show the events{of}", "zh": "查看{of}事件"},
    "diagnose": {"en": "Diagnose{it}: find out why it fails", "zh": "诊断{it}：找出失败原因"},
    "unhealthy_pods": {"en": "Show the unhealthy pods{in}", "zh": "显示{in}不健康的 Pod"},
    "list_pods": {"en": "List the pods{in}", "zh": "列出{in}的 Pod"},
    "list_deployments": {"en": "List the deployments{in}", "zh": "列出{in}的 Deployment"},
    "list_namespaces": {"en": "List the namespaces", "zh": "列出所有命名空间"},
    "list_nodes": {"en": "List the nodes", "zh": "列出节点"},
    "list_services": {"en": "List the services{in}", "zh": "列出{in}的服务"},
    "list_clusters": {"en": "List the clusters", "zh": "列出所有集群"},
    "cluster_status": {"en": "Cluster overview", "zh": "查看集群资源总览"},
    "warning_events": {"en": "Show recent warning events{in}", "zh": "显示{in}最近的告警事件"},
    "health_check": {"en": "Check the health of my services", "zh": "检查服务健康状况"},
    "scale": {"en": "Scale{it} (a plan you approve first)", "zh": "调整{it}副本数（先生成计划，经您确认）"},
    "restart": {"en": "Restart{it} (a plan you approve first)", "zh": "重启{it}（先生成计划，经您确认）"},
    "rollback": {"en": "Roll back{it} (a plan you approve first)", "zh": "回滚{it}（先生成计划，经您确认）"},
    "set_image": {"en": "Change the image{of} (a plan you approve first)", "zh": "更换{of}镜像（先生成计划，经您确认）"},
    "set_resources": {"en": "Change the resources{of} (a plan you approve first)", "zh": "调整{of}资源（先生成计划，经您确认）"},
    "delete_pod": {"en": "Delete the pod{it} (a plan you approve first)", "zh": "删除 Pod{it}（先生成计划，经您确认）"},
    "fix": {"en": "Fix{it} (a plan you approve first)", "zh": "修复{it}（先生成计划，经您确认）"},
}


def intent_label(intent: str, lang: str, *, target: str | None = None, namespace: str | None = None) -> str:
    entry = INTENT_LABELS.get(intent) or {"en": intent.replace("_", " "), "zh": intent.replace("_", " ")}
    text = entry.get(lang, entry["en"])
    if lang == "zh":
        values = {"of": f" {target} 的" if target else "", "it": f" {target}" if target else "",
                  "in": f" {namespace} 中" if namespace else ""}
    else:
        values = {"of": f" of {target}" if target else "", "it": f" {target}" if target else "",
                  "in": f" in {namespace}" if namespace else ""}
    return text.format(**values)


def say(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    return entry.get(lang, entry["en"]).format(**values)


def suggest_label(key: str, lang: str, **values: object) -> str:
    entry = SUGGESTIONS[key]
    return entry.get(lang, entry["en"]).format(**values)
