"""Enrollment service over real gRPC on SQLite and PostgreSQL: registry, Enroll Now, resend,
and the first activation step."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
import time_machine
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.common.db import utcnow
from services.enrollment.models import Invitation, Patient
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)


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


def enroll_now(stub, patient):
    return stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )


def resend(stub, patient):
    return stub.ResendInvitation(
        pb.ResendInvitationRequest(
            idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )


def verify(stub, token, zip_code="60614", date_of_birth="1984-03-07"):
    return stub.VerifyInvitation(
        pb.VerifyInvitationRequest(
            invitation_token=token, zip_code=zip_code, date_of_birth=date_of_birth
        ),
        timeout=5,
    )


def error_of(call):
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def violations_of(error) -> list[str]:
    status = rpc_status.from_call(error)
    fields = []
    for detail in status.details:
        for kind, attr, name in (
            (error_details_pb2.BadRequest, "field_violations", "field"),
            (error_details_pb2.PreconditionFailure, "violations", "subject"),
        ):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                fields += [getattr(v, name) for v in getattr(message, attr)]
    return fields


# rule E2
def test_new_patient_is_not_enrolled_with_history_E2(stub, practice):
    patient = add_patient(stub, practice.practice_id)
    assert patient.status == pb.ENROLLMENT_STATUS_NOT_ENROLLED
    assert [(h.to_status, h.reason) for h in patient.history] == [
        (pb.ENROLLMENT_STATUS_NOT_ENROLLED, "added to the registry")
    ]


def test_invalid_values_are_refused_naming_each_field(stub, practice):
    error = error_of(
        lambda: add_patient(
            stub,
            practice.practice_id,
            zip_code="ABC",
            email="not-an-email",
            date_of_birth="07/03/1984",
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(violations_of(error)) == ["date_of_birth", "email", "zip_code"]


# rule E3: a record needs who the person is; the other fields may follow by Update Now.
def test_a_record_without_names_or_date_of_birth_is_refused_naming_each_E3(
    stub, practice, enrollment
):
    empty = pb.AddPatientRequest(
        idempotency_key=key(), practice_id=practice.practice_id, demographics=pb.Demographics()
    )
    error = error_of(lambda: stub.AddPatient(empty, timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(error) == ["first_name", "last_name", "date_of_birth"]
    with enrollment.database.transaction() as session:
        assert session.scalars(select(Patient)).all() == []


# rule E3
def test_a_missing_name_and_a_wrong_value_are_named_in_one_answer_E3(stub, practice):
    error = error_of(lambda: add_patient(stub, practice.practice_id, last_name="", zip_code="X"))
    assert sorted(violations_of(error)) == ["last_name", "zip_code"]


# rule E3
def test_update_now_corrects_a_records_name_but_cannot_clear_it_E3(stub, practice):
    patient = add_patient(stub, practice.practice_id)

    def update(**fields):
        return stub.UpdatePatient(
            pb.UpdatePatientRequest(
                practice_id=practice.practice_id,
                patient_id=patient.patient_id,
                demographics=pb.Demographics(**fields),
                update_mask=FieldMask(paths=list(fields)),
            ),
            timeout=5,
        ).patient

    error = error_of(lambda: update(first_name="", date_of_birth=""))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(error) == ["first_name", "date_of_birth"]
    assert update(first_name="Janet", email="").demographics.first_name == "Janet"


# rule E3
def test_enroll_now_with_missing_fields_names_every_one_and_sends_nothing_E3(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id, email="", birth_sex=0, zip_code="")
    error = error_of(lambda: enroll_now(stub, patient))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert sorted(violations_of(error)) == ["birth_sex", "email", "zip_code"]
    assert sent_notifications(enrollment, shared_settings) == []
    still = stub.GetPatient(
        pb.GetPatientRequest(practice_id=practice.practice_id, patient_id=patient.patient_id),
        timeout=5,
    )
    assert still.patient.status == pb.ENROLLMENT_STATUS_NOT_ENROLLED


# rule E3
def test_update_now_then_enroll_now_sends_the_invitation_E3(stub, practice):
    patient = add_patient(stub, practice.practice_id, email="")
    stub.UpdatePatient(
        pb.UpdatePatientRequest(
            practice_id=practice.practice_id,
            patient_id=patient.patient_id,
            demographics=pb.Demographics(email="jane@example.com"),
            update_mask=FieldMask(paths=["email"]),
        ),
        timeout=5,
    )
    answer = enroll_now(stub, patient)
    assert answer.outcome == pb.ENROLL_NOW_OUTCOME_INVITATION_SENT
    assert answer.patient.status == pb.ENROLLMENT_STATUS_PENDING


# rule N1
def test_invitation_goes_by_email_and_sms_when_a_cell_phone_is_present_N1(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id, cell_phone="(312) 555-0142")
    enroll_now(stub, patient)
    sent = sent_notifications(enrollment, shared_settings)
    assert sorted((n.channel, n.recipient) for n in sent) == [
        (notify_pb2.CHANNEL_EMAIL, "jane.doe@example.com"),
        (notify_pb2.CHANNEL_SMS, "+13125550142"),
    ]
    assert {n.template for n in sent} == {notify_pb2.TEMPLATE_INVITATION}


# rule E1
def test_practice_with_optional_email_invites_by_sms_only_E1(stub, enrollment, shared_settings):
    practice = create_practice(stub, email_required=False)
    patient = add_patient(stub, practice.practice_id, email="", cell_phone="+13125550142")
    enroll_now(stub, patient)
    assert [n.channel for n in sent_notifications(enrollment, shared_settings)] == [
        notify_pb2.CHANNEL_SMS
    ]


# rule E4
def test_enroll_now_on_pending_answers_when_it_was_requested_and_sends_nothing_E4(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    first = enroll_now(stub, patient)
    again = enroll_now(stub, patient)
    assert again.outcome == pb.ENROLL_NOW_OUTCOME_ALREADY_PENDING
    assert again.patient.invitation_requested_at == first.patient.invitation_requested_at
    assert len(sent_notifications(enrollment, shared_settings)) == 1


def test_enroll_now_retried_with_the_same_key_sends_once(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    request = pb.EnrollNowRequest(
        idempotency_key=key(), practice_id=practice.practice_id, patient_id=patient.patient_id
    )
    stub.EnrollNow(request, timeout=5)
    retried = stub.EnrollNow(request, timeout=5)
    assert retried.outcome == pb.ENROLL_NOW_OUTCOME_INVITATION_SENT
    assert len(sent_notifications(enrollment, shared_settings)) == 1


# rule E4
def test_resend_makes_every_older_token_stop_working_E4(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    resend(stub, patient)
    first, second = (invitation_token(n) for n in sent_notifications(enrollment, shared_settings))
    assert error_of(lambda: verify(stub, first)).code() == grpc.StatusCode.NOT_FOUND
    assert verify(stub, second).activation_ticket


# rule E8
def test_each_send_carries_current_demographics_E8(stub, practice, enrollment, shared_settings):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    stub.UpdatePatient(
        pb.UpdatePatientRequest(
            practice_id=practice.practice_id,
            patient_id=patient.patient_id,
            demographics=pb.Demographics(first_name="Janet", email="janet@example.com"),
            update_mask=FieldMask(paths=["first_name", "email"]),
        ),
        timeout=5,
    )
    resend(stub, patient)
    latest = sent_notifications(enrollment, shared_settings)[-1]
    assert (latest.recipient, latest.parameters["first_name"]) == ("janet@example.com", "Janet")


# rule E10
def test_token_is_stored_only_as_a_hash_E10(stub, practice, enrollment, shared_settings):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    token = invitation_token(sent_notifications(enrollment, shared_settings)[0])
    with enrollment.database.transaction() as session:
        stored = session.scalars(select(Invitation.token_hash)).all()
    assert stored and token not in stored and all(len(h) == 64 for h in stored)


# rule E10
def test_expired_token_tells_the_patient_to_contact_the_practice_E10(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    token = invitation_token(sent_notifications(enrollment, shared_settings)[0])
    with time_machine.travel(utcnow() + timedelta(days=31), tick=True):
        error = error_of(lambda: verify(stub, token))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "Contact your practice" in error.details()


# rule E9
def test_wrong_answers_are_limited_then_the_token_locks_E9(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    token = invitation_token(sent_notifications(enrollment, shared_settings)[0])
    codes = [error_of(lambda: verify(stub, token, zip_code="99999")).code() for _ in range(5)]
    assert codes == [grpc.StatusCode.INVALID_ARGUMENT] * 4 + [grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert error_of(lambda: verify(stub, token)).code() == grpc.StatusCode.NOT_FOUND


# rule E9
def test_wrong_answer_says_how_many_attempts_are_left_E9(
    stub, practice, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    token = invitation_token(sent_notifications(enrollment, shared_settings)[0])
    error = error_of(lambda: verify(stub, token, date_of_birth="1984-03-08"))
    assert "4 attempts left" in error.details()


# rule S3
def test_another_practice_cannot_see_the_patient_S3(stub, practice):
    patient = add_patient(stub, practice.practice_id)
    other = create_practice(stub)
    error = error_of(
        lambda: stub.GetPatient(
            pb.GetPatientRequest(practice_id=other.practice_id, patient_id=patient.patient_id),
            timeout=5,
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
