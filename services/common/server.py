"""Start-up shared by every service: gRPC server, health, reflection, interceptors, workers,
graceful shutdown on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from vestibule.audit.v1 import audit_pb2_grpc

from services.common import telemetry
from services.common.audit import AuditTrail
from services.common.audit_servicer import SERVICE_NAME as AUDIT_SERVICE_NAME
from services.common.audit_servicer import AuditServicer
from services.common.db import Database
from services.common.interceptors import ServiceInterceptor
from services.common.logs import configure_logging
from services.common.metrics import QueueCounts, watch_queue
from services.common.settings import ServiceSettings, Settings
from services.common.tls import MutualTls
from services.common.worker import BackgroundWorker

log = logging.getLogger("vestibule.server")


class ServiceHost:
    """A running service: its gRPC server, health status and background workers.

    The server is the threaded one: use cases run synchronous SQLAlchemy and argon2 (which
    releases the GIL), so a pool of threads serves requests while hashes use every core.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        register: Callable[[grpc.Server], None],
        service_names: Sequence[str],
        database: Database,
        workers: Sequence[BackgroundWorker] = (),
        channels: Sequence[grpc.Channel] = (),
        audit: AuditTrail | None = None,
        tls: MutualTls | None = None,
        outbox_depth: QueueCounts | None = None,
    ) -> None:
        """`tls` serves over mutual TLS; without it the port is plaintext (local runs only).
        `outbox_depth` counts the service's waiting messages for the outbox depth metric."""
        self.settings = settings
        self.database = database
        self.workers = list(workers)
        self._channels = list(channels)
        self._stopped = threading.Event()
        self._outbox_depth = outbox_depth
        self._unwatch: Callable[[], None] = lambda: None
        age_ms = int(settings.max_connection_age_seconds * 1000)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=settings.max_workers, thread_name_prefix=settings.name
            ),
            interceptors=[ServiceInterceptor(settings.name)],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_connection_age_ms", age_ms),
                ("grpc.max_connection_age_grace_ms", age_ms),
            ],
        )
        register(self.server)
        service_names = list(service_names)
        if audit is not None:
            audit_pb2_grpc.add_AuditServiceServicer_to_server(
                AuditServicer(database, audit), self.server
            )
            service_names.append(AUDIT_SERVICE_NAME)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self._service_names = tuple(service_names)
        self.port = _bind(self.server, settings.name, settings.host, settings.port, tls)
        self.health_server: grpc.Server | None = None
        self.health_port: int | None = None
        if settings.health_port is not None:
            # Its own small server: the probes never wait behind busy request threads.
            self.health_server = grpc.server(
                futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health"),
                options=[("grpc.so_reuseport", 0)],
            )
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self.health_server)
            self.health_port = _bind(
                self.health_server, f"{settings.name} health", settings.host, settings.health_port
            )

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.port}"

    def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus) -> None:
        for name in ("", *self._service_names):
            self.health.set(name, status)

    def start(self) -> ServiceHost:
        self.server.start()
        if self.health_server is not None:
            self.health_server.start()
        for worker in self.workers:
            worker.start()
        if self._outbox_depth is not None:
            self._unwatch = watch_queue(self.settings.name, self.database, self._outbox_depth)
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"service": self.settings.name, "port": self.port})
        return self

    def stop(self, grace: float | None = None) -> None:
        """Reports NOT_SERVING, lets calls in flight finish within the grace period, stops."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self._unwatch()
        for worker in self.workers:
            worker.stop()
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        self.server.stop(grace).wait()
        if self.health_server is not None:
            self.health_server.stop(0).wait()
        for channel in self._channels:
            channel.close()
        self.database.dispose()
        log.info("stopped", extra={"service": self.settings.name})

    def serve_until_signalled(self) -> None:
        """Serves until SIGTERM or SIGINT, then stops gracefully."""

        def _handle(signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=self.stop, name="shutdown").start()

        signal.signal(signal.SIGTERM, _handle)
        signal.signal(signal.SIGINT, _handle)
        self.start()
        self._stopped.wait()
        self.server.wait_for_termination()


def _bind(
    server: grpc.Server, name: str, host: str, port: int, tls: MutualTls | None = None
) -> int:
    address = f"{host}:{port}"
    if tls is None:
        bound = server.add_insecure_port(address)
    else:
        bound = server.add_secure_port(address, tls.server_credentials())
    if bound == 0:
        raise RuntimeError(f"{name}: cannot listen on {address}")
    return bound


def run_service(
    name: str, create_server: Callable[[ServiceSettings, Settings], ServiceHost]
) -> None:
    """A service's `main()`: settings from the environment, logs, telemetry (before the server,
    so its engine and channels are instrumented), serve until SIGTERM."""
    shared = Settings()  # type: ignore[call-arg]
    configure_logging(shared.log_level)
    telemetry.configure_telemetry(name, shared)
    create_server(ServiceSettings.for_service(name, shared), shared).serve_until_signalled()
