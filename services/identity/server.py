"""Identity service process: `python -m services.identity.server`."""

from __future__ import annotations

from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.audit import audit_key_info
from services.common.clients import channel_to
from services.common.db import Database
from services.common.outbox import Outbox
from services.common.server import ServiceHost, run_service
from services.common.settings import ServiceSettings, Settings
from services.common.worker import BackgroundWorker
from services.identity import pending_accounts
from services.identity.audit import trail
from services.identity.hashing import PasswordHashing
from services.identity.linked_patients import LinkedPatients
from services.identity.models import OutboxMessage
from services.identity.record_access import RecordAccess
from services.identity.servicer import IdentityServicer
from services.identity.settings import IdentitySettings

PENDING_SWEEP_INTERVAL = 600.0  # seconds


def create_server(
    settings: ServiceSettings, shared: Settings, identity_settings: IdentitySettings | None = None
) -> ServiceHost:
    """Builds the identity service, bound but not started (port 0 picks a free port).

    `identity_settings` defaults to `VESTIBULE_IDENTITY_*` from the environment.
    """
    identity_settings = identity_settings or IdentitySettings()
    keyring = shared.keyring()
    database = Database(settings.database_url, session_info=audit_key_info(keyring))
    notify = channel_to(shared, "notify")
    enrollment = channel_to(shared, "enrollment")
    proxy = channel_to(shared, "proxy")
    outbox = Outbox(
        OutboxMessage, keyring, channels={"notify": notify}, retention=shared.delivery_retention
    )
    servicer = IdentityServicer(
        database,
        hashing=PasswordHashing(identity_settings),
        outbox=outbox,
        keyring=keyring,
        settings=identity_settings,
        portal_url=shared.portal_url,
        linked_patients=LinkedPatients(enrollment),
        record_access=RecordAccess(enrollment=enrollment, proxy=proxy),
    )
    return ServiceHost(
        settings,
        tls=shared.mutual_tls(),
        outbox_depth=outbox.depth,
        register=lambda server: identity_pb2_grpc.add_IdentityServiceServicer_to_server(
            servicer, server
        ),
        service_names=[identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name],
        database=database,
        workers=[
            outbox.relay_worker("identity", database, settings.worker_interval_seconds),
            servicer.lockout_sweeper(),
            BackgroundWorker(
                "identity-pending-sweep",
                lambda: pending_accounts.sweep(database),
                PENDING_SWEEP_INTERVAL,
            ),
        ],
        channels=[notify, enrollment, proxy],
        audit=trail,
    )


def main() -> None:
    run_service("identity", create_server)


if __name__ == "__main__":
    main()
