"""The write gate: a write reaches the server only with an ``Approval`` this registry issued.

``grant`` is called only by the plan service, after a person approved a plan; it returns an opaque random token
bound to one plan, one resource (kind, namespace, name, cluster) and — when the plan service lists them — the exact
calls (tool + arguments) the executor will make for the plan's steps and their rollbacks, for a limited time.
``check`` refuses everything else: no token, a forged or revoked one, an expired one, a call aimed at another
resource or cluster (a token without a cluster covers only calls that name none), or any call that is not one of
the plan's — another tool on the same object, other arguments, a patch that is not the approved one.
Refusals are ``WriteRefused`` with a machine-readable reason,
so an agent gets them back as data.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kubecopilot.errors import WriteRefused
from kubecopilot.k8s import names_cluster, names_namespace
from kubecopilot.tools.catalog import KIND_ARGS, name_tokens

_KIND_ALIASES = {
    "po": "pod",
    "deploy": "deployment",
    "sts": "statefulset",
    "ds": "daemonset",
    "rs": "replicaset",
    "svc": "service",
    "cm": "configmap",
    "ns": "namespace",
    "no": "node",
    "cj": "cronjob",
}
# Tool-name words that say which kind a kind-less tool changes (``delete_pod``, ``scale_deployment``).
_KIND_WORDS = {
    "pod",
    "pods",
    "deployment",
    "deployments",
    "statefulset",
    "statefulsets",
    "daemonset",
    "daemonsets",
    "service",
    "services",
    "namespace",
    "namespaces",
    "node",
    "nodes",
    "configmap",
    "configmaps",
}


@dataclass(frozen=True)
class Approval:
    plan_id: str
    kind: str
    namespace: str | None
    name: str
    cluster: str | None
    expires_at: float
    token: str = field(repr=False)
    calls: frozenset[str] | None = field(default=None, repr=False)  # fingerprints of the approved calls

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name} (plan {self.plan_id})"


class ApprovalRegistry:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._issued: dict[str, Approval] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def grant(
        self,
        plan_id: str,
        *,
        kind: str,
        namespace: str | None,
        name: str,
        cluster: str | None = None,
        ttl_s: float = 600,
        calls: Iterable[tuple[str, Mapping[str, Any]]] | None = None,
    ) -> Approval:
        """Issue a token for one approved plan. Only the plan service calls this, after a person said yes.

        ``calls``: the (tool, arguments) pairs the plan's execution may send; with them, nothing else passes.
        """
        bound = frozenset(call_fingerprint(t, a) for t, a in calls) if calls is not None else None
        approval = Approval(plan_id, kind, namespace, name, cluster, self._clock() + ttl_s,
                            secrets.token_urlsafe(24), bound)
        with self._lock:
            self._issued[approval.token] = approval
        return approval

    def revoke(self, approval: Approval) -> None:
        with self._lock:
            if self._issued.pop(approval.token, None) is not None:
                self._revoked.add(approval.token)

    def check(self, approval: Approval | None, tool: str, args: Mapping[str, Any]) -> None:
        """Return quietly when ``approval`` covers this call; raise ``WriteRefused`` otherwise."""
        if approval is None:
            raise _refused(
                tool,
                "no_approval",
                f"{tool} changes the cluster and needs an approved plan",
                "describe the change you want; KubeCopilot turns it into a plan for you to approve",
            )
        self._check_token(approval, tool)
        problem = target_mismatch(approval, tool, args)
        if problem:
            raise _refused(
                tool,
                "wrong_target",
                f"the approval for {approval.describe()} does not cover this {tool} call: {problem}",
                "make a plan for the resource you want to change",
                approval,
            )
        if approval.calls is not None and call_fingerprint(tool, args) not in approval.calls:
            raise _refused(
                tool,
                "not_in_plan",
                f"the approval for {approval.describe()} does not cover this {tool} call: it is not one of the "
                "calls the approved plan makes",
                "a token authorises exactly the approved plan's steps; make a plan for this change",
                approval,
            )

    def _check_token(self, approval: Approval, tool: str) -> None:
        with self._lock:
            issued = self._issued.get(approval.token)
            revoked = approval.token in self._revoked
        if revoked:
            raise _refused(
                tool,
                "revoked",
                f"the approval for {approval.describe()} was revoked",
                "the plan was already executed or cancelled; make a new plan",
                approval,
            )
        if issued is None or issued != approval:
            raise _refused(
                tool,
                "unknown_token",
                f"{tool} was given an approval this session did not issue",
                "only the plan approval flow can authorise a write",
                approval,
            )
        if self._clock() >= approval.expires_at:
            raise _refused(
                tool,
                "expired",
                f"the approval for {approval.describe()} has expired",
                "re-run the plan so it is checked against the cluster again",
                approval,
            )


def target_mismatch(approval: Approval, tool: str, args: Mapping[str, Any]) -> str | None:
    """Why this call is not aimed at the approved resource, or None when it is."""
    for key, value in args.items():
        lowered = key.lower()
        if names_namespace(lowered) and value and value != approval.namespace:
            return f"namespace {value!r} is not {approval.namespace!r}"
        if names_cluster(lowered) and value and value != approval.cluster:
            # A token without a cluster was approved for the default one; naming another is not covered.
            return f"cluster {value!r} is not {approval.cluster or 'the default cluster'!r}"
    called_kind = _called_kind(tool, args)
    if called_kind and called_kind != normal_kind(approval.kind):
        return f"it acts on a {called_kind}, the plan is about a {approval.kind}"
    documents = list(documents_in(args))
    for doc in documents:
        problem = _document_mismatch(doc, approval)
        if problem:
            return problem
    if approval.name not in set(_leaf_strings(args)) and not any(_doc_name(d) == approval.name for d in documents):
        return f"{approval.name!r} appears nowhere in its arguments"
    says_namespace = any(names_namespace(k) and v for k, v in args.items()) or any(
        (d.get("metadata") or {}).get("namespace") for d in documents
    )
    if approval.namespace and not says_namespace:
        # Without it the server would act in its own default namespace, which may hold a namesake.
        return f"it does not name the namespace {approval.namespace!r}"
    return None


def call_fingerprint(tool: str, args: Mapping[str, Any]) -> str:
    """A canonical text of one call (tool + arguments, keys sorted) to compare approved and attempted calls."""
    return json.dumps([tool, _without_controller_fields(args)], sort_keys=True, separators=(",", ":"), default=str)


def _without_controller_fields(args: Mapping[str, Any]) -> dict[str, Any]:
    # A full-object apply carries annotations a controller bumps between steps (the rollout revision); they are
    # not part of what the person approved and must not make the plan's own rollback unmatchable.
    out = dict(args)
    for key, value in args.items():
        if isinstance(value, Mapping) and isinstance(value.get("metadata"), Mapping):
            meta = dict(value["metadata"])
            annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _CONTROLLER_ANNOTATIONS}
            meta["annotations"] = annotations
            out[key] = {**value, "metadata": meta}
    return out


_CONTROLLER_ANNOTATIONS = frozenset({"deployment.kubernetes.io/revision"})


def normal_kind(kind: str) -> str:
    k = kind.lower().split("/")[-1]
    k = _KIND_ALIASES.get(k, k)
    return k[:-1] if k.endswith("s") and k not in {"ingress", "endpoints"} else k


def _called_kind(tool: str, args: Mapping[str, Any]) -> str | None:
    for name in KIND_ARGS:
        if isinstance(args.get(name), str) and args[name]:
            return normal_kind(args[name])
    words = [t for t in name_tokens(tool) if t in _KIND_WORDS]
    return normal_kind(words[0]) if words else None


def documents_in(args: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Kubernetes objects inside the arguments: dicts with kind+metadata, or YAML/JSON strings holding them."""
    for value in args.values():
        if isinstance(value, Mapping) and "metadata" in value and "kind" in value:
            yield value
        elif isinstance(value, str) and ("kind" in value and "metadata" in value):
            for doc in _load_documents(value):
                if isinstance(doc, Mapping) and "kind" in doc:
                    yield doc


def _load_documents(text: str) -> list[Any]:
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return []


def _document_mismatch(doc: Mapping[str, Any], approval: Approval) -> str | None:
    meta = doc.get("metadata") or {}
    if normal_kind(str(doc.get("kind", ""))) != normal_kind(approval.kind):
        return f"its manifest holds a {doc.get('kind')}, the plan is about a {approval.kind}"
    if meta.get("name") != approval.name:
        return f"its manifest names {meta.get('name')!r}, the plan is about {approval.name!r}"
    if meta.get("namespace") and meta["namespace"] != approval.namespace:
        return f"its manifest is in namespace {meta['namespace']!r}, the plan is about {approval.namespace!r}"
    return None


def _doc_name(doc: Mapping[str, Any]) -> Any:
    return (doc.get("metadata") or {}).get("name")


def _leaf_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _leaf_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaf_strings(v)


def _refused(tool: str, reason: str, message: str, hint: str, approval: Approval | None = None) -> WriteRefused:
    details: dict[str, Any] = {"tool": tool, "reason": reason}
    if approval is not None:
        details["plan_id"] = approval.plan_id
    return WriteRefused(message, hint=hint, **details)
