"""Notify gRPC servicer: proto to use case and back."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from sqlalchemy.exc import IntegrityError
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.common.crypto import Keyring
from services.common.db import Database
from services.notify import preferences, service
from services.notify.domain import Channel, DeliveryState, PreferredMethod, Template
from services.notify.models import Notification, PracticeBranding

CHANNELS = {
    Channel.EMAIL: notify_pb2.CHANNEL_EMAIL,
    Channel.SMS: notify_pb2.CHANNEL_SMS,
}
TEMPLATES = {
    Template.INVITATION: notify_pb2.TEMPLATE_INVITATION,
    Template.VERIFICATION_CODE: notify_pb2.TEMPLATE_VERIFICATION_CODE,
    Template.ACCOUNT_NOTICE: notify_pb2.TEMPLATE_ACCOUNT_NOTICE,
    Template.GUARDIAN_INVITATION: notify_pb2.TEMPLATE_GUARDIAN_INVITATION,
    Template.REPRESENTATIVE_INVITATION: notify_pb2.TEMPLATE_REPRESENTATIVE_INVITATION,
    Template.USERNAME_REMINDER: notify_pb2.TEMPLATE_USERNAME_REMINDER,
    Template.PASSWORD_RESET_LINK: notify_pb2.TEMPLATE_PASSWORD_RESET_LINK,
    Template.PRACTICE_TOKEN_NOTICE: notify_pb2.TEMPLATE_PRACTICE_TOKEN_NOTICE,
    Template.AGE_OUT_PATIENT: notify_pb2.TEMPLATE_AGE_OUT_PATIENT,
    Template.AGE_OUT_GUARDIAN: notify_pb2.TEMPLATE_AGE_OUT_GUARDIAN,
}
METHODS = {
    PreferredMethod.EMAIL: notify_pb2.PREFERRED_METHOD_EMAIL,
    PreferredMethod.SMS: notify_pb2.PREFERRED_METHOD_SMS,
    PreferredMethod.BOTH: notify_pb2.PREFERRED_METHOD_BOTH,
}
METHODS_BY_PROTO = {value: key for key, value in METHODS.items()}
STATES = {
    DeliveryState.QUEUED: notify_pb2.DELIVERY_STATE_QUEUED,
    DeliveryState.SENT: notify_pb2.DELIVERY_STATE_SENT,
    DeliveryState.FAILED: notify_pb2.DELIVERY_STATE_FAILED,
}
CHANNELS_BY_PROTO = {value: key for key, value in CHANNELS.items()}
TEMPLATES_BY_PROTO = {value: key for key, value in TEMPLATES.items()}


def _notification(row: Notification) -> notify_pb2.Notification:
    message = notify_pb2.Notification(
        notification_id=row.id,
        channel=CHANNELS[Channel(row.channel)],
        template=TEMPLATES[Template(row.template)],
        state=STATES[DeliveryState(row.state)],
        attempts=row.attempts,
        last_error=row.last_error or "",
        fallback_notification_id=row.fallback_id or "",
        fallback_of=row.fallback_of or "",
    )
    message.created_at.FromDatetime(row.created_at)
    if row.sent_at is not None:
        message.sent_at.FromDatetime(row.sent_at)
    return message


def _branding(row: PracticeBranding | None) -> notify_pb2.PracticeBranding:
    if row is None:
        return notify_pb2.PracticeBranding()
    message = notify_pb2.PracticeBranding(
        display_name=row.display_name,
        contact_phone=row.contact_phone,
        logo_url=row.logo_url,
        updated_by=row.updated_by,
    )
    message.updated_at.FromDatetime(row.updated_at)
    return message


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, database: Database, keyring: Keyring, on_accept: Callable[[], None]) -> None:
        self._database = database
        self._keyring = keyring
        self._on_accept = on_accept

    def SetPracticeBranding(
        self, request: notify_pb2.SetPracticeBrandingRequest, context: grpc.ServicerContext
    ) -> notify_pb2.SetPracticeBrandingResponse:
        def set_branding() -> notify_pb2.SetPracticeBrandingResponse:
            with self._database.transaction() as session:
                row = service.set_practice_branding(
                    session,
                    practice_id=request.practice_id,
                    display_name=request.branding.display_name,
                    contact_phone=request.branding.contact_phone,
                    logo_url=request.branding.logo_url,
                )
                return notify_pb2.SetPracticeBrandingResponse(branding=_branding(row))

        try:
            return set_branding()
        except IntegrityError:
            # A concurrent request set the practice's first branding; this one now changes it.
            return set_branding()

    def GetPracticeBranding(
        self, request: notify_pb2.GetPracticeBrandingRequest, context: grpc.ServicerContext
    ) -> notify_pb2.GetPracticeBrandingResponse:
        with self._database.transaction() as session:
            row = service.get_practice_branding(session, practice_id=request.practice_id)
            return notify_pb2.GetPracticeBrandingResponse(branding=_branding(row))

    def SendNotification(
        self, request: notify_pb2.SendNotificationRequest, context: grpc.ServicerContext
    ) -> notify_pb2.SendNotificationResponse:
        try:
            with self._database.transaction() as session:
                row = service.send_notification(
                    session,
                    keyring=self._keyring,
                    on_accept=self._on_accept,
                    idempotency_key=request.idempotency_key,
                    channel=CHANNELS_BY_PROTO.get(request.channel),
                    template=TEMPLATES_BY_PROTO.get(request.template),
                    recipient=request.recipient,
                    parameters=dict(request.parameters),
                    practice_id=request.practice_id,
                    fallback_channel=CHANNELS_BY_PROTO.get(request.fallback_channel),
                    fallback_recipient=request.fallback_recipient,
                )
                return notify_pb2.SendNotificationResponse(notification=_notification(row))
        except IntegrityError:
            # A concurrent request with the same key committed first (N5).
            with self._database.transaction() as session:
                earlier = service.accepted_earlier(session, idempotency_key=request.idempotency_key)
                if earlier is None:
                    raise
                return notify_pb2.SendNotificationResponse(notification=_notification(earlier))

    def GetNotification(
        self, request: notify_pb2.GetNotificationRequest, context: grpc.ServicerContext
    ) -> notify_pb2.GetNotificationResponse:
        with self._database.transaction() as session:
            row = service.get_notification(
                session,
                notification_id=request.notification_id,
                idempotency_key=request.idempotency_key,
            )
            return notify_pb2.GetNotificationResponse(notification=_notification(row))

    def GetCommunicationPreferences(
        self, request: notify_pb2.GetCommunicationPreferencesRequest, context: grpc.ServicerContext
    ) -> notify_pb2.GetCommunicationPreferencesResponse:
        with self._database.transaction() as session:
            found = preferences.preferences(
                session,
                self._keyring,
                account_id=request.account_id,
                practice_ids=list(request.practice_ids),
            )
        return notify_pb2.GetCommunicationPreferencesResponse(
            preferences=[_preference(p) for p in found]
        )

    def SetCommunicationPreference(
        self, request: notify_pb2.SetCommunicationPreferenceRequest, context: grpc.ServicerContext
    ) -> notify_pb2.SetCommunicationPreferenceResponse:
        with self._database.transaction() as session:
            saved = preferences.set_preference(
                session,
                self._keyring,
                account_id=request.account_id,
                practice_id=request.practice_id,
                method=METHODS_BY_PROTO.get(request.method),
                email=request.email,
            )
        return notify_pb2.SetCommunicationPreferenceResponse(preference=_preference(saved))


def _preference(preference: preferences.Preference) -> notify_pb2.CommunicationPreference:
    message = notify_pb2.CommunicationPreference(
        practice_id=preference.practice_id,
        method=METHODS[preference.method],
        email=preference.email,
    )
    if preference.updated_at is not None:
        message.updated_at.FromDatetime(preference.updated_at)
    return message
