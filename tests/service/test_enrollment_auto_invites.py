"""Automatic invitations over real gRPC on SQLite and PostgreSQL (E6, E7, E8): triggers, the
practice's opening hours in its time zone, the queue and the scheduler that empties it."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import func, select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.common.outbox import Outbox
from services.enrollment.auto_invites import AutoInvites
from services.enrollment.invitations import InvitationSender
from services.enrollment.models import Invitation, OutboxMessage
from services.enrollment.server import create_server
from services.enrollment.settings import EnrollmentSettings
from tests.moments import next_local
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    key,
    sent_notifications,
)
from tests.service.test_enrollment_unenroll import eventually

# In Chicago, against the default weekday hours 08:00-17:00.
TUESDAY_NOON = next_local(1, 12)
TUESDAY_EVENING = next_local(1, 18)
WEDNESDAY_OPENING = TUESDAY_EVENING + timedelta(hours=14)
QUEUED = pb.AUTO_INVITATION_STATE_QUEUED
SENT = pb.AUTO_INVITATION_STATE_SENT


@pytest.fixture
def enrollment(start_service, shared_settings):
    return start_service("enrollment", create_server, shared_settings)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


def _go_live(stub, practice, **settings) -> None:
    values = pb.PracticeSettings(auto_invites_enabled=True, **settings)
    request = pb.UpdatePracticeSettingsRequest(
        practice_id=practice.practice_id,
        settings=values,
        update_mask=FieldMask(paths=["auto_invites_enabled", *settings]),
    )
    stub.UpdatePracticeSettings(request, timeout=5)


def _event(stub, patient, event=pb.PATIENT_EVENT_APPOINTMENT_ADDED) -> pb.AutoInvitation | None:
    answer = stub.RecordPatientEvent(
        pb.RecordPatientEventRequest(
            idempotency_key=key(),
            practice_id=patient.practice_id,
            patient_id=patient.patient_id,
            event=event,
        ),
        timeout=5,
    )
    return answer.auto_invitation if answer.HasField("auto_invitation") else None


def _listed(stub, practice, state=pb.AUTO_INVITATION_STATE_UNSPECIFIED) -> list:
    request = pb.ListAutoInvitationsRequest(practice_id=practice.practice_id, state=state)
    return list(stub.ListAutoInvitations(request, timeout=5).auto_invitations)


def _update(stub, patient, **fields) -> pb.Patient:
    request = pb.UpdatePatientRequest(
        practice_id=patient.practice_id,
        patient_id=patient.patient_id,
        demographics=pb.Demographics(**fields),
        update_mask=FieldMask(paths=list(fields)),
    )
    return stub.UpdatePatient(request, timeout=5).patient


def _status(stub, patient) -> int:
    request = pb.GetPatientRequest(practice_id=patient.practice_id, patient_id=patient.patient_id)
    return stub.GetPatient(request, timeout=5).patient.status


# rule E6
def test_before_go_live_a_trigger_sends_nothing_E6(enrollment, stub, practice, shared_settings):
    patient = add_patient(stub, practice.practice_id)
    assert _event(stub, patient) is None
    assert _listed(stub, practice) == []
    assert sent_notifications(enrollment, shared_settings) == []


# rule E6
def test_a_chart_added_inside_opening_hours_is_invited_at_once_E6(stub, practice, clock):
    clock.move_to(TUESDAY_NOON)
    _go_live(stub, practice)
    patient = add_patient(stub, practice.practice_id)
    (row,) = _listed(stub, practice)
    assert (row.trigger, row.state) == ("chart_added", SENT)
    assert _status(stub, patient) == pb.ENROLLMENT_STATUS_PENDING


# rule E6
def test_an_appointment_outside_hours_waits_for_the_next_window_E6(
    enrollment, stub, practice, clock, shared_settings
):
    clock.move_to(TUESDAY_EVENING)
    patient = add_patient(stub, practice.practice_id)
    _go_live(stub, practice)
    queued = _event(stub, patient)
    assert queued.state == QUEUED
    assert queued.send_after.ToDatetime(tzinfo=UTC) == WEDNESDAY_OPENING
    assert sent_notifications(enrollment, shared_settings) == []
    clock.move_to(WEDNESDAY_OPENING + timedelta(seconds=1))
    (sent,) = eventually(lambda: _listed(stub, practice, SENT))
    assert sent.invitation_id
    assert _status(stub, patient) == pb.ENROLLMENT_STATUS_PENDING


# rule E6
def test_a_patient_has_at_most_one_queued_invitation_E6(stub, practice, clock):
    clock.move_to(TUESDAY_EVENING)
    patient = add_patient(stub, practice.practice_id)
    _go_live(stub, practice)
    first = _event(stub, patient)
    again = _event(stub, patient, pb.PATIENT_EVENT_ENCOUNTER_ADDED)
    assert again.auto_invitation_id == first.auto_invitation_id


# rule E6, E1
def test_only_a_change_to_a_required_field_triggers_E6_E1(stub, practice, clock):
    clock.move_to(TUESDAY_NOON)
    _go_live(stub, practice)
    patient = add_patient(stub, practice.practice_id, email="")
    (skipped,) = _listed(stub, practice)
    assert (skipped.state, skipped.detail) == (pb.AUTO_INVITATION_STATE_SKIPPED, "missing: email")
    _update(stub, patient, cell_phone="+1 312 555 0199")
    assert len(_listed(stub, practice)) == 1
    _update(stub, patient, email="jane.doe@example.com")
    newest = _listed(stub, practice)[0]
    assert (newest.trigger, newest.state) == ("demographics_changed", SENT)


# rule E8
def test_a_queued_invitation_carries_the_data_of_when_it_goes_out_E8(
    enrollment, stub, practice, clock, shared_settings
):
    clock.move_to(TUESDAY_EVENING)
    patient = add_patient(stub, practice.practice_id)
    _go_live(stub, practice)
    _event(stub, patient)
    _update(stub, patient, first_name="Janet")
    clock.move_to(WEDNESDAY_OPENING + timedelta(seconds=1))
    eventually(lambda: _listed(stub, practice, SENT))
    (message,) = sent_notifications(enrollment, shared_settings)
    assert message.parameters["first_name"] == "Janet"


# rule E7
def test_a_trigger_over_the_throttle_is_recorded_with_when_the_next_send_is_allowed_E7(
    stub, practice, clock
):
    clock.move_to(TUESDAY_NOON)
    _go_live(stub, practice, throttle_max_sends=1)
    patient = add_patient(stub, practice.practice_id)
    _update(stub, patient, zip_code="60615")  # pending: an update is a send too
    (throttled,) = _listed(stub, practice, pb.AUTO_INVITATION_STATE_THROTTLED)
    first = _listed(stub, practice, SENT)[0].decided_at.ToDatetime(tzinfo=UTC)
    allowed = throttled.next_allowed_at.ToDatetime(tzinfo=UTC)
    assert abs(allowed - (first + timedelta(days=30))) < timedelta(seconds=1)


def _replica(shared) -> AutoInvites:
    """The scheduler of another replica of the service, on the same database."""
    outbox = Outbox(OutboxMessage, shared.keyring(), channels={})
    sender = InvitationSender(
        settings=EnrollmentSettings(), outbox=outbox, portal_url=shared.portal_url
    )
    return AutoInvites(sender=sender)


# rule E6
def test_several_schedulers_send_each_queued_invitation_once_E6(
    enrollment, stub, practice, clock, shared_settings
):
    clock.move_to(TUESDAY_EVENING)
    patients = [add_patient(stub, practice.practice_id) for _ in range(6)]
    _go_live(stub, practice)
    for patient in patients:
        _event(stub, patient)
    clock.move_to(WEDNESDAY_OPENING + timedelta(seconds=1))
    replicas = [_replica(shared_settings) for _ in range(3)]
    schedulers = [
        threading.Thread(target=replica.send_due, args=(enrollment.database,))
        for replica in replicas
    ]
    for scheduler in schedulers:
        scheduler.start()
    for scheduler in schedulers:
        scheduler.join()
    eventually(lambda: len(_listed(stub, practice, SENT)) == 6 and [True])
    with enrollment.database.transaction() as session:
        per_patient = session.execute(
            select(Invitation.patient_id, func.count()).group_by(Invitation.patient_id)
        ).all()
    assert sorted(count for _, count in per_patient) == [1] * 6
