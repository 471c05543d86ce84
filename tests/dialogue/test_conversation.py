"""Conversations against the sandbox with the offline engine: the PRD's Alex story, context, menus, cache, health."""

from __future__ import annotations

from kubecopilot.dialogue.turns import Answer, Ask, CodeBlock, TableBlock


def values(turn):
    return [o.value for o in turn.options]


def test_alex_conversation_in_chinese(talk):
    """PRD 2.3, word for word: namespace question → list them → dev → two cart-service pods → v2 → logs."""
    turn = talk.handle("hi，帮我看一下 cart-service 的日志")
    assert isinstance(turn, Ask) and turn.slot == "namespace"
    assert "命名空间" in turn.question
    assert {"default", "dev", "production"} <= set(values(turn)) and "kube-system" not in values(turn)

    turn = talk.handle("我不确定，你列出来吧")
    assert isinstance(turn, Ask) and turn.slot == "namespace"
    assert turn.question.startswith("好的，当前集群有以下命名空间")

    turn = talk.handle("应该在 dev")
    assert isinstance(turn, Ask) and turn.slot == "pod"
    pods = values(turn)
    assert len(pods) == 2 and all("cart-service" in p for p in pods)
    assert any("cart-service-v1" in p for p in pods) and any("cart-service-v2" in p for p in pods)

    turn = talk.handle("v2 那个")
    assert isinstance(turn, Answer)
    v2 = next(p for p in pods if "cart-service-v2" in p)
    assert v2 in turn.title and "日志" in turn.title
    code = next(b for b in turn.blocks if isinstance(b, CodeBlock))
    assert code.language == "log" and code.text.strip()
    commands = [s.command for s in turn.suggestions]
    assert any(c.startswith("events of pod " + v2) for c in commands)
    assert any(c.startswith("describe pod " + v2) for c in commands)
    assert turn.tip and "Events" in turn.tip
    assert talk.session.namespace == "dev" and talk.session.last("pod").name == v2


def test_a_bare_name_as_the_answer_keeps_the_sessions_language(talk):
    """"dev" or a pod name carries no language: a Chinese conversation goes on in Chinese."""
    assert talk.handle("帮我查看 cart-service 的日志").slot == "namespace"
    turn = talk.handle("dev")
    assert isinstance(turn, Ask) and turn.slot == "pod" and talk.session.language == "zh"
    assert turn.question.startswith("收到")
    pod = next(v for v in values(turn) if "cart-service-v2" in v)
    assert "日志" in talk.handle(pod).title
    assert talk.handle("list pods in dev").title == "Pods in dev"  # an English sentence switches to English


def test_alex_conversation_in_english_with_numbers(talk):
    turn = talk.handle("show me the logs of cart-service")
    assert isinstance(turn, Ask) and turn.slot == "namespace" and "namespace" in turn.question
    dev_index = values(turn).index("dev") + 1
    turn = talk.handle(str(dev_index))
    assert isinstance(turn, Ask) and turn.slot == "pod"
    v2_index = next(i for i, v in enumerate(values(turn), 1) if "cart-service-v2" in v)
    turn = talk.handle(str(v2_index))
    assert isinstance(turn, Answer) and "cart-service-v2" in turn.title
    assert turn.source.tools and any("log" in t for t in turn.source.tools)


def test_mvp_story_k8s_status(talk):
    turn = talk.handle("帮我查看一下k8s状态")
    assert isinstance(turn, Answer)
    tables = [b for b in turn.blocks if isinstance(b, TableBlock)]
    clusters = tables[0]
    assert {"dev-cluster", "prod-cluster"} <= {row[0] for row in clusters.rows}
    overview = next(t for t in tables if t.title == "总览")
    assert any(row[1].endswith(" 就绪") for row in overview.rows) and any(row[1].endswith(" 健康") for row in overview.rows)
    assert not any(word in row[1] for row in overview.rows for word in ("Ready", "healthy"))


def test_the_options_details_are_said_in_the_sessions_language(talk):
    """"Running · 1/1 ready · 12d": the phase is Kubernetes', the words around the numbers are the session's."""
    talk.handle("帮我查看 cart-service 的日志")
    turn = talk.handle("应该在 dev")
    assert isinstance(turn, Ask) and turn.slot == "pod"
    details = [o.detail or "" for o in turn.options]
    assert all("1/1 就绪" in d for d in details) and not any("ready" in d for d in details)


def test_the_options_details_stay_english_in_english(talk):
    talk.handle("show me the logs of cart-service")
    turn = talk.handle("dev")
    assert isinstance(turn, Ask) and all(" · 1/1 ready · " in (o.detail or "") for o in turn.options)


def test_context_carries_over_between_turns(talk):
    turn = talk.handle("list pods in dev")
    assert isinstance(turn, Answer) and talk.session.namespace == "dev"
    turn = talk.handle("show the logs of cart-service-v1")  # namespace from context: no question
    assert isinstance(turn, Answer) and "cart-service-v1" in turn.title
    turn = talk.handle("its events")
    assert isinstance(turn, Answer) and "cart-service-v1" in turn.title


def test_quick_command_by_number_and_refresh(talk):
    menu = talk.menu()
    assert [r[1] for r in menu.blocks[0].rows][0] == "List all clusters"
    turn = talk.handle("3")
    assert isinstance(turn, Answer) and turn.title == "Namespaces"
    again = talk.handle("list namespaces")
    assert again.source.from_cache is True
    misses = talk.gateway.cache.stats()["namespaces"]["misses"]
    turn = talk.handle("刷新缓存")
    assert isinstance(turn, Answer) and "缓存已清空" in turn.title
    assert int("".join(c for c in turn.title if c.isdigit())) >= 1
    assert len(talk.gateway.cache) == 0
    talk.handle("list namespaces")
    assert talk.gateway.cache.stats()["namespaces"]["misses"] == misses + 1  # re-read from the server once


def test_suggestion_numbers_run_the_suggested_command(talk):
    talk.handle("list pods in dev")
    turn = talk.handle("1")  # first suggestion: the logs of the first pod
    assert isinstance(turn, Answer) and any(isinstance(b, CodeBlock) for b in turn.blocks)


def test_wrong_and_ambiguous_replies_are_asked_again_then_cancel(talk):
    turn = talk.handle("show me the logs of cart-service")
    turn = talk.handle("staging")
    assert isinstance(turn, Ask) and "staging" in turn.question
    turn = talk.handle("dev")
    assert isinstance(turn, Ask) and turn.slot == "pod"
    turn = talk.handle("cart-service")
    assert isinstance(turn, Ask) and len(turn.options) == 2  # still ambiguous: asked again
    turn = talk.handle("cancel")
    assert isinstance(turn, Answer) and talk.session.pending is None


def test_a_new_request_instead_of_an_answer_is_handled_as_such(talk):
    assert isinstance(talk.handle("show me the logs of cart-service"), Ask)
    turn = talk.handle("list clusters")
    assert isinstance(turn, Answer) and turn.title == "Clusters" and talk.session.pending is None


def test_single_candidate_is_taken_and_said(talk):
    turn = talk.handle("describe billing-api")
    assert isinstance(turn, Answer) and "billing-api" in turn.title
    assert any("billing-api" in n for n in turn.notices)


def test_health_check_shows_steps_then_runs_them(talk):
    turn = talk.handle("check the health of my services")
    assert isinstance(turn, Ask) and turn.slot == "confirm" and len(turn.steps) >= 3
    turn = talk.handle("yes")
    assert isinstance(turn, Answer)
    problems = next(b for b in turn.blocks if isinstance(b, TableBlock) and b.title == "Problems")
    workloads = [row[1] for row in problems.rows]
    for name in ("billing-api", "report-worker", "web-frontend", "ml-trainer", "inventory-api"):
        assert f"deployment/{name}" in workloads
    assert len(workloads) == len(set(workloads))  # one row per workload, everything found about it together
    billing = next(row[2] for row in problems.rows if row[1] == "deployment/billing-api")
    assert "CrashLoopBackOff" in billing and "available" in billing and "BackOff" in billing
    assert turn.suggestions[0].command == "diagnose deployment billing-api -n dev"


def test_unknown_request_offers_the_menu(talk):
    turn = talk.handle("make me a sandwich")
    assert isinstance(turn, Answer) and "not sure" in turn.title
    assert talk.session.choices and talk.session.choices[0].command == "list clusters"


def test_list_pods_in_namespace_dev_lists_the_pods_of_dev(talk):
    """Issue 10: "namespace" in the sentence names the place; it is not the list-namespaces request."""
    turn = talk.handle("list pods in namespace dev")
    assert isinstance(turn, Answer) and turn.title == "Pods in dev"
    assert "billing-api" in str(turn.blocks) and talk.session.namespace == "dev"
    turn = talk.handle("列出 dev 命名空间的 pod")
    assert isinstance(turn, Answer) and turn.title == "dev 中的 Pod"


def test_an_unknown_namespace_is_said_and_asked_with_the_namespaces_there_are(talk):
    """Never a false empty list: "qa" is named, the cluster has no qa, so the person picks from what there is."""
    turn = talk.handle("list pods in namespace qa")
    assert isinstance(turn, Ask) and turn.slot == "namespace" and "`qa`" in turn.question
    assert "dev-cluster" in turn.question and {"dev", "production"} <= set(values(turn)) and "qa" not in values(turn)
    turn = talk.handle("dev")
    assert isinstance(turn, Answer) and turn.title == "Pods in dev" and "billing-api" in str(turn.blocks)
    turn = talk.handle("list pods in staging")  # a place nobody marked as a namespace, but a place
    assert isinstance(turn, Ask) and "`staging`" in turn.question


def test_a_question_is_never_a_write_offline(talk):
    """"restart" inside a question: the nearest intents are offered, numbered; no restart among them."""
    turn = talk.handle("which of my workloads in dev should I restart?")
    assert isinstance(turn, Ask) and turn.slot == "intent" and "not sure" in turn.question
    assert "unhealthy_pods" in values(turn) and not {"restart", "scale", "delete_pod"} & set(values(turn))
    turn = talk.handle(str(values(turn).index("unhealthy_pods") + 1))
    assert isinstance(turn, Answer) and turn.title.startswith("Unhealthy pods") and "report-worker" in str(turn.blocks)


def test_the_most_restarts_is_the_pod_list_sorted_by_restarts(talk):
    """"which … restart the most" is answered from the pod list (most restarts first), not a restart, not empty."""
    turn = talk.handle("which of my workloads in dev restart the most and what should I do about it?")
    assert isinstance(turn, Answer) and turn.title == "Pods in dev"
    rows = turn.blocks[0].rows
    restarts = [int(r[3]) for r in rows]
    assert restarts == sorted(restarts, reverse=True) and rows[0][0].startswith("report-worker")


def test_a_typo_of_a_read_is_read_and_said_a_typo_of_a_write_is_offered(talk):
    turn = talk.handle("descibe biling-api")  # two typos: the keyword and the name
    assert isinstance(turn, Answer) and turn.title == "Deployment dev/billing-api"
    assert {"Taking `descibe` as `describe`.", "Taking `biling-api` as `billing-api`."} <= set(turn.notices)
    turn = talk.handle("restrat billing-api")
    assert isinstance(turn, Ask) and turn.slot == "intent" and values(turn) == ["restart"]
    turn = talk.handle("1")
    assert turn.kind == "plan" and "billing-api" in turn.summary


def test_ordinals_and_cancel_without_a_question_pending(talk):
    talk.handle("list pods in dev")
    second = talk.session.choices[1].command
    turn = talk.handle("the second one")
    assert isinstance(turn, Answer) and second.split(" -n ")[0].split()[-1] in turn.title
    assert "no choice 0" in talk.handle("0").title
    assert isinstance(talk.handle("show me the logs of cart-service"), Ask)
    assert isinstance(talk.handle("nevermind"), Answer) and talk.session.pending is None


def test_switching_cluster_is_confirmed_and_remembered(talk):
    turn = talk.handle("switch to prod-cluster")
    assert isinstance(turn, Answer) and "prod-cluster" in turn.title and talk.session.cluster == "prod-cluster"
    nodes = talk.handle("list nodes")
    assert "prod-node-3" in str(nodes.blocks)
    talk.handle("switch to dev-cluster")
    assert talk.session.cluster == "dev-cluster"


def test_understanding_reads_names_only_when_the_text_names_a_place(talk):
    talk.gateway.refresh_cache()
    talk.handle("list namespaces")
    assert talk.handle("list namespaces").source.from_cache is True  # now cached by the first answer
    talk.gateway.refresh_cache()
    assert talk.handle("list namespaces").source.from_cache is False  # understanding did not refill the cache


def test_switching_namespace_names_the_current_cluster(talk):
    turn = talk.handle("切换到 production")
    assert "dev-cluster" in turn.title and "production" in turn.title and talk.session.namespace == "production"


def test_a_number_outside_the_last_list_says_so_and_offers_the_menu(talk):
    talk.handle("list pods in dev")  # three follow-ups
    turn = talk.handle("9")
    assert isinstance(turn, Answer) and "no choice 9" in turn.title
    assert talk.handle("3").title == "Namespaces"  # the menu is what numbers pick now


def test_after_an_answer_with_no_list_a_number_is_the_quick_menu(talk):
    """"refresh cache" shows no numbered list: a bare number then means the quick menu, not an older answer's list."""
    talk.handle("list pods in dev")  # three follow-ups: 2 would describe the first pod
    assert talk.handle("refresh cache").suggestions == []
    assert talk.handle("2").title.startswith("Cluster status")  # quick command 2: the cluster overview
    talk.handle("list pods in dev")
    assert talk.handle("scale").kind == "ask" and talk.handle("cancel").title == "OK, cancelled."
    assert talk.handle("3").title == "Namespaces"


def test_the_progress_steps_are_said_in_the_sessions_language(talk):
    """What the spinner shows while a turn runs ("reading describe, events and logs of …") follows the session."""
    import re

    steps: list[str] = []
    talk.progress = steps.append
    talk.handle("为什么 report-worker 一直重启")
    talk.handle("查看 web-frontend 的事件")
    talk.handle("帮我看一下 cart-service-v1 的日志")
    assert len(steps) >= 3 and all(re.search(r"[\u4e00-\u9fff]", s) for s in steps), steps
    steps.clear()
    talk.handle("why is report-worker restarting")
    assert steps and steps[0].startswith("reading describe, events and logs of ")
