"""Slot filling: deterministic code, not prompt hope.

Each intent declares the slots it needs. A slot is filled from what the user said, then from context memory, then
from the cluster: the (cached) list reads give the candidates, filtered by what the user said. One candidate is
taken (and said); several become an ``Ask`` with numbered options; an open value (replicas, image) is asked for
with suggestions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.dialogue.extract import MAX_REPLICAS
from kubecopilot.dialogue.registry import FREE_SLOTS, Slot, spec
from kubecopilot.dialogue.session import EntityRef, PendingRequest, Session
from kubecopilot.dialogue.turns import Ask, Option
from kubecopilot.errors import CapabilityMissing, ToolFailed
from kubecopilot.messages import Language, say
from kubecopilot.tools.ports import Gateway

SYSTEM_NAMESPACE = re.compile(r"^(kube-|openshift-|istio-system$|cert-manager$)")
CLUSTER_SCOPED_OK = frozenset({"diagnose", "describe", "events", "fix", "show_yaml", "what_changed"})
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Mi|Gi|Ki|M|G|mi|gi|mb|gb)?\s*$")


class NothingToPick(Exception):
    """The cluster has no candidates at all for a slot (e.g. no pods in the namespace)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"no {what} in {where}")
        self.what, self.where = what, where


@dataclass
class Filled:
    """A slot value and how it was found (for the notice shown to the user)."""

    value: Any
    notice: str | None = None


@dataclass
class SlotFiller:
    gateway: Gateway
    session: Session
    notices: list[str] = field(default_factory=list)

    def fill(self, pending: PendingRequest) -> Ask | None:
        """Fill every slot of the pending request in order; the first one that needs the user becomes an Ask."""
        self._qualify(pending)
        for need in spec(pending.request.intent).slots:
            slot = need.slot
            if slot in pending.filled:
                continue
            result = self._filler(slot)(pending, need.optional)
            if isinstance(result, Ask):
                result.free_text = slot in FREE_SLOTS
                pending.slot = slot
                pending.options = pending.full_options = list(result.options)
                return result
            pending.filled[slot] = result.value
            if result.notice:
                self.notices.append(result.notice)
        return None

    def _qualify(self, p: PendingRequest) -> None:
        """An answer to "which pod / deployment / node?" for an object or workload slot is a bare name: it gets the
        kind that was asked (the handlers take "deployment/cart-service-v1", never a name without its kind)."""
        for slot in (Slot.OBJECT, Slot.WORKLOAD):
            value = p.filled.get(slot)
            if not isinstance(value, str) or not value or "/" in value:
                continue
            if p.request.kind == "node":
                kind = "node"
            else:
                names = [r.name for r in self._records("list_deployments", namespace=p.filled.get("namespace"), quiet=True)]
                kind = "deployment" if value in names else "pod"
            p.filled[slot] = f"{kind}/{value}"

    def _filler(self, slot: Slot) -> Callable[[PendingRequest, bool], Filled | Ask]:
        fillers: dict[Slot, Callable[[PendingRequest, bool], Filled | Ask]] = {
            Slot.NAMESPACE: self._namespace, Slot.POD: self._pod, Slot.DEPLOYMENT: self._deployment,
            Slot.OBJECT: self._object, Slot.WORKLOAD: self._workload, Slot.CONTAINER: self._container,
            Slot.REPLICAS: self._replicas, Slot.IMAGE: self._image, Slot.RESOURCES: self._resources,
        }
        return fillers[slot]

    # --- namespace -------------------------------------------------------------------------------------------

    def ask_again(self, p: PendingRequest) -> Filled | Ask:
        """The question of the slot ``p`` waits for, asked again (its options re-read)."""
        return self._filler(Slot(p.slot))(p, False)

    def _namespace(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        req = p.request
        if req.kind == "node" and p.request.intent in CLUSTER_SCOPED_OK:
            return Filled(None)  # nodes are cluster-scoped: nothing to ask
        if req.namespace:
            return Filled(req.namespace)
        if self.session.namespace and (not req.target or self._target_in(req.target, self.session.namespace)):
            return Filled(self.session.namespace)
        if optional or req.intent == "events" and not req.target:
            return Filled(None)
        return self.namespace_question(p)

    def namespace_question(self, p: PendingRequest, *, fresh: bool = False) -> Filled | Ask:
        """Which namespace: the ones that have what the person named first (one of them: taken, and said)."""
        req, lang = p.request, self.session.language
        namespaces = [r.name for r in self._records("list_namespaces", fresh=fresh)]
        counts = self._matches_per_namespace(req.target) if req.target else {}
        if req.target and len(counts) == 1:
            (only,) = counts
            return Filled(only, say("took_single", lang, what=_noun("namespace", lang), target=req.target, name=only))
        shown = [n for n in namespaces if not SYSTEM_NAMESPACE.match(n) or counts.get(n)]
        options = [
            Option(value=n, label=n, detail=say("matches_detail", lang, count=counts[n], target=req.target) if counts.get(n) else None)
            for n in shown
        ]
        hidden = len(namespaces) - len(shown)
        what = say("what_logs" if req.intent == "logs" else "what_generic", lang)
        question = say("ask_namespace_for", lang, what=what, target=f"`{req.target}`") if req.target else say("ask_namespace", lang)
        notices = [say("system_hidden", lang, count=hidden)] if hidden else []
        return Ask(question=question, slot="namespace", options=options, next_step=_next(req.intent, lang), notices=notices)

    def _matches_per_namespace(self, target: str) -> dict[str, int]:
        """Namespace → how many pods (else deployments) have ``target`` in their name, across the cluster."""
        for capability in ("list_pods", "list_deployments"):
            counts = Counter(r.namespace for r in self._records(capability, quiet=True)
                             if r.namespace and target.lower() in r.name.lower())
            if counts:
                return dict(counts)
        return {}

    def _target_in(self, target: str, namespace: str) -> bool:
        names = [r.name for r in self._records("list_pods", namespace=namespace, quiet=True)]
        names += [r.name for r in self._records("list_deployments", namespace=namespace, quiet=True)]
        return any(target.lower() in n.lower() for n in names)

    # --- named objects ---------------------------------------------------------------------------------------

    def _pod(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        return self._pick(p, "pod", "list_pods")

    def _deployment(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        return self._pick(p, "deployment", "list_deployments")

    def _object(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        """describe/events: a pod or a deployment, whichever the name says (kind when the user gave it)."""
        if optional and not p.request.target and not p.request.uses_context:
            return Filled(None)
        if p.request.kind == "node":
            return self._workload(p)
        kind = p.request.kind if p.request.kind in ("pod", "deployment") else self._kind_of(p)
        picked = self._pick(p, kind, "list_pods" if kind == "pod" else "list_deployments")
        return picked if isinstance(picked, Ask) else Filled(f"{kind}/{picked.value}", picked.notice)

    def _workload(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        """diagnose/fix: a deployment when the name is one, else a pod (or a node, when the user said node)."""
        if p.request.kind == "node":
            picked = self._pick(p, "node", "list_nodes")
            return picked if isinstance(picked, Ask) else Filled(f"node/{picked.value}", picked.notice)
        kind = p.request.kind if p.request.kind in ("pod", "deployment") else self._kind_of(p)
        picked = self._pick(p, kind, "list_pods" if kind == "pod" else "list_deployments")
        return picked if isinstance(picked, Ask) else Filled(f"{kind}/{picked.value}", picked.notice)

    def _kind_of(self, p: PendingRequest) -> str:
        target, ns = p.request.target, p.filled.get("namespace")
        if not target:
            last = self.session.last("pod", "deployment")
            return last.kind if last else "deployment"
        deployments = [r.name for r in self._records("list_deployments", namespace=ns, quiet=True)]
        if target in deployments or any(target in d for d in deployments):
            return "deployment"
        return "pod"

    def _pick(self, p: PendingRequest, kind: str, capability: str) -> Filled | Ask:
        req, lang, ns = p.request, self.session.language, p.filled.get("namespace")
        if not req.target:
            last = self._last(kind)
            if last and last.namespace == ns:
                return Filled(last.name, say("took_context", lang, name=last.name) if req.uses_context else None)
        records = self._records(capability, namespace=ns)
        if not records:
            raise NothingToPick(_noun(kind, lang), ns or "the cluster")
        names = [r.name for r in records]
        if req.target and req.target in names:
            return Filled(req.target)
        matching = [r for r in records if req.target and req.target.lower() in r.name.lower()]
        if len(matching) == 1:
            name = matching[0].name
            return Filled(name, say("took_single", lang, what=_noun(kind, lang), target=req.target, name=name))
        notices = []
        if req.target and not matching:
            notices.append(say("none_matching_node", lang, target=req.target) if kind == "node" else  # no namespace
                           say("none_matching", lang, what=_noun(kind, lang), namespace=ns, target=req.target))
        shown = matching or records
        options = [Option(value=r.name, label=r.name, detail=_detail(r, lang)) for r in shown]
        return Ask(question=self._question(kind, req, ns, len(shown), bool(matching)), slot=kind, options=options,
                   next_step=_next(req.intent, lang), notices=notices)

    def _last(self, kind: str) -> Any:
        """What the conversation was about, for a slot of ``kind``: a pod's Deployment when a Deployment is needed."""
        if kind != "deployment":
            return self.session.last(kind)
        last = self.session.last("deployment", "pod")
        if last is not None and last.kind == "pod":
            owner_kind, _, owner = (last.owner or "").partition("/")
            if owner_kind != "deployment":
                return self.session.last("deployment")
            return EntityRef("deployment", owner, last.namespace, last.cluster)
        return last

    def _question(self, kind: str, req: Any, ns: str | None, count: int, matched: bool) -> str:
        lang, logs = self.session.language, req.intent == "logs"
        if kind == "node":  # cluster-scoped: never "which deployment in `None`?"
            return say("ask_node", lang)
        if kind == "pod" and matched:
            return say("ask_pod_logs" if logs else "ask_pod", lang, namespace=ns, count=count, target=req.target)
        if kind == "pod":
            return say("ask_pod_any_logs" if logs else "ask_pod_any", lang, namespace=ns)
        if matched:
            return say("ask_workload", lang, namespace=ns, count=count, target=req.target)
        return say("ask_workload_any", lang, namespace=ns)

    # --- values ----------------------------------------------------------------------------------------------

    def _container(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        if p.request.container:
            return Filled(p.request.container)
        obj = self.object(p)
        names = [c["name"] for c in obj["spec"]["template"]["spec"]["containers"]]
        if len(names) == 1:
            return Filled(names[0])
        lang = self.session.language
        return Ask(question=say("ask_container", lang, name=p.filled["deployment"], count=len(names)), slot="container",
                   options=[Option(value=n, label=n) for n in names], next_step=_next(p.request.intent, lang))

    def _replicas(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        if p.request.replicas is not None:
            return Filled(p.request.replicas)
        current = int(self.object(p).get("spec", {}).get("replicas", 1))
        values = sorted({max(current - 1, 0), current + 1, current * 2} - {current})
        return Ask(question=say("ask_replicas", self.session.language, name=p.filled["deployment"], current=current),
                   slot="replicas", options=[Option(value=str(v), label=str(v)) for v in values])

    def _image(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        if p.request.image:
            return Filled(p.request.image)
        container = _container_of(self.object(p), p.filled["container"])
        return Ask(question=say("ask_image", self.session.language, name=p.filled["deployment"],
                                container=p.filled["container"], current=container.get("image")), slot="image")

    def _resources(self, p: PendingRequest, optional: bool = False) -> Filled | Ask:
        r = p.request
        limits = {k: v for k, v in (("memory", r.memory_limit), ("cpu", r.cpu_limit)) if v}
        requests = {k: v for k, v in (("memory", r.memory_request), ("cpu", r.cpu_request)) if v}
        if limits or requests:
            return Filled({"limits": limits, "requests": requests})
        container = _container_of(self.object(p), p.filled["container"])
        current = ((container.get("resources") or {}).get("limits") or {}).get("memory", "none")
        options = [Option(value=v, label=v) for v in ("256Mi", "512Mi", "1Gi")]
        return Ask(question=say("ask_memory", self.session.language, name=p.filled["deployment"],
                                container=p.filled["container"], current=current), slot="resources", options=options)

    # --- helpers ---------------------------------------------------------------------------------------------

    def object(self, p: PendingRequest) -> dict[str, Any]:
        """The deployment being changed, read once per request (kept on the pending request)."""
        if p.target_object is None:
            result = self.gateway.invoke("get_resource", kind="Deployment", name=p.filled["deployment"],
                                         namespace=p.filled["namespace"], cluster=self.session.cluster)
            p.target_object = result.data
        obj: dict[str, Any] = p.target_object or {}
        return obj

    def _records(self, capability: str, *, namespace: str | None = None, quiet: bool = False,
                 fresh: bool = False) -> list[Any]:
        slots: dict[str, Any] = {"cluster": self.session.cluster}
        if namespace:
            slots["namespace"] = namespace
        try:
            return list(self.gateway.records(capability, fresh=fresh, **slots).records)
        except (CapabilityMissing, ToolFailed):
            if quiet:
                return []
            raise


def parse_free_value(slot: str, text: str) -> Any:
    """Validate a typed answer to an open question; ``ValueError`` with a reason when it is not usable."""
    text = text.strip().strip("`")
    if slot == "replicas":
        m = re.search(r"\d+", text)
        if not m:
            raise ValueError("a number of replicas, e.g. 3")
        if len(m.group()) > 6 or int(m.group()) > MAX_REPLICAS:  # never truncated to its first digits
            raise ValueError(f"a number of replicas between 0 and {MAX_REPLICAS}")
        return int(m.group())
    if slot == "image":
        if not re.fullmatch(r"[\w.\-/]+(:[\w.\-]+)?(@sha256:[0-9a-f]{64})?", text):
            raise ValueError("an image like nginx:1.27-alpine")
        return text
    if slot == "resources":
        m = _QUANTITY.match(text)
        if not m:
            raise ValueError("a memory size like 256Mi")
        unit = {"mi": "Mi", "m": "Mi", "mb": "Mi", "gi": "Gi", "g": "Gi", "gb": "Gi", "ki": "Ki"}.get((m.group(2) or "Mi").lower())
        return {"limits": {"memory": f"{m.group(1)}{unit}"}, "requests": {}}
    return text


def _container_of(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def _detail(record: Any, lang: Language) -> str | None:
    parts = [record.status, say("detail_ready", lang, ready=record.ready) if record.ready else None,
             say("detail_restarts", lang, count=record.restarts) if record.restarts else None, record.age]
    text = " · ".join(str(p) for p in parts if p)
    return text or None


_NOUNS = {"pod": "noun_pod", "deployment": "noun_deployment", "namespace": "noun_namespace",
          "workload": "noun_workload", "node": "noun_node"}


def _noun(kind: str, lang: Language) -> str:
    return say(_NOUNS[kind], lang) if kind in _NOUNS else kind


def _next(intent: str, lang: Language) -> str:
    return say("next_logs" if intent == "logs" else "next_generic", lang)
