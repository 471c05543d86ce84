"""One cluster's objects, with the API server's bookkeeping: uid, resourceVersion, generation, timestamps.

Objects are plain Kubernetes-shaped dicts. ``peek``/``list`` hand out the stored dicts for reading (callers must
not modify them); ``get`` returns a private copy to change and pass back to ``update``. ``resourceVersion`` is one
counter for the whole cluster, as etcd's revision is, so a list's version tells whether anything changed.
"""

from __future__ import annotations

import pickle
import random
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar, cast

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import AlreadyExists, NotFound
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.timeutil import stamp

T = TypeVar("T")
Obj = dict[str, Any]
Objs = list[Obj]  # named outside the class: inside it, ``list`` is the Store's method
Key = tuple[str, str, str]  # (kind, namespace or "", name)

# Kinds whose metadata.generation the real API server maintains (bumped on spec changes).
_GENERATION_KINDS = {
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "HorizontalPodAutoscaler", "Ingress",
}
_FIRST_RESOURCE_VERSION = 10_000


def key_of(obj: Obj) -> Key:
    meta = obj["metadata"]
    return obj["kind"], meta.get("namespace") or "", meta["name"]


class Store:
    def __init__(self, rng: random.Random, now: Callable[[], datetime], uid_salt: int = 0) -> None:
        self._objects: dict[Key, Obj] = {}
        self._rng = rng
        self._uid_salt = uid_salt  # 0: the seed's uids; else this cluster's own (names stay the seed's)
        self._now = now
        self.revision = _FIRST_RESOURCE_VERSION

    # --- reads ------------------------------------------------------------------------------------------------

    def peek(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        return self._objects.get((kind, namespace or "", name))

    def require(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        found = self.peek(kind, name, namespace)
        if found is None:
            raise NotFound.of(kinds.by_kind(kind).resource, name, namespace)
        return found

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        return clone(self.require(kind, name, namespace))

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None) -> Objs:
        found = [
            obj
            for (k, ns, _), obj in self._objects.items()
            if k == kind and (namespace is None or ns == namespace)
            and (selector is None or selector.matches(obj["metadata"].get("labels") or {}))
        ]
        return sorted(found, key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))

    def owned_by(self, uid: str, kind: str | None = None) -> Objs:
        return [
            obj
            for obj in self._objects.values()
            if (kind is None or obj["kind"] == kind)
            and any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or ())
        ]

    def all(self) -> Iterable[Obj]:
        return list(self._objects.values())

    # --- writes -----------------------------------------------------------------------------------------------

    def create(self, obj: Obj) -> Obj:
        obj = clone(obj)
        key = key_of(obj)
        if key in self._objects:
            raise AlreadyExists.of(kinds.by_kind(key[0]).resource, key[2])
        meta = obj["metadata"]
        meta["uid"] = self.new_uid()
        meta["creationTimestamp"] = stamp(self._now())
        meta["resourceVersion"] = self._bump()
        for transient in ("deletionTimestamp", "managedFields", "selfLink"):
            meta.pop(transient, None)
        if obj["kind"] in _GENERATION_KINDS:
            meta["generation"] = 1
        self._objects[key] = obj
        return obj

    def update(self, obj: Obj) -> bool:
        """Store a changed copy; returns False (and bumps nothing) when it equals what is stored."""
        key = key_of(obj)
        current = self._objects.get(key)
        if current is None:
            raise NotFound.of(kinds.by_kind(key[0]).resource, key[2], key[1] or None)
        meta = {**obj["metadata"]}
        for kept in ("uid", "creationTimestamp", "resourceVersion", "generation"):
            if kept in current["metadata"]:
                meta[kept] = current["metadata"][kept]
        obj = {**obj, "metadata": meta}
        if obj == current:  # compared before copying: most reconcile writes change nothing
            return False
        obj = clone(obj)
        meta = obj["metadata"]
        if obj["kind"] in _GENERATION_KINDS and obj.get("spec") != current.get("spec"):
            meta["generation"] = current["metadata"].get("generation", 1) + 1
        meta["resourceVersion"] = self._bump()
        self._objects[key] = obj
        return True

    def delete(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        self.require(kind, name, namespace)
        self._bump()
        return self._objects.pop((kind, namespace or "", name))

    # --- helpers ----------------------------------------------------------------------------------------------

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128) ^ self._uid_salt, version=4))

    def snapshot(self) -> tuple[dict[Key, Obj], int, Any]:
        return clone(self._objects), self.revision, self._rng.getstate()

    def restore(self, state: tuple[dict[Key, Obj], int, Any]) -> None:
        objects, self.revision, rng_state = state
        self._objects = clone(objects)
        self._rng.setstate(rng_state)

    def _bump(self) -> str:
        self.revision += 1
        return str(self.revision)


def clone(data: T) -> T:
    """A deep copy of JSON-like data. A pickle round trip does the same job as ``copy.deepcopy`` several times
    faster, and the store copies every object it hands out (building the default world copies ~2000 of them)."""
    return cast(T, pickle.loads(pickle.dumps(data, pickle.HIGHEST_PROTOCOL)))
