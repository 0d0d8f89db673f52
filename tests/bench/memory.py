"""Memory of each process as it runs in production (`python -m services.<name>.server`,
`python -m gateway`), idle and, for identity, under sign-in load with 1 and 2 hashes at once:
the figures the Kubernetes requests and limits come from (deploy/README.md)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc

from deploy.local.mailsink import free_port
from tests.bench.identity import staff_sign_in
from tests.bench.load import Load, channel

SERVICES = ("identity", "enrollment", "proxy", "notify")
START_SECONDS = 30.0


@dataclass(frozen=True)
class Footprint:
    """A process's resident memory in MiB: after start-up, and its peak."""

    name: str
    idle_mib: float
    peak_mib: float
    note: str = ""


def _status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


@contextmanager
def _process(name: str, folder: Path, **environment: str) -> Iterator[tuple[int, int]]:
    """Runs one process of the suite on a migrated SQLite file; yields its pid and port."""
    port = free_port()
    module = "gateway" if name == "gateway" else f"services.{name}.server"
    env = {
        **os.environ,
        "VESTIBULE_DATA_DIR": str(folder),
        "VESTIBULE_SECRET_KEY": secrets.token_urlsafe(48),
        f"VESTIBULE_{name.upper()}_PORT": str(port),
        "VESTIBULE_LOG_LEVEL": "WARNING",
        **environment,
    }
    if name != "gateway":
        migrate = [sys.executable, "-m", "services.common.migrate", name]
        subprocess.run(migrate, env=env, check=True, capture_output=True)  # noqa: S603
    child = subprocess.Popen([sys.executable, "-m", module], env=env)  # noqa: S603
    try:
        _wait_until_up(name, port)
        yield child.pid, port
    finally:
        child.terminate()
        child.wait(timeout=30)


def _wait_until_up(name: str, port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if name == "gateway":
                httpx.get(f"https://127.0.0.1:{port}/healthz", verify=False, timeout=1)  # noqa: S501
                return
            with grpc.insecure_channel(f"127.0.0.1:{port}") as probe:
                answer = health_pb2_grpc.HealthStub(probe).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except (grpc.RpcError, httpx.HTTPError):
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not start within {START_SECONDS:g} s")


def _identity_under_load(concurrent: int, clients: int, seconds: float) -> Footprint:
    with (
        tempfile.TemporaryDirectory(prefix="vestibule-bench-") as folder,
        _process(
            "identity", Path(folder), VESTIBULE_IDENTITY_CONCURRENT_HASHES=str(concurrent)
        ) as (pid, port),
        channel(f"127.0.0.1:{port}") as opened,
    ):
        idle = _status_mib(pid, "VmRSS")
        stub = identity_pb2_grpc.IdentityServiceStub(opened)
        sign_in = staff_sign_in(stub, f"bench{uuid.uuid4().hex[:8]}")
        with Load(lambda: stub.StaffSignIn(sign_in, timeout=60), clients):
            time.sleep(seconds)
        peak = _status_mib(pid, "VmHWM")
    return Footprint(
        "identity", idle, peak, f"{clients} clients signing in, {concurrent} hash(es) at once"
    )


def measure(*, seconds: float, clients: int = 8) -> list[Footprint]:
    """Idle memory of every process, and identity's peak while `clients` sign in."""
    footprints = []
    for name in (*SERVICES, "gateway"):
        with (
            tempfile.TemporaryDirectory(prefix="vestibule-bench-") as folder,
            _process(name, Path(folder)) as (pid, _port),
        ):
            time.sleep(1)  # background workers have started and polled
            footprints.append(Footprint(name, _status_mib(pid, "VmRSS"), _status_mib(pid, "VmHWM")))
    for concurrent in (1, 2):
        footprints.append(_identity_under_load(concurrent, clients, seconds))
    return footprints
