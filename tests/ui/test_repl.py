"""The real REPL (prompt-toolkit over a pipe, rich into a buffer) against a real sandbox over SSE, offline engine."""

from __future__ import annotations

import json
import re

from .driver import CTRL_C, CTRL_D


def replicas(handle, name: str, namespace: str = "dev") -> int:
    deployment = handle.cluster.call("get_deployment", {"namespace": namespace, "deployment_name": name})
    return json.loads(deployment)["spec"]["replicas"]


def numbered(text: str) -> dict[int, str]:
    """The numbered choices printed in ``text`` ("  2. dev   2 pods match") → {2: "dev   2 pods match"}."""
    return {int(n): rest.strip() for n, rest in re.findall(r"^\s+(\d+)\. (.+)$", text, re.M)}


def test_start_shows_the_banner_then_the_quick_command_menu(repl, shared_sandbox):
    banner = repl.banner
    assert "dev-cluster" in banner
    assert f"{shared_sandbox.url}  ·  51 tools: 37 read, 14 write · profile sandbox" in banner
    assert "offline (--offline): rules and analyzers only" in banner
    assert re.search(r"^config\s+~/kubecopilot/config.yaml", banner, re.M)
    assert re.search(r"^audit\s+~/kubecopilot/audit.sqlite", banner, re.M)
    menu = banner[banner.index("Quick commands"):]
    assert re.search(r"^1\s+List all clusters", menu, re.M) and re.search(r"^6\s+Refresh cache", menu, re.M)


def test_the_alex_conversation_word_for_word(repl):
    asked = repl.send("hi，帮我看一下 cart-service 的日志")
    assert "命名空间" in asked and "cart-service" in asked
    assert "输入编号、名称或名称的一部分即可。" in asked  # the UI's own words follow the conversation's language
    assert repl.repl.session.pending.slot == "namespace"

    listed = repl.send("我不确定，你列出来吧")
    assert "当前集群有以下命名空间" in listed
    assert {"default", "dev", "production"} <= {choice.split()[0] for choice in numbered(listed).values()}

    pods = repl.send("应该在 dev")
    choices = numbered(pods)
    assert len(choices) == 2
    assert choices[1].startswith("cart-service-v1-") and choices[2].startswith("cart-service-v2-")
    assert repl.repl.session.pending.slot == "pod"

    logs = repl.send("v2 那个")
    v2 = choices[2].split()[0]
    assert f"dev/{v2}" in logs
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ", logs, re.M)  # log lines, unframed
    assert repl.repl.session.pending is None


def test_a_quick_command_by_number_then_a_suggestion_by_number(repl):
    namespaces = repl.send("3")
    assert re.search(r"^Namespaces$", namespaces, re.M)
    assert re.search(r"^production\s+Active", namespaces, re.M)
    suggestions = numbered(namespaces[namespaces.index("Next (type the number):"):])
    assert suggestions[1] == "List the pods in dev"
    pods = repl.send("1")
    assert "Pods in dev" in pods and re.search(r"^billing-api-\S+\s+0/1\s+CrashLoopBackOff", pods, re.M)


def test_refresh_cache_says_how_many_entries_went_in_every_spelling(repl):
    repl.send("list pods in dev")
    cached = len(repl.app.gateway.cache)
    assert cached >= 2
    assert f"Cache cleared: {cached} entries removed." in repl.send("refresh cache")
    repl.send("list namespaces")
    cached = len(repl.app.gateway.cache)
    assert cached >= 1
    assert f"缓存已清空：移除了 {cached} 条记录。" in repl.send("刷新缓存")
    assert re.search(r"缓存已清空：移除了 \d+ 条记录。", repl.send("重新扫描"))
    repl.send("list namespaces")
    cached = len(repl.app.gateway.cache)
    entries = "entry" if cached == 1 else "entries"
    assert f"Cache cleared: {cached} {entries} removed." in repl.send("/refresh")
    assert len(repl.app.gateway.cache) == 0


def test_an_approved_change_is_applied(repl_rw):
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 1
    shown = repl_rw.send("scale cart-service-v1 to 2")
    assert "LOW RISK  Scale Deployment dev/cart-service-v1 from 1 to 2 replicas" in shown
    assert "/spec/replicas" in shown and "1 → 2" in shown
    assert shown.rstrip().endswith("(d shows the full YAML diff)")  # now waiting at the approval question
    done = repl_rw.send("y")
    assert "Done: Scale Deployment dev/cart-service-v1 from 1 to 2 replicas" in done
    assert "✓ 2/2 replicas Ready" in done
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 2
    [plan] = repl_rw.app.plans.list()
    assert plan.status == "executed"
    row = rf"^\s*{plan.plan_id[:8]}\s+\S+ \S+\s+scale\s+Deployment .*low\s+executed$"
    assert re.search(row, repl_rw.send("/plans"), re.M)


def test_a_mistyped_high_risk_name_is_asked_again_in_the_repl(repl_rw):
    assert "HIGH RISK" in repl_rw.send("scale cart-service-v1 to 0")
    repl_rw.send("y")  # the name is asked next (prompt-toolkit's prompt, not the console's output)
    again = repl_rw.send("cart-servce-v1")
    assert "'cart-servce-v1' is not 'cart-service-v1'; type the name again (2 tries left)." in again
    assert repl_rw.app.plans.list()[0].status == "pending"
    assert "Done: Scale Deployment dev/cart-service-v1 from 1 to 0 replicas" in repl_rw.send("cart-service-v1")
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 0


def test_a_rejected_change_changes_nothing(repl_rw):
    repl_rw.send("scale cart-service-v1 to 3")
    diff = repl_rw.send("d")
    assert "-  replicas: 1" in diff and "+  replicas: 3" in diff
    refused = repl_rw.send("n")
    assert "nothing was changed" in refused
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 1
    [plan] = repl_rw.app.plans.list()
    assert plan.status == "rejected"


def test_a_chinese_session_is_asked_for_approval_in_chinese(repl_rw):
    shown = repl_rw.send("把 cart-service-v1 扩容到 3 个副本")
    assert "中风险  将 Deployment dev/cart-service-v1 的副本数从 1 调整为 3" in shown  # the plan's own words too
    assert "• 副本数变化超过 2 倍（1 → 3）" in shown and "• 60 秒内 3/3 个副本就绪" in shown
    assert "变更后 KubeCopilot 会检查：" in shown and shown.rstrip().endswith("（按 d 查看完整的 YAML 差异）")
    assert not any(words in shown for words in ("MEDIUM RISK", "Changes", "Risk:", "After the change", "d shows"))
    explained = repl_rw.send("e")
    assert "原因：" in explained and "Why:" not in explained
    repl_rw.send("n")
    assert re.search(r"^计划$", repl_rw.send("/plans"), re.M)
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 1


def test_ctrl_c_at_the_approval_question_keeps_the_plan_pending(repl_rw):
    repl_rw.send("scale cart-service-v1 to 4")
    said = repl_rw.keys(CTRL_C)
    assert "nothing was changed and the plan stays pending" in said
    [plan] = repl_rw.app.plans.list()
    assert plan.status == "pending"
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 1
    assert "Namespaces" in repl_rw.send("list namespaces")  # and the session goes on


def test_ctrl_c_in_the_middle_of_a_turn_cancels_only_that_turn(repl):
    progress = repl.app.conversation.progress

    def interrupted_while_reading_logs(message: str) -> None:
        progress(message)
        if message.startswith("reading logs"):
            raise KeyboardInterrupt  # what SIGINT raises in the main thread at this point of the turn

    repl.app.conversation.progress = interrupted_while_reading_logs
    cancelled = repl.send("show the logs of cart-service-v1 in dev")
    assert "Cancelled. The session goes on." in cancelled
    assert "dev/cart-service-v1" not in cancelled
    repl.app.conversation.progress = progress
    assert re.search(r"^Namespaces$", repl.send("list namespaces"), re.M)


def test_ctrl_c_at_an_open_question_cancels_the_question_not_the_session(repl):
    asked = repl.send("show me the logs of cart-service")
    assert repl.repl.session.pending is not None and "1. " in asked
    said = repl.keys(CTRL_C)
    assert "Question cancelled; nothing was run." in said
    assert repl.repl.session.pending is None and repl.repl.prompt() == [("class:prompt", "❯ ")]
    assert "(Ctrl-C again" in repl.keys(CTRL_C)  # the next Ctrl-C is the first one towards leaving
    assert repl.alive


def test_ctrl_c_twice_on_an_empty_line_leaves_but_not_on_a_typed_line(repl):
    assert repl.keys("list pods" + CTRL_C) == ""  # the typed line is dropped, as in a shell; nothing else
    assert "(Ctrl-C again, Ctrl-D or /quit to leave)" in repl.keys(CTRL_C)
    assert repl.alive
    bye = repl.keys(CTRL_C)
    assert "Bye." in bye
    assert not repl.alive and repl.exit_code == 0


def test_ctrl_d_leaves(repl):
    assert "Bye." in repl.keys(CTRL_D)
    assert not repl.alive and repl.exit_code == 0


def test_exit_words_leave(repl):
    assert "Bye." in repl.send("退出")
    assert not repl.alive


def test_the_server_going_away_mid_session_is_survived_and_reported(repl_rw):
    handle = repl_rw.sandbox
    handle.stop()
    repl_rw.send("/refresh")  # nothing cached may hide the outage
    failed = repl_rw.send("list pods in dev")
    assert failed.startswith("✗ ") and f"MCP server at {handle.url}" in failed
    assert "The session goes on: your next request reconnects to the server." in failed
    assert repl_rw.alive
    handle.restart()
    back = repl_rw.send("list pods in dev")
    assert "Pods in dev" in back and "cart-service-v1-" in back


def test_slash_commands_show_and_set_state(repl):
    help_text = repl.send("/help")
    assert all(name in help_text for name in ("/menu", "/refresh", "/cache", "/rollback", "/audit", "/model", "/quit"))
    assert re.search(r"^Quick commands$", repl.send("?"), re.M)

    repl.send("list pods in dev")
    cache = repl.send("/cache")
    assert re.search(r"pods\s+list_pods\s+\{\"namespace\": \"dev\"\}\s+\d+ s\s+30 s", cache)
    assert re.search(r"^\s*pods\s+1\s+0\s+1\s+30 s\s*$", cache, re.M)  # entries, hits, misses

    assert "✗ There is no namespace 'nope' here. Known: default, dev, kube-system, production." in repl.send("/ns nope")
    assert "namespace → production" in repl.send("/ns production")
    assert dict(repl.repl.toolbar_fields())["ns"] == "production"
    context = repl.send("/context")
    assert re.search(r"^namespace\s+production$", context, re.M)
    assert re.search(r"^cluster\s+dev-cluster \(server default\)$", context, re.M)
    assert "✗ There is no cluster 'mars'." in repl.send("/cluster mars")

    assert "51 tools at" in repl.send("/tools")
    assert "offline (--offline): rules and analyzers only" in repl.send("/model")
    assert "No plans yet." in repl.send("/plans")
    assert "The audit ledger is empty." in repl.send("/audit")
    assert "✗ There is no command /cahce. Did you mean /cache?" in repl.send("/cahce")
    assert "Which plan? /rollback needs a plan id. /plans lists them." in repl.send("/rollback")


def test_slash_commands_speak_the_sessions_language(repl):
    repl.send("列出所有命名空间")  # a Chinese session from here on
    help_text = repl.send("/help")
    assert "命令" in help_text and "清空读缓存" in help_text and "/rollback" in help_text
    assert not any(words in help_text for words in ("Commands", "this help", "Tab completes", "clear the read cache"))
    assert "还没有计划。" in repl.send("/plans")
    assert "上下文" in repl.send("/context")
    assert "没有这个命令" in repl.send("/plnas") and "/plans" in repl.send("/plnas")


def test_the_toolbar_and_context_say_their_words_in_the_sessions_language(repl):
    repl.send("列出 dev 里的 Pod")
    fields = dict(repl.repl.toolbar_fields())
    assert fields["cache"] == f"{len(repl.app.gateway.cache)} 条" and fields["model"] == "离线"
    assert re.search(r"^cluster\s+dev-cluster（服务器默认）$", repl.send("/context"), re.M)


def test_toolbar_shows_cluster_namespace_model_and_cache(repl):
    from kubecopilot.ui.toolbar import toolbar

    repl.send("list pods in dev")
    fields = dict(repl.repl.toolbar_fields())
    assert fields == {"cluster": "dev-cluster", "ns": "dev", "model": "offline",
                      "cache": f"{len(repl.app.gateway.cache)} entries"}
    line = "".join(text for _, text in toolbar(repl.repl.toolbar_fields)())
    assert line.startswith("cluster dev-cluster │ ns dev │ model offline │ cache ")


def test_the_prompt_says_what_it_is_waiting_for_and_history_is_kept(repl):
    repl.send("show logs of cart-service")
    assert repl.repl.prompt()[0] == ("class:prompt.slot", "(namespace) ")
    repl.send("dev")
    history = repl.app.settings.history_file.read_text(encoding="utf-8")
    assert "+show logs of cart-service" in history and "+dev" in history


def test_completion_learns_the_names_the_cluster_showed(repl):
    repl.send("list pods in dev")
    names = repl.repl.names.get("name")
    assert any(n.startswith("cart-service-v2-") for n in names)
    assert "production" in repl.repl.names.get("namespace")  # read at start-up for /ns


def test_non_tty_input_runs_line_by_line(shared_sandbox, monkeypatch):
    import io

    from rich.console import Console

    from kubecopilot.commands.repl import start_repl

    from .conftest import open_app

    app = open_app(shared_sandbox)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("3\nshow logs of cart-service\ndev\nexit\n"))
    try:
        code = start_repl(app, Console(file=out, width=100, color_system=None), app.settings, interactive=False)
    finally:
        app.close()
    text = out.getvalue()
    assert code == 0
    assert "❯ 3\nNamespaces" in text
    assert "(namespace) ❯ dev\n" in text  # each line echoed after its prompt: reads like a transcript
    assert text.rstrip().endswith("Bye.")


def test_rollback_from_the_repl_asks_and_restores(repl_rw):
    repl_rw.send("scale cart-service-v1 to 2")
    repl_rw.send("y")
    [plan] = repl_rw.app.plans.list()
    shown = repl_rw.send(f"/rollback {plan.plan_id[:8]}")
    assert "Rollback plan" in shown and f"for plan {plan.plan_id[:8]}" in shown
    assert "2 → 1" in shown  # the change table of the rollback plan
    done = repl_rw.send("y")
    assert "Done:" in done
    assert replicas(repl_rw.sandbox, "cart-service-v1") == 1


def test_clear_clears_the_screen_as_in_a_shell(repl):
    for typed in ("clear", "cls", "清屏", "/clear"):
        out = repl.send(typed)
        assert "not sure" not in out and "不太确定" not in out and "no command" not in out, (typed, out)
    assert "/clear" in repl.send("/help")


def test_a_plan_somebody_else_proposed_is_approved_and_applied_from_the_repl(repl_rw):
    from kubecopilot.plans.builders import build_scale
    from kubecopilot.plans.model import ResourceRef

    ref = ResourceRef(kind="Deployment", namespace="dev", name="cart-service-v1")
    theirs = repl_rw.app.plans.propose(ref, lambda obj: build_scale(obj, 2), requested_by="user:bob")
    shown = repl_rw.send(f"/approve {theirs.plan_id[:8]}")
    assert "1 → 2" in shown and shown.rstrip().endswith("(d shows the full YAML diff)")
    assert "Done:" in repl_rw.send("y") and replicas(repl_rw.sandbox, "cart-service-v1") == 2
    done = repl_rw.app.plans.get(theirs.plan_id)
    assert done.status == "executed" and done.audit.requested_by == "user:bob"
    assert done.audit.confirmed_by == f"user:{repl_rw.app.settings.user}"
    again = repl_rw.send(f"/approve {theirs.plan_id[:8]}")
    assert "is executed; only a pending plan can be approved" in again
    assert "/approve needs a plan id" in repl_rw.send("/approve")


def test_a_bug_in_a_turn_is_reported_calmly_in_the_sessions_language(repl, monkeypatch):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(repl.app.conversation, "handle", broken)
    said = repl.send("list pods")
    assert "Something went wrong inside KubeCopilot: boom." in said and "--verbose" in said
    repl.app.conversation.session.language = "zh"
    said = repl.send("列出 Pod")
    assert "KubeCopilot 内部出错：boom" in said and "--verbose" in said and "went wrong" not in said
    assert repl.alive
