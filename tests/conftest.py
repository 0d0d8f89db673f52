"""Test fixtures shared by every tier: backends, databases per test, services on port 0.

Service and end-to-end tests run once per backend (SQLite and PostgreSQL). PostgreSQL is used
at 127.0.0.1:5432 (override with VESTIBULE_TEST_POSTGRES_URL); when it is unreachable its tests
are skipped, unless VESTIBULE_REQUIRE_POSTGRES=1 (as in CI), when they fail.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import time_machine
import trustme
from opentelemetry import trace
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import make_url

from services.common import telemetry
from services.common.db import utcnow
from services.common.migrate import upgrade
from services.common.server import ServiceHost
from services.common.settings import DEFAULT_PORTS, ServiceSettings, Settings
from tests.e2e.browser import SCREENSHOTS

POSTGRES_ADMIN_URL = os.environ.get(
    "VESTIBULE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("VESTIBULE_REQUIRE_POSTGRES") == "1"
TEST_SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

_backends_run: set[str] = set()
_postgres_reachable: bool | None = None


def postgres_reachable() -> bool:
    global _postgres_reachable
    if _postgres_reachable is None:
        try:
            psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
            _postgres_reachable = True
        except psycopg.OperationalError:
            _postgres_reachable = False
    return _postgres_reachable


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test run."""
    if request.param == "postgresql" and not postgres_reachable():
        message = f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL).host}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message}, and VESTIBULE_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    _backends_run.add(request.param)
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes an empty database for a named service on this test's backend; drops it after."""
    created: list[str] = []

    def make(service: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'{service}.db'}"
        name = f"vestibule_test_{service}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)

    yield make
    if created:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for name in created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def refused_address() -> Iterator[str]:
    """An address where every connection is refused: a port bound but never listening, so a
    service running on this machine (`make run`) can never answer a test by accident."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{bound.getsockname()[1]}"


@pytest.fixture
def shared_settings(tmp_path: Path, refused_address: str) -> Settings:
    """Shared settings for this test's data folder; other services unreachable until a test
    points an address at a service it started."""
    return Settings(  # type: ignore[call-arg]
        secret_key=TEST_SECRET_KEY,  # type: ignore[arg-type]
        data_dir=tmp_path / "data",
        **{f"{name}_address": refused_address for name in DEFAULT_PORTS},
    )


def issue_tls_files(ca: trustme.CA, folder: Path) -> dict[str, Path]:
    """A certificate for 127.0.0.1 from `ca`, its key and the CA, written to `folder`; keyed
    by the shared settings' TLS field names."""
    folder.mkdir(parents=True, exist_ok=True)
    issued = ca.issue_cert("127.0.0.1", "localhost")
    files = {
        "tls_cert_file": folder / "tls.crt",
        "tls_key_file": folder / "tls.key",
        "tls_ca_file": folder / "ca.crt",
    }
    issued.cert_chain_pems[0].write_to_path(str(files["tls_cert_file"]))
    issued.private_key_pem.write_to_path(str(files["tls_key_file"]))
    ca.cert_pem.write_to_path(str(files["tls_ca_file"]))
    return files


@dataclass(frozen=True)
class Telemetry:
    """What this test process traced and measured, kept in memory."""

    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def measured(self, name: str, **attributes: object) -> float:
        """The metric's value summed over the points whose attributes include `attributes`:
        a counter's total, a histogram's count of measurements, a gauge's latest values."""
        found = 0.0
        data = self.metrics.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        if attributes.items() <= dict(point.attributes or {}).items():
                            found += getattr(point, "count", None) or getattr(point, "value", 0)
        return found


@pytest.fixture(scope="session")
def telemetry_in_memory() -> Telemetry:
    """Telemetry set up as in production (instrumentation, redaction), read in memory."""
    reader = InMemoryMetricReader()
    quiet = Settings(otlp_endpoint=None, metrics_port=None, telemetry_exporter="none")  # type: ignore[call-arg]
    telemetry.configure_telemetry("vestibule-tests", quiet, metric_readers=[reader])
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    provider.add_span_processor(SimpleSpanProcessor(telemetry.redacting(exporter)))  # type: ignore[attr-defined]
    return Telemetry(spans=exporter, metrics=reader)


@pytest.fixture
def spans(telemetry_in_memory: Telemetry) -> InMemorySpanExporter:
    """The spans this test finishes (earlier ones are cleared)."""
    telemetry_in_memory.spans.clear()
    return telemetry_in_memory.spans


@pytest.fixture
def start_service(
    database_url: Callable[[str], str],
) -> Iterator[Callable[..., ServiceHost]]:
    """Starts a service on a free loopback port with a migrated database of its own.

    `start_service("proxy", create_server, shared)`; extra keywords go to ServiceSettings.
    """
    hosts: list[ServiceHost] = []

    def start(
        name: str,
        create_server: Callable[[ServiceSettings, Settings], ServiceHost],
        shared: Settings,
        **overrides: object,
    ) -> ServiceHost:
        url = database_url(name)
        upgrade(name, url)
        values: dict[str, object] = {
            "name": name,
            "database_url": url,
            "port": 0,
            "shutdown_grace_seconds": 0,
            "worker_interval_seconds": 0.05,
        }
        settings = ServiceSettings(**{**values, **overrides})  # type: ignore[arg-type]
        host = create_server(settings, shared).start()
        hosts.append(host)
        return host

    yield start
    for host in reversed(hosts):
        host.stop(0)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker reports to the controller
        session.config.workeroutput["backends"] = ",".join(sorted(_backends_run))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    _backends_run.update(name for name in output.get("backends", "").split(",") if name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return
    ran = ", ".join(sorted(_backends_run)) or "none"
    terminalreporter.write_line(f"database backends exercised: {ran}")
    if SCREENSHOTS.is_dir():
        terminalreporter.write_line(f"screenshots of the pages the browser saw: {SCREENSHOTS}")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The process's clock, ticking, moved only forward (gRPC deadlines use the wall clock);
    services started in this process see it too."""
    with time_machine.travel(utcnow(), tick=True) as traveller:
        yield traveller
