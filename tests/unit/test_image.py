"""The images keep the issue's promises (Dockerfile), and their locks keep pyproject.toml's pins."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME_LOCK = ROOT / "requirements" / "runtime.lock"
IMAGE_BUILD_LOCK = ROOT / "requirements" / "image-build.lock"
# Each final target and the module it runs with `python -m`.
TARGETS = {
    "identity": "services.identity.server",
    "enrollment": "services.enrollment.server",
    "proxy": "services.proxy.server",
    "notify": "services.notify.server",
    "gateway": "gateway",
}
INSTALLS = re.compile(r"\b(pip|uv)\b.*\binstall\b|apt-get install|apt install|apk add|\bgcc\b")


def _locked(path: Path) -> dict[str, set[str]]:
    """Every package a lock holds and its versions (one name can appear under exclusive markers)."""
    versions: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        if not line or line[0] in "# ":
            continue
        requirement = Requirement(line.rstrip(" \\"))
        (pin,) = requirement.specifier
        versions.setdefault(canonicalize_name(requirement.name), set()).add(pin.version)
    return versions


def _pins(specifiers: list[str]) -> dict[str, str]:
    """The `name==version` pins among `specifiers`, by canonical name."""
    pins = {}
    for specifier in specifiers:
        requirement = Requirement(specifier)
        (pin,) = requirement.specifier
        assert pin.operator == "==", f"{specifier} is not pinned with =="
        pins[canonicalize_name(requirement.name)] = pin.version
    return pins


def _hashless_entries(path: Path) -> list[str]:
    """The lock's entries (a requirement and its indented lines) that carry no sha256 hash."""
    entries = re.split(r"\n(?=\S)", path.read_text())
    return [
        entry.split()[0]
        for entry in entries
        if not entry.startswith("#") and "--hash=sha256:" not in entry
    ]


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def _stages() -> list[Stage]:
    """The Dockerfile's stages, each with its instructions, continuation lines joined."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", (ROOT / "Dockerfile").read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, arguments = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            base, *alias = re.split(r"\s+AS\s+", arguments, flags=re.IGNORECASE)
            stages.append(Stage(base=base, name=alias[0] if alias else ""))
        else:
            stages[-1].instructions.append((keyword.upper(), arguments.strip()))
    return stages


STAGES = _stages()
BY_NAME = {stage.name: stage for stage in STAGES}


def _chain(target: str) -> list[tuple[str, str]]:
    """The instructions a target's image is made of: its base stages' first, then its own."""
    stage = BY_NAME[target]
    inherited = _chain(stage.base) if stage.base in BY_NAME else []
    return inherited + stage.instructions


def _environment(target: str) -> dict[str, str]:
    """The variables a target's ENV instructions set (the KEY=value form)."""
    variables = {}
    for keyword, arguments in _chain(target):
        if keyword == "ENV":
            pairs = (token.split("=", 1) for token in shlex.split(arguments) if "=" in token)
            variables |= dict(pairs)
    return variables


def _copied_from_build(target: str) -> set[str]:
    """The paths a target copies out of other stages."""
    return {
        arguments.split()[1]
        for keyword, arguments in _chain(target)
        if keyword == "COPY" and arguments.startswith("--from=")
    }


def test_every_runtime_pin_is_locked_at_its_version():
    locked = _locked(RUNTIME_LOCK)
    pins = _pins(PYPROJECT["project"]["dependencies"])
    drifted = {name: pin for name, pin in pins.items() if pin not in locked.get(name, set())}
    assert not drifted, f"requirements/runtime.lock lags pyproject.toml; run `make lock`: {drifted}"


def test_the_image_build_group_repeats_the_dev_and_build_system_specifiers():
    elsewhere = [
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
        *PYPROJECT["build-system"]["requires"],
    ]
    assert set(PYPROJECT["dependency-groups"]["image-build"]) <= set(elsewhere)


def test_the_image_build_lock_has_the_dev_grpcio_tools_and_the_runtime_grpc_and_protobuf():
    built_with = _locked(IMAGE_BUILD_LOCK)
    dev = _pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
    runtime = _locked(RUNTIME_LOCK)
    assert built_with["grpcio-tools"] == {dev["grpcio-tools"]}
    assert built_with["grpcio"] == runtime["grpcio"]
    assert built_with["protobuf"] == runtime["protobuf"]


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, IMAGE_BUILD_LOCK], ids=lambda path: path.name)
def test_every_locked_package_has_a_hash(lock):
    assert not _hashless_entries(lock)


def test_every_from_is_pinned_by_digest_or_builds_on_an_earlier_stage():
    earlier: set[str] = set()
    for stage in STAGES:
        assert stage.base in earlier or re.search(r"@sha256:[0-9a-f]{64}$", stage.base), stage.base
        earlier.add(stage.name)


def test_build_and_runtime_stages_share_one_base():
    bases = {stage.base for stage in STAGES if stage.base not in BY_NAME}
    assert len(bases) == 1
    assert bases.pop().startswith("python:3.11-slim-bookworm@sha256:")


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_runs_as_a_numeric_non_root_user(target):
    users = [arguments for keyword, arguments in _chain(target) if keyword == "USER"]
    assert users, "no USER: the process would run as root"
    assert re.fullmatch(r"[0-9]+:[0-9]+", users[-1])
    assert int(users[-1].split(":")[0]) != 0


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_writes_no_output_to_a_buffer(target):
    assert _environment(target)["PYTHONUNBUFFERED"] == "1"


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_writes_nothing_under_the_read_only_root(target):
    environment = _environment(target)
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["VESTIBULE_DATA_DIR"].startswith("/tmp/")  # noqa: S108 (the image's)
    build_steps = [arguments for keyword, arguments in BY_NAME["build"].instructions]
    assert any("compileall" in step for step in build_steps), "nothing byte-compiled at build"


def test_every_entrypoint_and_cmd_is_in_exec_form():
    commands = [
        arguments
        for stage in STAGES
        for keyword, arguments in stage.instructions
        if keyword in ("ENTRYPOINT", "CMD")
    ]
    assert commands
    for command in commands:
        parsed = json.loads(command)
        assert isinstance(parsed, list) and all(isinstance(word, str) for word in parsed), command


@pytest.mark.parametrize(("target", "module"), TARGETS.items())
def test_each_target_starts_its_own_process(target, module):
    entrypoints = [arguments for keyword, arguments in _chain(target) if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoints[-1]) == ["python", "-m", module]
    path = ROOT.joinpath(*module.split("."))
    assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_installs_and_compiles_nothing(target):
    runs = [arguments for keyword, arguments in _chain(target) if keyword == "RUN"]
    assert not [run for run in runs if INSTALLS.search(run)]


def test_the_runtime_leaves_pip_out():
    runtime_runs = [arguments for keyword, arguments in _chain("runtime") if keyword == "RUN"]
    assert any(re.search(r"pip uninstall --yes .*\bpip\b", run) for run in runtime_runs)
    build_runs = [arguments for keyword, arguments in BY_NAME["build"].instructions]
    assert any("venv --without-pip /opt/venv" in run for run in build_runs)


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_copies_only_the_runtime_virtualenv_and_the_application(target):
    # Migrations come with services/, which a Kubernetes Job runs from the same image.
    expected = {"/opt/venv", "/app/gen", "/app/services", "/app/gateway", "/app/web"}
    assert _copied_from_build(target) == expected
