"""Helpers for enrollment service tests: a practice, patients, and the sealed outbox."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.notify.v1 import notify_pb2

from services.common.settings import Settings
from services.enrollment.models import OutboxMessage

COMPLETE = dict(
    first_name="Jane",
    last_name="Doe",
    date_of_birth="1984-03-07",
    birth_sex=pb.BIRTH_SEX_FEMALE,
    zip_code="60614",
    email="jane.doe@example.com",
)


def key() -> str:
    return uuid.uuid4().hex


def create_practice(stub, **overrides) -> pb.Practice:
    request = pb.CreatePracticeRequest(
        idempotency_key=key(),
        name="Lakeside Family Medicine",
        contact_phone="+1 312 555 0100",
        time_zone="America/Chicago",
        **overrides,
    )
    return stub.CreatePractice(request, timeout=5).practice


def add_patient(stub, practice_id: str, **fields) -> pb.Patient:
    demographics = pb.Demographics(**{**COMPLETE, **fields})
    return stub.AddPatient(
        pb.AddPatientRequest(
            idempotency_key=key(), practice_id=practice_id, demographics=demographics
        ),
        timeout=5,
    ).patient


def sent_notifications(host, shared: Settings) -> list[notify_pb2.SendNotificationRequest]:
    """Every notification the service has put in its outbox, unsealed, oldest first."""
    keyring = shared.keyring()
    with host.database.transaction() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)).all()
        return [
            notify_pb2.SendNotificationRequest.FromString(keyring.unseal(row.payload))
            for row in rows
            if row.payload
        ]


def invitation_token(request: notify_pb2.SendNotificationRequest) -> str:
    return request.parameters["activation_url"].split("#token=", 1)[1]
