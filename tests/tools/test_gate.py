"""The approval registry: only tokens it issued, unexpired and unrevoked, aimed at the approved resource, pass."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from kubecopilot.errors import WriteRefused
from kubecopilot.testing.clock import FakeClock
from kubecopilot.tools.gate import ApprovalRegistry


@pytest.fixture
def clock():
    return FakeClock(0.0)


@pytest.fixture
def registry(clock):
    return ApprovalRegistry(clock=clock)


@pytest.fixture
def approval(registry):
    return registry.grant("plan-1", kind="Deployment", namespace="dev", name="cart", ttl_s=60)


def refused(registry, approval, tool, args) -> WriteRefused:
    with pytest.raises(WriteRefused) as err:
        registry.check(approval, tool, args)
    return err.value


def test_a_write_without_approval_is_refused_with_a_structured_error(registry):
    err = refused(registry, None, "scale_deployment", {"namespace": "dev", "deployment_name": "cart", "replicas": 5})
    data = err.to_dict()
    assert data["error"] == "write_refused"
    assert data["details"] == {"tool": "scale_deployment", "reason": "no_approval"}
    assert "approved plan" in data["message"] and data["hint"]


def test_an_issued_token_passes_for_its_resource(registry, approval):
    registry.check(approval, "scale_deployment", {"namespace": "dev", "deployment_name": "cart", "replicas": 5})
    registry.check(
        approval,
        "patch_resource",
        {
            "kind": "Deployment",
            "name": "cart",
            "namespace": "dev",
            "patch": json.dumps([{"op": "replace", "path": "/spec/replicas", "value": 2}]),
        },
    )
    manifest = yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "cart", "namespace": "dev"},
            "spec": {"replicas": 2},
        }
    )
    registry.check(approval, "apply_manifest", {"manifest": manifest})


@pytest.mark.parametrize(
    ("tool", "args", "why"),
    [
        ("scale_deployment", {"namespace": "prod", "deployment_name": "cart", "replicas": 5}, "namespace"),
        ("scale_deployment", {"namespace": "dev", "deployment_name": "billing", "replicas": 5}, "appears nowhere"),
        ("scale_deployment", {"deployment_name": "cart", "replicas": 5}, "does not name the namespace"),
        ("delete_pod", {"namespace": "dev", "pod_name": "cart"}, "acts on a pod"),
        ("patch_resource", {"kind": "Service", "name": "cart", "namespace": "dev", "patch": "[]"}, "acts on a service"),
        (
            "apply_manifest",
            {"manifest": "kind: Deployment\nmetadata: {name: billing, namespace: dev}\n"},
            "names 'billing'",
        ),
        (
            "apply_manifest",
            {"manifest": "kind: Deployment\nmetadata: {name: cart, namespace: prod}\n"},
            "namespace 'prod'",
        ),
        # an approved document with a second, unapproved one smuggled in
        (
            "apply_manifest",
            {
                "manifest": "kind: Deployment\nmetadata: {name: cart, namespace: dev}\n---\n"
                "kind: Deployment\nmetadata: {name: billing, namespace: dev}\n"
            },
            "billing",
        ),
        ("scale_deployment", {"namespace": "dev", "deployment_name": "cart", "replicas": 5, "cluster": "other"}, None),
    ],
)
def test_a_token_for_another_resource_is_refused(registry, clock, tool, args, why):
    scoped = registry.grant("plan-2", kind="Deployment", namespace="dev", name="cart", cluster="main")
    err = refused(registry, scoped, tool, args)
    assert err.details["reason"] == "wrong_target"
    assert err.details["plan_id"] == "plan-2"
    if why:
        assert why in err.message


def test_expired_tokens_are_refused(registry, approval, clock):
    args = {"namespace": "dev", "deployment_name": "cart", "replicas": 5}
    clock.now = 59
    registry.check(approval, "scale_deployment", args)
    clock.now = 60
    assert refused(registry, approval, "scale_deployment", args).details["reason"] == "expired"


def test_revoked_tokens_are_refused(registry, approval):
    registry.revoke(approval)
    err = refused(registry, approval, "scale_deployment", {"namespace": "dev", "deployment_name": "cart"})
    assert err.details["reason"] == "revoked"


def test_forged_tokens_are_refused(registry, approval):
    forged = dataclasses.replace(approval, token="guessed-token")
    assert (
        refused(registry, forged, "scale_deployment", {"namespace": "dev", "deployment_name": "cart"}).details["reason"]
        == "unknown_token"
    )
    # A real token re-labelled for another resource is not the approval that was issued either.
    relabelled = dataclasses.replace(approval, name="billing")
    assert (
        refused(registry, relabelled, "scale_deployment", {"namespace": "dev", "deployment_name": "billing"}).details[
            "reason"
        ]
        == "unknown_token"
    )


def test_another_registry_does_not_honour_tokens_it_did_not_issue(approval, clock):
    other = ApprovalRegistry(clock=clock)
    assert (
        refused(other, approval, "scale_deployment", {"namespace": "dev", "deployment_name": "cart"}).details["reason"]
        == "unknown_token"
    )


def test_the_token_is_not_shown_in_reprs(approval):
    assert approval.token not in repr(approval)
    assert len(approval.token) >= 32
