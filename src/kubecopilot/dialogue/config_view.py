"""ConfigMaps and Secrets as an answer: names, types and keys — never a value.

"list secrets in dev", "configmaps in production", ``kubectl get cm,secret``: the objects of a namespace (or all).
"show the secrets of billing-api": the ones its pod template uses (env, envFrom, volumes, imagePullSecrets), read from
the workload itself — one it names that does not exist is said. Values are never put in the answer, neither in the
table nor in the data for scripts: the answer says so, and says whether the server itself returned them redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, Block, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads
from kubecopilot.k8s import age
from kubecopilot.messages import Language, say
from kubecopilot.tools.objects import ObjectReader

KINDS = {"configmap": "ConfigMap", "secret": "Secret"}
REDACTED = "<redacted>"  # what the sandbox's tools (and some servers) answer for every Secret value
_TITLE = {(): "title_config", ("ConfigMap",): "title_configmaps", ("Secret",): "title_secrets"}


@dataclass(frozen=True)
class Workload:
    kind: str  # "Deployment", "StatefulSet", "Pod"
    name: str
    namespace: str


def config(reads: Reads, session: Session, names: Names, namespace: str | None, target: str | None,
           kind: str | None) -> Answer:
    """The ConfigMaps and/or Secrets (``kind``: configmap, secret, None for both) of ``namespace`` (None: all), or
    the ones the workload ``target`` uses; a ``target`` that is no workload filters by name."""
    lang = session.language
    kinds = [KINDS[kind]] if kind in KINDS else list(KINDS.values())
    session.show_rows([])  # "the first one" never means a row of an older table
    objects = ObjectReader(reads.gateway, cluster=session.cluster)
    workload = _workload(names, target, namespace) if target else None
    if workload is not None:
        return _used_by(reads, objects, lang, workload, kinds)
    found, gaps = _read(reads, objects, kinds, namespace)
    where = namespace or say("all_namespaces", lang)
    title = say(_TITLE[tuple(kinds) if len(kinds) == 1 else ()], lang, where=where)
    notices: list[str] = []
    shown = [o for o in found if not target or target in _name(o)]
    if target and not shown:
        notices.append(say("no_config_matches", lang, target=target, where=where, count=len(found)))
        shown = found
    blocks: list[Block] = [_table(shown, all_namespaces=namespace is None)] if shown else [
        TextBlock(text=say("no_config_in", lang, where=where))]
    blocks += [TextBlock(text=gap) for gap in gaps]
    blocks.append(TextBlock(text=_values_said(found, lang)))
    return Answer(title=title, source=reads.source, blocks=blocks, notices=notices, data=_data(shown))


def _used_by(reads: Reads, objects: ObjectReader, lang: Language, workload: Workload, kinds: list[str]) -> Answer:
    """What one workload's pod template uses, as read from the workload; a name it uses that does not exist is said."""
    obj = objects.get(workload.kind, workload.name, workload.namespace) or {}
    reads.source.tools.append(reads.gateway.binding("get_resource", kind=workload.kind).tool)
    template = obj.get("spec", {}).get("template", {}).get("spec") if workload.kind != "Pod" else obj.get("spec")
    used = _references(template or {})
    where = f"{workload.kind} {workload.namespace}/{workload.name}"
    title = say("title_config_used_by", lang, what=_noun(kinds, lang), where=where)
    found, gaps = _read(reads, objects, kinds, workload.namespace)
    wanted = [(k, n) for k, n in used if k in kinds]
    shown = [o for o in found if (o.get("kind"), _name(o)) in set(wanted)]
    blocks: list[Block] = [_table(shown, all_namespaces=False)] if shown else []
    if not wanted:
        blocks.append(TextBlock(text=say("config_none_used", lang, name=workload.name, what=_noun(kinds, lang))))
    others = [f"{k} {n}" for k, n in used if k not in kinds]
    if others:
        blocks.append(TextBlock(text=say("config_also_uses", lang, name=workload.name, names=", ".join(others))))
    listed = {(o.get("kind"), _name(o)) for o in found}
    for missing_kind, missing in wanted:
        if (missing_kind, missing) not in listed and not gaps:
            blocks.append(TextBlock(text=say("config_missing", lang, kind=missing_kind, name=missing,
                                             namespace=workload.namespace)))
    blocks += [TextBlock(text=gap) for gap in gaps]
    blocks.append(TextBlock(text=_values_said(shown, lang)))
    return Answer(title=title, source=reads.source, blocks=blocks,
                  data={**_data(shown), "usedBy": {"kind": workload.kind, "namespace": workload.namespace,
                                                   "name": workload.name},
                        "uses": [{"kind": k, "name": n} for k, n in used]})


def _read(reads: Reads, objects: ObjectReader, kinds: list[str], namespace: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    found: list[dict[str, Any]] = []
    gaps: list[str] = []
    for kind in kinds:
        listed = objects.objects(kind, namespace=namespace)
        for tool in listed.tools:
            if tool not in reads.source.tools:
                reads.source.tools.append(tool)
        found += [{**o, "kind": kind} for o in listed.items]
        gaps += listed.gaps
    return sorted(found, key=lambda o: (str(o.get("metadata", {}).get("namespace")), o["kind"], _name(o))), gaps


def _workload(names: Names, target: str, namespace: str | None) -> Workload | None:
    """The one Deployment (else Pod) named exactly ``target`` (in ``namespace``, when one was given)."""
    for kind, api_kind in (("deployment", "Deployment"), ("pod", "Pod")):
        hits = [n for n in names.of(kind) if n.name == target and (namespace is None or n.namespace == namespace)]
        if len(hits) == 1 and hits[0].namespace:
            return Workload(api_kind, hits[0].name, hits[0].namespace)
    return None


def _references(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret a pod spec uses, in the order it names them."""
    found: list[tuple[str, str]] = []
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            found += [(kind, str(ref["name"])) for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret"))
                      for ref in [source.get(key)] if ref and ref.get("name")]
        for env_from in container.get("envFrom") or []:
            found += [(kind, str(ref["name"])) for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret"))
                      for ref in [env_from.get(key)] if ref and ref.get("name")]
    for volume in spec.get("volumes") or []:
        if (volume.get("configMap") or {}).get("name"):
            found.append(("ConfigMap", str(volume["configMap"]["name"])))
        if (volume.get("secret") or {}).get("secretName"):
            found.append(("Secret", str(volume["secret"]["secretName"])))
    found += [("Secret", str(s["name"])) for s in spec.get("imagePullSecrets") or [] if s.get("name")]
    return list(dict.fromkeys(found))


def _table(objects: list[dict[str, Any]], *, all_namespaces: bool) -> TableBlock:
    """NAMESPACE (all namespaces), KIND (both kinds), NAME, TYPE (Secrets), KEYS, AGE: never a value."""
    kinds = len({o["kind"] for o in objects}) > 1
    typed = any(o["kind"] == "Secret" for o in objects)  # a ConfigMap has no type
    columns = ((["NAMESPACE"] if all_namespaces else []) + (["KIND"] if kinds else []) + ["NAME"] +
               (["TYPE"] if typed else []) + ["KEYS", "AGE"])
    rows = [([str(_meta(o, "namespace") or "")] if all_namespaces else []) + ([o["kind"]] if kinds else []) +
            [_name(o)] + ([str(o.get("type") or "-")] if typed else []) +
            [", ".join(_keys(o)) or "-", age(str(_meta(o, "creationTimestamp") or "")) or ""] for o in objects]
    return TableBlock(columns=columns, rows=rows)


def _values_said(objects: list[dict[str, Any]], lang: Language) -> str:
    """That no value is shown; and, when every Secret value read was redacted by the server, that too."""
    values = [v for o in objects if o["kind"] == "Secret" for part in ("data", "stringData") for v in (o.get(part) or {}).values()]
    if values and all(v == REDACTED for v in values):
        return say("config_values_redacted", lang)
    return say("config_values_hidden", lang)


def _data(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """For scripts: the same names, types and keys (never a value)."""
    def entry(o: dict[str, Any]) -> dict[str, Any]:
        item = {"namespace": _meta(o, "namespace"), "name": _name(o), "keys": _keys(o)}
        return {**item, "type": o.get("type")} if o["kind"] == "Secret" else item

    return {"configmaps": [entry(o) for o in objects if o["kind"] == "ConfigMap"],
            "secrets": [entry(o) for o in objects if o["kind"] == "Secret"]}


def _keys(obj: dict[str, Any]) -> list[str]:
    return sorted({*(obj.get("data") or {}), *(obj.get("binaryData") or {}), *(obj.get("stringData") or {})})


def _noun(kinds: list[str], lang: Language) -> str:
    return say({"ConfigMap": "noun_configmaps", "Secret": "noun_secrets"}[kinds[0]] if len(kinds) == 1 else "noun_config",
               lang)


def _name(obj: dict[str, Any]) -> str:
    return str(_meta(obj, "name") or "")


def _meta(obj: dict[str, Any], key: str) -> Any:
    return (obj.get("metadata") or {}).get(key)
