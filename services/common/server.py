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
from services.common.audit_api import SERVICE_NAME as AUDIT_SERVICE_NAME
from services.common.audit_api import AuditServicer
from services.common.db import Database
from services.common.interceptors import ServiceInterceptor
from services.common.logs import configure_logging
from services.common.settings import ServiceSettings, Settings
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
    ) -> None:
        self.settings = settings
        self.database = database
        self.workers = list(workers)
        self._channels = list(channels)
        self._stopped = threading.Event()
        self.server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=settings.max_workers, thread_name_prefix=settings.name
            ),
            interceptors=[ServiceInterceptor(settings.name)],
            options=[("grpc.so_reuseport", 0)],
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
        self.port = self.server.add_insecure_port(f"{settings.host}:{settings.port}")
        if self.port == 0:
            raise RuntimeError(f"{settings.name}: cannot listen on {settings.host}:{settings.port}")

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.port}"

    def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus) -> None:
        for name in ("", *self._service_names):
            self.health.set(name, status)

    def start(self) -> ServiceHost:
        self.server.start()
        for worker in self.workers:
            worker.start()
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"service": self.settings.name, "port": self.port})
        return self

    def stop(self, grace: float | None = None) -> None:
        """Reports NOT_SERVING, lets calls in flight finish within the grace period, stops."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        for worker in self.workers:
            worker.stop()
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        self.server.stop(grace).wait()
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


def run_service(
    name: str, create_server: Callable[[ServiceSettings, Settings], ServiceHost]
) -> None:
    """A service's `main()`: settings from the environment, logs, traces, serve until SIGTERM."""
    shared = Settings()  # type: ignore[call-arg]
    configure_logging(shared.log_level)
    telemetry.configure_telemetry(name, shared.telemetry_exporter)
    host = create_server(ServiceSettings.for_service(name, shared), shared)
    telemetry.instrument_engine(host.database.engine)
    host.serve_until_signalled()
