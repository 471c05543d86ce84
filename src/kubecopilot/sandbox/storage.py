"""Claims and volumes, as the PV controller and a CSI provisioner would handle them.

A claim binds to a volume provisioned for it by its StorageClass. It stays Pending, with the controller's event,
when it names a class the cluster does not have (``ProvisioningFailed``) or asks for static binding
(``storageClassName: ""``) and no Available volume fits (``FailedBinding``). A cluster that defines no StorageClass
at all has GKE's built-in classes (``standard`` the default, ``standard-rwo``, ``premium-rwo``): the sandbox's
simplification, so scenarios need not declare them.
A released volume of a deleted claim is deleted or kept Released by its reclaim policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox.events import EventSpec
from kubecopilot.sandbox.podstatus import retries
from kubecopilot.sandbox.quantity import mebibytes
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

IMPLICIT_CLASSES = ("standard", "standard-rwo", "premium-rwo")  # the first is the default
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
PROVISIONER = "pd.csi.storage.gke.io"


def sync_claims(c: Cluster) -> None:
    for pvc in c.store.list("PersistentVolumeClaim"):
        if (pvc.get("status") or {}).get("phase") != "Bound":
            _bind(c, pvc)
    _release_volumes(c)


def claim_bound(c: Cluster, namespace: str, name: str) -> bool:
    claim = c.store.peek("PersistentVolumeClaim", name, namespace)
    return claim is not None and (claim.get("status") or {}).get("phase") == "Bound"


def _bind(c: Cluster, pvc: Obj) -> None:
    claim_class = pvc["spec"].get("storageClassName")
    if claim_class is None:
        claim_class = _default_class(c)
    if claim_class == "":
        volume = _static_volume(c, pvc)
        if volume is None:
            _pending(c, pvc, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
            return
    elif not _class_exists(c, claim_class):
        _pending(c, pvc, "ProvisioningFailed", f'storageclass.storage.k8s.io "{claim_class}" not found')
        return
    else:
        volume = _provisioned_volume(c, pvc, claim_class)
    _mark_bound(c, pvc, volume, claim_class)


def _default_class(c: Cluster) -> str:
    classes = c.store.list("StorageClass")
    if not classes:
        return IMPLICIT_CLASSES[0]
    marked = [sc for sc in classes if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    return marked[0]["metadata"]["name"] if marked else ""


def _class_exists(c: Cluster, name: str) -> bool:
    classes = c.store.list("StorageClass")
    return (not classes and name in IMPLICIT_CLASSES) or any(sc["metadata"]["name"] == name for sc in classes)


def _size(pvc: Obj) -> str:
    return str(pvc["spec"].get("resources", {}).get("requests", {}).get("storage", "1Gi"))


def _static_volume(c: Cluster, pvc: Obj) -> Obj | None:
    """An Available volume without a class, big enough and with the access modes asked for."""
    wanted_modes = set(pvc["spec"].get("accessModes") or ["ReadWriteOnce"])
    for pv in c.store.list("PersistentVolume"):
        spec = pv["spec"]
        if spec.get("claimRef") or spec.get("storageClassName", "") != "":
            continue
        if mebibytes(spec.get("capacity", {}).get("storage")) < mebibytes(_size(pvc)):
            continue
        if wanted_modes <= set(spec.get("accessModes") or []):
            return pv
    return None


def _provisioned_volume(c: Cluster, pvc: Obj, storage_class: str) -> Obj:
    ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
    volume = pvc["spec"].get("volumeName") or f"pvc-{pvc['metadata']['uid']}"
    existing = c.store.peek("PersistentVolume", volume)
    if existing is not None:
        return existing
    return c.store.create({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": volume, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER}},
        "spec": {"capacity": {"storage": _size(pvc)}, "accessModes": pvc["spec"].get("accessModes", ["ReadWriteOnce"]),
                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": storage_class, "volumeMode": "Filesystem",
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                              "uid": pvc["metadata"]["uid"], "apiVersion": "v1"},
                 "csi": {"driver": PROVISIONER, "volumeHandle": f"projects/sandbox/zones/zone-a/disks/{volume}"}},
        "status": {"phase": "Bound"},
    })


def _mark_bound(c: Cluster, pvc: Obj, volume: Obj, storage_class: str) -> None:
    ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
    if not volume["spec"].get("claimRef") or (volume.get("status") or {}).get("phase") != "Bound":
        pv = c.store.get("PersistentVolume", volume["metadata"]["name"])
        pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                                  "uid": pvc["metadata"]["uid"], "apiVersion": "v1"}
        pv["status"] = {"phase": "Bound"}
        c.store.update(pv)
    claim = c.store.get("PersistentVolumeClaim", name, ns)
    modes = claim["spec"].get("accessModes", ["ReadWriteOnce"])
    claim["spec"]["volumeName"] = volume["metadata"]["name"]
    claim["spec"].setdefault("storageClassName", storage_class)
    claim["status"] = {"phase": "Bound", "accessModes": modes,
                       "capacity": {"storage": volume["spec"].get("capacity", {}).get("storage", _size(claim))}}
    c.store.update(claim)


def _pending(c: Cluster, pvc: Obj, reason: str, message: str) -> None:
    if (pvc.get("status") or {}).get("phase") != "Pending":
        claim = c.store.get("PersistentVolumeClaim", pvc["metadata"]["name"], pvc["metadata"]["namespace"])
        claim["status"] = {"phase": "Pending"}
        c.store.update(claim)
    created, now = parse_stamp(pvc["metadata"]["creationTimestamp"]), c.now()
    count = retries((now - created).total_seconds())
    c.events.observe(pvc, EventSpec(reason, message, "Warning", "persistentvolume-controller", count, created, now))


def _release_volumes(c: Cluster) -> None:
    for pv in c.store.list("PersistentVolume"):
        ref: dict[str, Any] | None = pv["spec"].get("claimRef")
        if ref and c.store.peek("PersistentVolumeClaim", ref["name"], ref["namespace"]) is None:
            if pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
                c.store.delete("PersistentVolume", pv["metadata"]["name"])
            elif pv["status"].get("phase") != "Released":
                released = c.store.get("PersistentVolume", pv["metadata"]["name"])
                released["status"] = {"phase": "Released"}
                c.store.update(released)
