"""Notify service process: `python -m services.notify.server`."""

from __future__ import annotations

from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.common.audit import audit_key_info
from services.common.db import Database
from services.common.server import ServiceHost, run_service
from services.common.settings import ServiceSettings, Settings
from services.notify import repository
from services.notify.audit import trail
from services.notify.delivery import Delivery
from services.notify.mail import SmtpMailer
from services.notify.rendering import Renderer
from services.notify.servicer import NotifyServicer
from services.notify.settings import NotifySettings
from services.notify.sms import FolderSmsProvider, SmsProvider
from services.notify.sms_api import TwilioSmsProvider


def sms_provider(notify_settings: NotifySettings, shared: Settings) -> SmsProvider:
    """The SMS provider `VESTIBULE_NOTIFY_SMS_PROVIDER` names: the local folder or the API."""
    if notify_settings.sms_provider == "twilio":
        return TwilioSmsProvider(notify_settings)
    return FolderSmsProvider(notify_settings.sms_folder_for(shared))


def create_server(
    settings: ServiceSettings, shared: Settings, notify_settings: NotifySettings | None = None
) -> ServiceHost:
    """Builds the notify service and its delivery worker, bound but not started (port 0 picks
    a free port). `notify_settings` defaults to the `VESTIBULE_NOTIFY_*` environment."""
    notify_settings = notify_settings or NotifySettings()
    keyring = shared.keyring()
    database = Database(settings.database_url, session_info=audit_key_info(keyring))
    delivery = Delivery(
        database=database,
        keyring=keyring,
        renderer=Renderer(),
        mailer=SmtpMailer(notify_settings),
        sms=sms_provider(notify_settings, shared),
        retention=shared.delivery_retention,
    )
    worker = delivery.worker(settings.worker_interval_seconds)
    servicer = NotifyServicer(database, keyring, on_accept=worker.wake)
    return ServiceHost(
        settings,
        tls=shared.mutual_tls(),
        outbox_depth=repository.queue_depth,
        register=lambda server: notify_pb2_grpc.add_NotifyServiceServicer_to_server(
            servicer, server
        ),
        service_names=[notify_pb2.DESCRIPTOR.services_by_name["NotifyService"].full_name],
        database=database,
        workers=[worker],
        audit=trail,
    )


def main() -> None:
    run_service("notify", create_server)


if __name__ == "__main__":
    main()
