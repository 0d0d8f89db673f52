"""Enrollment service process: `python -m services.enrollment.server`."""

from __future__ import annotations

from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc

from services.common.audit import audit_key_info
from services.common.clients import channel_to
from services.common.db import Database
from services.common.outbox import Outbox
from services.common.server import ServiceHost, run_service
from services.common.settings import ServiceSettings, Settings
from services.common.worker import BackgroundWorker
from services.enrollment import registration
from services.enrollment.accounts import IdentityAccounts
from services.enrollment.activation import ActivationUseCases
from services.enrollment.audit import trail
from services.enrollment.deliveries import NotifyDeliveries
from services.enrollment.lifecycle import LifecycleUseCases
from services.enrollment.lookup import LookupUseCases
from services.enrollment.models import OutboxMessage
from services.enrollment.registration import RegistrationUseCases
from services.enrollment.service import EnrollmentUseCases
from services.enrollment.servicer import EnrollmentServicer
from services.enrollment.settings import EnrollmentSettings

PURGE_INTERVAL = 600.0  # seconds


def create_server(
    settings: ServiceSettings,
    shared: Settings,
    enrollment_settings: EnrollmentSettings | None = None,
) -> ServiceHost:
    """Builds the enrollment service, bound but not started (port 0 picks a free port)."""
    keyring = shared.keyring()
    database = Database(settings.database_url, session_info=audit_key_info(keyring))
    notify = channel_to(shared, "notify")
    identity = channel_to(shared, "identity")
    proxy = channel_to(shared, "proxy")
    outbox = Outbox(
        OutboxMessage,
        keyring,
        {"notify": notify, "identity": identity, "proxy": proxy},
        retention=shared.delivery_retention,
    )
    enrollment_settings = enrollment_settings or EnrollmentSettings()
    use_cases = EnrollmentUseCases(
        settings=enrollment_settings, outbox=outbox, portal_url=shared.portal_url
    )
    interval = settings.worker_interval_seconds
    scheduler = BackgroundWorker(
        "enrollment-auto-invites", lambda: use_cases.auto_invites.send_due(database), interval
    )
    accounts = IdentityAccounts(identity)
    servicer = EnrollmentServicer(
        database,
        use_cases,
        ActivationUseCases(settings=enrollment_settings, accounts=accounts),
        LookupUseCases(keyring=keyring),
        LifecycleUseCases(outbox=outbox),
        RegistrationUseCases(settings=enrollment_settings, accounts=accounts, outbox=outbox),
        NotifyDeliveries(notify, outbox),
    )
    return ServiceHost(
        settings,
        tls=shared.mutual_tls(),
        outbox_depth=outbox.depth,
        register=lambda server: enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server(
            servicer, server
        ),
        service_names=[enrollment_pb2.DESCRIPTOR.services_by_name["EnrollmentService"].full_name],
        database=database,
        workers=[
            outbox.relay_worker("enrollment", database, interval),
            scheduler,
            BackgroundWorker(
                "enrollment-registration-purge",
                lambda: registration.purge_abandoned(database),
                PURGE_INTERVAL,
            ),
        ],
        channels=[notify, identity, proxy],
        audit=trail,
    )


def main() -> None:
    run_service("enrollment", create_server)


if __name__ == "__main__":
    main()
