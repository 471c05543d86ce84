"""A kubectl command typed into the chat is read as what it means: ``kubectl get pods -n dev`` lists the pods of dev.

Only the commands KubeCopilot can answer are translated (get, describe, logs, top, rollout, scale, delete pod, set
image, config use-context, cluster-info); anything else is left to the rules, which then say they are not sure. A
ConfigMap or a Secret is always read as its names and keys (``list_config``), never as YAML or a describe that could
carry a value. The REPL's slash commands typed where a sentence is expected (``kubecopilot ask "/ns dev"``) are read
the same way: ``/ns NAME``, ``/cluster NAME``, ``/context``, ``/help``, ``/menu``, ``/refresh``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

_KINDS = {
    "pod": "pod", "pods": "pod", "po": "pod",
    "deployment": "deployment", "deployments": "deployment", "deploy": "deployment", "deploys": "deployment",
    "node": "node", "nodes": "node", "no": "node",
    "namespace": "namespace", "namespaces": "namespace", "ns": "namespace",
    "service": "service", "services": "service", "svc": "service",
    "event": "event", "events": "event", "ev": "event",
    "statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset",
    "configmap": "configmap", "configmaps": "configmap", "cm": "configmap", "secret": "secret", "secrets": "secret",
}
_LISTS = {"pod": "list_pods", "deployment": "list_deployments", "node": "list_nodes", "namespace": "list_namespaces",
          "service": "list_services", "event": "events", "statefulset": "list_pods", "configmap": "list_config",
          "secret": "list_config"}
_CONFIG = frozenset({"configmap", "secret"})
_MANY_FLAGS = frozenset({"--all", "-l", "--selector", "--field-selector", "-A", "--all-namespaces"})
_SLASH = {"/context": "context", "/help": "help", "/menu": "menu", "/refresh": "refresh_cache"}
_VALUE_FLAGS = {"-n", "--namespace", "-c", "--container", "--replicas", "--context", "--cluster", "-o", "--output",
                "--tail", "-l", "--selector", "--since"}


@dataclass(frozen=True)
class Command:
    """What a kubectl line asks for, in the reader's terms."""

    intent: str
    kind: str | None = None
    names: tuple[str, ...] = ()
    namespace: str | None = None
    cluster: str | None = None
    container: str | None = None
    previous: bool = False
    replicas: int | None = None
    image: str | None = None
    flags: dict[str, str] = field(default_factory=dict)


def translate(text: str) -> Command | None:
    """The command a ``kubectl …`` line means; None when the text is no kubectl command (or one not answered)."""
    tokens = text.split()
    if tokens and tokens[0].startswith("/"):
        return _slash(tokens[0].lower(), tokens[1:])
    if len(tokens) < 2 or tokens[0].lower() != "kubectl":
        return None
    args, flags = _split(tokens[1:])
    if not args:
        return None
    command = _command(args[0].lower(), args[1:], flags)
    if command is None:
        return None
    return replace(command, namespace=flags.get("-n") or flags.get("--namespace"),
                   cluster=command.cluster or flags.get("--context") or flags.get("--cluster"), flags=flags)


def _slash(name: str, rest: list[str]) -> Command | None:
    """``/ns dev`` → work in dev; ``/cluster prod-cluster`` → on prod-cluster; without a name: where we are."""
    if name in ("/ns", "/namespace", "/cluster"):
        if not rest:
            return Command("context")
        if name == "/cluster":
            return Command("switch_context", cluster=rest[0])
        return Command("switch_context", namespace=rest[0])
    intent = _SLASH.get(name)
    return Command(intent) if intent else None


def _command(verb: str, rest: list[str], flags: dict[str, str]) -> Command | None:
    if verb in ("get", "describe", "top") and rest and "," in rest[0]:  # "kubectl get cm,secret"
        kinds = {_KINDS.get(k) for k in rest[0].lower().split(",")}
        if kinds <= _CONFIG:
            return Command("list_config", kind=next(iter(kinds)) if len(kinds) == 1 else None, names=tuple(rest[1:]))
        rest = [rest[0].split(",")[0], *rest[1:]]
    if verb == "top":
        kind, names = _object(rest)
        return Command("usage", kind=kind, names=names) if kind in ("pod", "node") else None
    if verb in ("get", "describe"):
        kind, names = _object(rest)
        yaml = (flags.get("-o") or flags.get("--output") or "") in ("yaml", "json")
        if kind is None:
            return None
        if kind in _CONFIG:  # names and keys only: a Secret's YAML or describe could carry its values
            return Command("list_config", kind=kind, names=names)
        if names:
            intent = "show_yaml" if yaml else "describe"
            return Command(intent, kind=kind, names=names)
        return Command(_LISTS.get(kind, "list_pods"), kind=kind)
    if verb == "logs":
        kind, names = _object(rest, default="pod")
        return Command("logs", kind=kind, names=names, container=flags.get("-c") or flags.get("--container"),
                       previous="-p" in flags or "--previous" in flags)
    if verb == "rollout" and rest:
        action = {"restart": "restart", "undo": "rollback", "history": "what_changed", "status": "describe"}
        kind, names = _object(rest[1:], default="deployment")
        rollout = action.get(rest[0].lower())
        return Command(rollout, kind=kind, names=names) if rollout else None
    if verb == "scale":
        kind, names = _object(rest, default="deployment")
        replicas = flags.get("--replicas", "")
        return Command("scale", kind=kind, names=names, replicas=int(replicas) if replicas.isdigit() and len(replicas) <= 6
                       else None)
    if verb == "delete" and rest:  # of any kind: the whitelist then refuses what is not a pod, before any question
        kind, names = _object(rest)
        if kind and (_MANY_FLAGS & flags.keys() or len(names) > 1):
            return Command("change_many", kind=kind, names=names)  # "--all", "-l app=x", "a b c": refused, one at a time
        return Command("delete_pod", kind=kind, names=names) if kind else None
    if verb == "set" and rest[:1] == ["image"]:
        kind, names = _object(rest[1:2], default="deployment")
        container, _, image = (rest[2] if len(rest) > 2 else "").partition("=")
        return Command("set_image", kind=kind, names=names, container=container or None, image=image or None)
    if verb == "config" and rest[:1] == ["use-context"] and len(rest) > 1:
        return Command("switch_context", cluster=rest[1])
    if verb == "cluster-info":
        return Command("cluster_status")
    return None


def _split(tokens: list[str]) -> tuple[list[str], dict[str, str]]:
    """Positional arguments and flags (``-n dev``, ``--namespace=dev``, ``-A``, ``-p``)."""
    args: list[str] = []
    flags: dict[str, str] = {}
    it = iter(tokens)
    for token in it:
        if token.startswith("-") and len(token) > 1:
            name, eq, value = token.partition("=")
            if eq:
                flags[name] = value
            elif name in _VALUE_FLAGS:
                flags[name] = next(it, "")
            elif re.fullmatch(r"-o\w+", name):  # -oyaml
                flags["-o"] = name[2:]
            else:
                flags[name] = ""
        else:
            args.append(token)
    return args, flags


def _object(rest: list[str], default: str | None = None) -> tuple[str | None, tuple[str, ...]]:
    """``pods``, ``pod x``, ``pod/x``, ``deploy/x``, or a bare name (with ``default`` as its kind)."""
    if not rest:
        return default, ()
    first = rest[0].lower()
    kind_word, slash, name = first.partition("/")
    if slash and kind_word in _KINDS:
        return _KINDS[kind_word], (name, *rest[1:])
    if first in _KINDS:
        return _KINDS[first], tuple(rest[1:])
    return default, tuple(rest) if default else ()
