"""The production NetworkPolicies allow exactly the gRPC call graph and each service's own database.

The rendered policies are evaluated the way a CNI does for pods in the namespace: a connection
needs an egress rule of a policy selecting the source and an ingress rule of a policy selecting
the destination. ipBlock peers stand for addresses outside the cluster, never for these pods.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUSTOMIZATION = K8S / "overlays" / "production"
# Applied beside an overlay to onboard a practice (E14); its Job calls identity and enrollment.
ONBOARDING = K8S / "practice-onboarding"
NAMESPACE_LABELS = {"kubernetes.io/metadata.name": "vestibule"}
PORTS = {"identity": 50051, "enrollment": 50052, "proxy": 50053, "notify": 50054}
CALLS = {
    "gateway": {"identity", "enrollment", "proxy", "notify"},
    "identity": {"notify", "enrollment", "proxy"},
    "enrollment": {"notify", "identity", "proxy"},
    "proxy": {"notify", "identity", "enrollment"},
    "notify": set(),
}
# Every port a pod in the namespace listens on: gRPC, health, HTTPS, PostgreSQL, CNPG status.
LISTENING = {*PORTS.values(), 8081, 8443, 5432, 8000}


def render(folder: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    output = subprocess.run(  # noqa: S603 - kubectl with a fixed argument
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True
    ).stdout
    return [item for item in yaml.safe_load_all(output) if item]


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    return render(KUSTOMIZATION)


@pytest.fixture(scope="module")
def policies(rendered) -> list[dict]:
    return [item["spec"] for item in rendered if item["kind"] == "NetworkPolicy"]


@pytest.fixture(scope="module")
def pods(rendered) -> dict[str, dict[str, str]]:
    """Labels of every kind of pod in the namespace, by a readable name."""
    found = {}
    for item in rendered:
        if item["kind"] in {"Deployment", "Job"}:
            labels = item["spec"]["template"]["metadata"]["labels"]
            name, role = labels["app.kubernetes.io/name"], labels["app.kubernetes.io/component"]
            found[f"{name} {role}"] = labels
        if item["kind"] == "Cluster":  # CloudNativePG labels its instance pods so
            found[item["metadata"]["name"]] = {"cnpg.io/cluster": item["metadata"]["name"]}
    return found


def selects(selector: dict, labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present, value = expression["key"] in labels, labels.get(expression["key"])
        if not {
            "In": present and value in expression.get("values", []),
            "NotIn": not present or value not in expression.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[expression["operator"]]:
            return False
    return True


def peer_matches(peer: dict, labels: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer and not selects(peer["namespaceSelector"], NAMESPACE_LABELS):
        return False
    return selects(peer.get("podSelector", {}), labels)


def rule_admits(rule: dict, peer_field: str, labels: dict[str, str], port: int) -> bool:
    ports = rule.get("ports")
    if ports and not any(
        p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports
    ):
        return False
    peers = rule.get(peer_field)
    return not peers or any(peer_matches(peer, labels) for peer in peers)


def allowed(policies, direction: str, own: dict, other: dict, port: int) -> bool:
    field, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p for p in policies if direction in p["policyTypes"] and selects(p["podSelector"], own)
    ]
    if not selecting:
        return True
    return any(rule_admits(r, peers, other, port) for p in selecting for r in p.get(field, []))


def connects(policies, source: dict, destination: dict, port: int) -> bool:
    return allowed(policies, "Egress", source, destination, port) and allowed(
        policies, "Ingress", destination, source, port
    )


def sources_reaching(policies, pods, destination: str, port: int) -> set[str]:
    return {
        name
        for name, labels in pods.items()
        if name != destination and connects(policies, labels, pods[destination], port)
    }


def test_every_pod_is_denied_both_ways_unless_a_policy_allows(policies):
    assert {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]} in policies


@pytest.mark.parametrize("service", PORTS)
def test_only_the_callers_of_a_service_reach_its_grpc_port(policies, pods, service):
    callers = {f"{caller} server" for caller, callees in CALLS.items() if service in callees}
    assert sources_reaching(policies, pods, f"{service} server", PORTS[service]) == callers


@pytest.mark.parametrize("caller", CALLS)
def test_a_workload_reaches_no_other_workload_port_than_its_callees_grpc(policies, pods, caller):
    reached = {
        (name, port)
        for name, labels in pods.items()
        for port in LISTENING
        if name.endswith(" server") and name != f"{caller} server"
        if connects(policies, pods[f"{caller} server"], labels, port)
    }
    assert reached == {(f"{callee} server", PORTS[callee]) for callee in CALLS[caller]}


@pytest.mark.parametrize("service", PORTS)
def test_a_service_and_its_migration_reach_only_its_own_database(policies, pods, service):
    for pod in (f"{service} server", f"{service} migration"):
        databases = {
            name
            for name, labels in pods.items()
            if "cnpg.io/cluster" in labels and connects(policies, pods[pod], labels, 5432)
        }
        assert databases == {f"{service}-db"}, pod


@pytest.mark.parametrize("service", PORTS)
def test_a_database_admits_only_its_service_and_its_migration(policies, pods, service):
    assert sources_reaching(policies, pods, f"{service}-db", 5432) == {
        f"{service} server",
        f"{service} migration",
    }


def test_the_gateway_reaches_no_database(policies, pods):
    assert not any(
        connects(policies, pods["gateway server"], labels, 5432)
        for labels in pods.values()
        if "cnpg.io/cluster" in labels
    )


def test_only_notify_reaches_outside_the_cluster_for_mail_and_sms(policies, pods):
    outside = {
        name
        for name, labels in pods.items()
        if "cnpg.io/cluster" not in labels
        for policy in policies
        if "Egress" in policy["policyTypes"] and selects(policy["podSelector"], labels)
        for rule in policy.get("egress", [])
        if any("ipBlock" in peer for peer in rule.get("to", []))
        and {p["port"] for p in rule.get("ports", [])} & {587, 443}
    }
    assert outside == {"notify server"}


# rule E14
def test_the_onboarding_job_reaches_only_identity_and_enrollment_grpc_E14(policies, pods):
    onboarding = render(ONBOARDING)
    combined = policies + [item["spec"] for item in onboarding if item["kind"] == "NetworkPolicy"]
    (job,) = [item for item in onboarding if item["kind"] == "Job"]
    everything = {**pods, "onboarding": job["spec"]["template"]["metadata"]["labels"]}
    reached = {
        (name, port)
        for name, labels in everything.items()
        if name != "onboarding"
        for port in LISTENING
        if connects(combined, everything["onboarding"], labels, port)
    }
    assert reached == {("identity server", 50051), ("enrollment server", 50052)}
    for service in PORTS:
        callers = {f"{caller} server" for caller, callees in CALLS.items() if service in callees}
        if service in {"identity", "enrollment"}:
            callers.add("onboarding")
        assert sources_reaching(combined, everything, f"{service} server", PORTS[service]) == (
            callers
        )
