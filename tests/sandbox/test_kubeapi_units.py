"""The Kubernetes API layer's pure parts: strategic merge patch, field selectors, paths, kubectl's ages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.kubeapi.columns import human_duration
from kubecopilot.sandbox.kubeapi.fields import FieldSelector
from kubecopilot.sandbox.kubeapi.paths import ResourcePath, parse
from kubecopilot.sandbox.kubeapi.smp import MERGE_KEYS, merge_diff, strategic_merge

POD_SPEC = {
    "containers": [
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "ports": [{"containerPort": 80, "name": "http"}], "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app"}]},
        {"name": "sidecar", "image": "side:1"},
    ],
    "volumes": [{"name": "cfg", "configMap": {"name": "app-config"}}],
    "tolerations": [{"key": "a", "operator": "Exists"}],
}


@pytest.mark.parametrize(("patch", "check"), [
    # containers merge by name: one container changes, the other stays
    ({"containers": [{"name": "app", "image": "app:2"}]},
     lambda r: [c["image"] for c in r["containers"]] == ["app:2", "side:1"] and len(r["containers"][0]["env"]) == 2),
    # env merges by name inside the matched container
    ({"containers": [{"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]},
     lambda r: r["containers"][0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]),
    # container ports merge by containerPort
    ({"containers": [{"name": "app", "ports": [{"containerPort": 9090, "name": "metrics"}]}]},
     lambda r: [p["containerPort"] for p in r["containers"][0]["ports"]] == [80, 9090]),
    # volumes by name, volumeMounts by mountPath
    ({"volumes": [{"name": "data", "emptyDir": {}}],
      "containers": [{"name": "app", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]},
     lambda r: [v["name"] for v in r["volumes"]] == ["cfg", "data"] and len(r["containers"][0]["volumeMounts"]) == 2),
    # lists without a merge key are replaced
    ({"tolerations": [{"key": "b", "operator": "Exists"}]}, lambda r: r["tolerations"] == [{"key": "b", "operator": "Exists"}]),
    # $patch: delete removes one element, null removes a field
    ({"containers": [{"name": "sidecar", "$patch": "delete"}], "volumes": None},
     lambda r: [c["name"] for c in r["containers"]] == ["app"] and "volumes" not in r),
    # $patch: replace replaces the whole list
    ({"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}, lambda r: r["containers"] == [{"name": "only", "image": "x"}]),
    # kubectl's $setElementOrder reorders
    ({"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}], "containers": [{"name": "app", "image": "app:3"}]},
     lambda r: [c["name"] for c in r["containers"]] == ["sidecar", "app"] and r["containers"][1]["image"] == "app:3"),
])
def test_strategic_merge_patch(patch: dict, check) -> None:
    original = {"spec": POD_SPEC}
    result = strategic_merge(original, {"spec": patch})
    assert check(result["spec"])
    assert original == {"spec": POD_SPEC}  # nothing modified in place


def test_strategic_merge_keys_cover_what_kubectl_patches() -> None:
    assert MERGE_KEYS["containers"] == ("name",) and MERGE_KEYS["volumeMounts"] == ("mountPath",)
    assert MERGE_KEYS["conditions"] == ("type",) and MERGE_KEYS["ports"] == ("containerPort", "port")
    service = strategic_merge({"ports": [{"port": 80, "targetPort": 8080}]}, {"ports": [{"port": 443, "targetPort": 8443}]})
    assert [p["port"] for p in service["ports"]] == [80, 443]
    merged = strategic_merge({"metadata": {"finalizers": ["a"]}}, {"metadata": {"finalizers": ["b", "a"]}})
    assert merged["metadata"]["finalizers"] == ["a", "b"]
    deleted = strategic_merge({"f": ["a", "b"]}, {"$deleteFromPrimitiveList/f": ["a"]})
    assert deleted == {"f": ["b"]}
    assert strategic_merge({"a": 1, "b": 2, "c": {"d": 1}}, {"$retainKeys": ["a", "c"], "c": {"e": 2}}) == {"a": 1, "c": {"d": 1, "e": 2}}


def test_a_merge_keyed_list_element_without_its_key_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="does not contain declared merge key: name"):
        strategic_merge({"containers": [{"name": "a"}]}, {"containers": [{"image": "x"}]})


def test_merge_diff_takes_one_object_to_the_other() -> None:
    from kubecopilot.sandbox.ops.generic import merge_patch

    old = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2], "gone": True}
    new = {"a": 1, "b": {"c": 5, "d": 3}, "e": [2], "added": {"x": 1}}
    diff = merge_diff(old, new)
    assert diff == {"gone": None, "b": {"c": 5}, "e": [2], "added": {"x": 1}}
    assert merge_patch(old, diff) == new


def test_field_selectors() -> None:
    pod = {"metadata": {"name": "p", "namespace": "dev"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    assert FieldSelector.parse("status.phase=Running,spec.nodeName==n1").matches(pod)
    assert not FieldSelector.parse("status.phase!=Running").matches(pod)
    assert FieldSelector.parse("spec.missing=").matches(pod)  # an absent field is the empty string
    event = {"involvedObject": {"kind": "Pod", "name": "p"}, "type": "Warning", "source": {"component": "kubelet"}}
    assert FieldSelector.parse("involvedObject.kind=Pod,involvedObject.name=p,type=Warning,source=kubelet").matches(event)
    assert FieldSelector.parse("metadata.name=x").value_of("metadata.name") == "x"
    with pytest.raises(BadRequest, match="invalid field selector"):
        FieldSelector.parse("status.phase")


@pytest.mark.parametrize(("path", "expected"), [
    ("api/v1/pods", ResourcePath("", "v1", "pods")),
    ("api/v1/namespaces", ResourcePath("", "v1", "namespaces")),
    ("api/v1/namespaces/dev", ResourcePath("", "v1", "namespaces", None, "dev")),
    ("api/v1/namespaces/dev/status", ResourcePath("", "v1", "namespaces", None, "dev", "status")),
    ("api/v1/namespaces/dev/pods/p/log", ResourcePath("", "v1", "pods", "dev", "p", "log")),
    ("apis/apps/v1/namespaces/dev/deployments/d/scale", ResourcePath("apps", "v1", "deployments", "dev", "d", "scale")),
    ("apis/storage.k8s.io/v1/storageclasses/standard", ResourcePath("storage.k8s.io", "v1", "storageclasses", None, "standard")),
])
def test_paths(path: str, expected: ResourcePath) -> None:
    assert parse(path) == expected


def test_unknown_paths_are_not_found() -> None:
    for path in ("", "api", "apis/apps", "api/v1/namespaces/dev/pods/p/log/extra", "foo/v1/pods"):
        with pytest.raises(NotFound):
            parse(path)


@pytest.mark.parametrize(("seconds", "shown"), [
    (-5, "<invalid>"), (45, "45s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (7200, "120m"), (3 * 3600 + 1200, "3h20m"),
    (26 * 3600, "26h"), (4 * 86400 + 5 * 3600, "4d5h"), (30 * 86400, "30d"), (3 * 365 * 86400, "3y"),
])
def test_ages_are_printed_like_kubectl(seconds: int, shown: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == shown
