""" "Remind me later" (E11) over real gRPC on SQLite and PostgreSQL, with the real identity
service: a deferred link keeps working until it expires, and the reminder goes out after the
practice's number of days (14 by default), inside its opening hours, with the patient's data
of that day (E8), counted in the throttle (E7)."""

from __future__ import annotations

from datetime import UTC, timedelta

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.enrollment.server import create_server
from tests.moments import next_local
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)
from tests.service.test_enrollment_unenroll import eventually

# In Chicago, inside the default weekday hours 08:00-17:00.
TUESDAY_NOON = next_local(1, 12)
EMAIL = "jane.doe@example.com"
QUEUED = pb.AUTO_INVITATION_STATE_QUEUED
SENT = pb.AUTO_INVITATION_STATE_SENT


@pytest.fixture
def enrollment(start_service, shared_settings, identity):
    shared = shared_settings.model_copy(update={"identity_address": identity.address})
    return start_service("enrollment", create_server, shared)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


def settings(stub, practice, **values) -> None:
    stub.UpdatePracticeSettings(
        pb.UpdatePracticeSettingsRequest(
            practice_id=practice.practice_id,
            settings=pb.PracticeSettings(**values),
            update_mask=FieldMask(paths=list(values)),
        ),
        timeout=5,
    )


class Jane:
    """A patient invited by Enroll Now, and what she does from the newest invitation."""

    def __init__(self, stub, practice, host, shared) -> None:
        self._stub, self._host, self._shared = stub, host, shared
        patient = add_patient(stub, practice.practice_id)
        self.where = {"practice_id": practice.practice_id, "patient_id": patient.patient_id}
        stub.EnrollNow(pb.EnrollNowRequest(**self.where, idempotency_key=key()), timeout=5)

    def invitations(self) -> list[notify_pb2.SendNotificationRequest]:
        sent = sent_notifications(self._host, self._shared)
        return [m for m in sent if m.template == notify_pb2.TEMPLATE_INVITATION]

    def sent(self) -> int:
        """How many invitations the patient was sent (the registry's count, which outlives the
        outbox's copies of the messages)."""
        request = pb.ListInvitationsRequest(**self.where)
        return len(self._stub.ListInvitations(request, timeout=5).invitations)

    def token(self) -> str:
        return invitation_token(self.invitations()[-1])

    def defer(self, token: str):
        request = pb.DeferInvitationRequest(invitation_token=token)
        return self._stub.DeferInvitation(request, timeout=5)

    def decline(self, token: str):
        request = pb.DeclineInvitationRequest(invitation_token=token)
        return self._stub.DeclineInvitation(request, timeout=5)

    def verify(self, token: str) -> str:
        return self._stub.VerifyInvitation(
            pb.VerifyInvitationRequest(
                invitation_token=token, zip_code="60614", date_of_birth="1984-03-07"
            ),
            timeout=5,
        ).activation_ticket

    def current(self) -> pb.Patient:
        return self._stub.GetPatient(pb.GetPatientRequest(**self.where), timeout=5).patient

    def update(self, **fields) -> None:
        self._stub.UpdatePatient(
            pb.UpdatePatientRequest(
                **self.where,
                demographics=pb.Demographics(**fields),
                update_mask=FieldMask(paths=list(fields)),
            ),
            timeout=5,
        )


@pytest.fixture
def jane(stub, practice, enrollment, shared_settings, clock) -> Jane:
    clock.move_to(TUESDAY_NOON)
    return Jane(stub, practice, enrollment, shared_settings)


def listed(stub, practice, state=pb.AUTO_INVITATION_STATE_UNSPECIFIED) -> list:
    request = pb.ListAutoInvitationsRequest(practice_id=practice.practice_id, state=state)
    return list(stub.ListAutoInvitations(request, timeout=5).auto_invitations)


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule E11, E9
def test_after_deferring_the_patient_activates_from_the_same_link_E11_E9(stub, jane, notify):
    token = jane.token()
    jane.defer(token)
    ticket = jane.verify(token)
    stub.SubmitSecurityDetails(
        pb.SubmitSecurityDetailsRequest(
            activation_ticket=ticket, username="JaneDoe84", password="blue heron at dawn"
        ),
        timeout=5,
    )
    stub.CompleteActivation(
        pb.CompleteActivationRequest(activation_ticket=ticket, code=notify.code_for(EMAIL)),
        timeout=5,
    )
    last = jane.current().history[-1]
    assert (last.from_status, last.to_status) == (
        pb.ENROLLMENT_STATUS_DEFERRED,
        pb.ENROLLMENT_STATUS_ENROLLED,
    )


# rule E11, E10
def test_after_deferring_the_patient_can_still_decline_then_the_link_is_used_E11_E10(jane):
    token = jane.token()
    jane.defer(token)
    jane.decline(token)
    assert jane.current().status == pb.ENROLLMENT_STATUS_DECLINED
    assert refused(lambda: jane.verify(token)).code() == grpc.StatusCode.NOT_FOUND


# rule E11
def test_deferring_again_changes_nothing_E11(stub, practice, jane):
    token = jane.token()
    jane.defer(token)
    before = jane.current()
    jane.defer(token)
    assert jane.current() == before
    assert len(listed(stub, practice)) == 1


# rule E11, E10
def test_a_deferred_link_works_until_it_expires_E11_E10(stub, practice, jane, clock):
    settings(stub, practice, invitation_lifetime_days=10)
    stub.ResendInvitation(
        pb.ResendInvitationRequest(**jane.where, idempotency_key=key()), timeout=5
    )
    token = jane.token()
    jane.defer(token)
    clock.shift(timedelta(days=9))
    assert jane.verify(token)
    clock.shift(timedelta(days=2))
    assert refused(lambda: jane.verify(token)).code() == grpc.StatusCode.NOT_FOUND


# rule E11, E8
def test_the_reminder_goes_out_14_days_later_with_the_data_of_that_day_E11_E8(
    stub, practice, jane, clock
):
    deferred = jane.token()
    jane.defer(deferred)
    jane.update(first_name="Janet")
    (queued,) = listed(stub, practice)
    assert (queued.trigger, queued.state) == ("deferral_reminder", QUEUED)
    assert queued.send_after.ToDatetime(tzinfo=UTC) - TUESDAY_NOON < timedelta(days=14, hours=1)
    assert queued.send_after.ToDatetime(tzinfo=UTC) - TUESDAY_NOON >= timedelta(days=14)
    clock.shift(timedelta(days=13))
    assert jane.sent() == 1
    clock.shift(timedelta(days=1, hours=1))
    eventually(lambda: listed(stub, practice, SENT))
    reminder = jane.invitations()[-1]
    assert reminder.parameters["first_name"] == "Janet"
    assert jane.verify(invitation_token(reminder))
    patient = jane.current()
    assert (patient.status, patient.history[-1].from_status) == (
        pb.ENROLLMENT_STATUS_PENDING,
        pb.ENROLLMENT_STATUS_DEFERRED,
    )


# rule E11
def test_the_practice_sets_the_days_before_the_reminder_E11(stub, practice, jane):
    settings(stub, practice, deferral_reminder_days=3)
    jane.defer(jane.token())
    (queued,) = listed(stub, practice)
    waits = queued.send_after.ToDatetime(tzinfo=UTC) - TUESDAY_NOON
    assert timedelta(days=3) <= waits < timedelta(days=3, hours=1)


# rule E11, E7
def test_the_reminder_is_counted_in_the_throttle_E11_E7(stub, practice, jane, clock):
    settings(stub, practice, throttle_max_sends=2)
    jane.defer(jane.token())
    clock.shift(timedelta(days=14, hours=1))
    eventually(lambda: listed(stub, practice, SENT))
    refusal = refused(
        lambda: stub.ResendInvitation(
            pb.ResendInvitationRequest(**jane.where, idempotency_key=key()), timeout=5
        )
    )
    assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


# rule E11, E7
def test_a_reminder_over_the_throttle_is_recorded_as_throttled_E11_E7(stub, practice, jane, clock):
    settings(stub, practice, throttle_max_sends=1)
    jane.defer(jane.token())
    clock.shift(timedelta(days=14, hours=1))
    (throttled,) = eventually(lambda: listed(stub, practice, pb.AUTO_INVITATION_STATE_THROTTLED))
    assert throttled.next_allowed_at.ToDatetime(tzinfo=UTC) > TUESDAY_NOON + timedelta(days=29)
    assert jane.sent() == 1


# rule E11
def test_no_reminder_goes_to_a_patient_who_declined_meanwhile_E11(stub, practice, jane, clock):
    token = jane.token()
    jane.defer(token)
    jane.decline(token)
    clock.shift(timedelta(days=14, hours=1))
    (skipped,) = eventually(lambda: listed(stub, practice, pb.AUTO_INVITATION_STATE_SKIPPED))
    assert skipped.detail == "the patient is now declined"
    assert jane.sent() == 1
