"""Proxy service process: `python -m services.proxy.server`."""

from __future__ import annotations

from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.audit import audit_key_info
from services.common.clients import channel_to
from services.common.db import Database
from services.common.outbox import Outbox
from services.common.server import ServiceHost, run_service
from services.common.settings import ServiceSettings, Settings
from services.common.worker import BackgroundWorker
from services.proxy.accounts import IdentityAccounts
from services.proxy.age_outs import AgeOutNotices
from services.proxy.audit import trail
from services.proxy.models import OutboxMessage
from services.proxy.patients import Patients
from services.proxy.servicer import ProxyServicer
from services.proxy.settings import ProxySettings


def create_server(
    settings: ServiceSettings, shared: Settings, proxy_settings: ProxySettings | None = None
) -> ServiceHost:
    """Builds the proxy service, bound but not started (port 0 picks a free port)."""
    proxy_settings = proxy_settings or ProxySettings()
    keyring = shared.keyring()
    database = Database(settings.database_url, session_info=audit_key_info(keyring))
    notify = channel_to(shared, "notify")
    identity = channel_to(shared, "identity")
    enrollment = channel_to(shared, "enrollment")
    outbox = Outbox(
        OutboxMessage,
        keyring,
        channels={"notify": notify, "identity": identity},
        retention=shared.delivery_retention,
    )
    patients = Patients(enrollment)
    age_out_notices = AgeOutNotices(database=database, outbox=outbox, patients=patients)
    servicer = ProxyServicer(
        database,
        outbox=outbox,
        patients=patients,
        accounts=IdentityAccounts(identity),
        keyring=keyring,
        portal_url=shared.portal_url,
    )
    return ServiceHost(
        settings,
        tls=shared.mutual_tls(),
        outbox_depth=outbox.depth,
        register=lambda server: proxy_pb2_grpc.add_ProxyServiceServicer_to_server(servicer, server),
        service_names=[proxy_pb2.DESCRIPTOR.services_by_name["ProxyService"].full_name],
        database=database,
        workers=[
            outbox.relay_worker("proxy", database, settings.worker_interval_seconds),
            BackgroundWorker(
                "proxy-age-out-notices",
                age_out_notices.send_due,
                proxy_settings.age_out_interval_seconds,
            ),
        ],
        channels=[notify, identity, enrollment],
        audit=trail,
    )


def main() -> None:
    run_service("proxy", create_server)


if __name__ == "__main__":
    main()
