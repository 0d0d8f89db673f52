"""Proxy service process: `python -m services.proxy.server`."""

from __future__ import annotations

from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.audit import audit_key_info
from services.common.db import Database
from services.common.server import ServiceHost, run_service
from services.common.settings import ServiceSettings, Settings
from services.proxy.audit import trail
from services.proxy.servicer import ProxyServicer


def create_server(settings: ServiceSettings, shared: Settings) -> ServiceHost:
    """Builds the proxy service, bound but not started (port 0 picks a free port)."""
    database = Database(settings.database_url, session_info=audit_key_info(shared.keyring()))
    servicer = ProxyServicer(database)
    return ServiceHost(
        settings,
        register=lambda server: proxy_pb2_grpc.add_ProxyServiceServicer_to_server(servicer, server),
        service_names=[proxy_pb2.DESCRIPTOR.services_by_name["ProxyService"].full_name],
        database=database,
        audit=trail,
    )


def main() -> None:
    run_service("proxy", create_server)


if __name__ == "__main__":
    main()
