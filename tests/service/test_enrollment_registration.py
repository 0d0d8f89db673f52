"""Self-registration (E12) over real gRPC on SQLite and PostgreSQL, with the real identity
service (its codes reach a recording notify double): patient information, security details,
the code; then a link to the one matching record, or a match request for the practice."""

from __future__ import annotations

import uuid
from datetime import timedelta

import grpc
import pytest
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.common.db import utcnow
from services.enrollment import registration
from services.enrollment.models import AuditRecord, SelfRegistration
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    sent_notifications,
)
from tests.service.test_enrollment_service import enroll_now, error_of, verify, violations_of

PASSWORD = "blue heron at dawn"
JANE = dict(first_name="Jane", last_name="Doe", date_of_birth="1984-03-07", zip_code="60614")


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


def start(stub, practice_id: str, **information: str) -> pb.StartRegistrationResponse:
    return stub.StartRegistration(
        pb.StartRegistrationRequest(practice_id=practice_id, **{**JANE, **information}),
        timeout=5,
    )


def submit(stub, ticket: str, email: str, **fields: str) -> pb.SubmitRegistrationDetailsResponse:
    values = {"username": f"jane{uuid.uuid4().hex[:8]}", "password": PASSWORD, "email": email}
    return stub.SubmitRegistrationDetails(
        pb.SubmitRegistrationDetailsRequest(registration_ticket=ticket, **{**values, **fields}),
        timeout=5,
    )


def complete(stub, ticket: str, code: str) -> pb.CompleteRegistrationResponse:
    return stub.CompleteRegistration(
        pb.CompleteRegistrationRequest(registration_ticket=ticket, code=code), timeout=5
    )


def register(stub, notify, practice_id: str, email: str, **information: str) -> list:
    """Walks the three steps; answers each step's answer."""
    started = start(stub, practice_id, **information)
    submitted = submit(stub, started.registration_ticket, email)
    done = complete(stub, started.registration_ticket, notify.code_for(email))
    return [started, submitted, done]


def patient_now(stub, patient: pb.Patient) -> pb.Patient:
    return stub.GetPatient(
        pb.GetPatientRequest(practice_id=patient.practice_id, patient_id=patient.patient_id),
        timeout=5,
    ).patient


def match_requests(stub, practice_id: str) -> list[pb.MatchRequest]:
    return list(
        stub.ListMatchRequests(
            pb.ListMatchRequestsRequest(practice_id=practice_id), timeout=5
        ).match_requests
    )


def without_secrets(answer) -> dict:
    """The answer's fields but the ticket and the account ID, which differ for every
    registration; which fields are set is kept."""
    fields = {field.name: value for field, value in answer.ListFields()}
    for secret in ("registration_ticket", "account_id"):
        fields[secret] = bool(fields.pop(secret, ""))
    return fields


# rule E12, E2
def test_the_one_matching_record_is_linked_and_enrolled_with_history_E12_E2(stub, practice, notify):
    patient = add_patient(stub, practice.practice_id)
    *_, done = register(stub, notify, practice.practice_id, "jane.doe@example.com")
    linked = patient_now(stub, patient)
    assert (linked.status, linked.account_id) == (pb.ENROLLMENT_STATUS_ENROLLED, done.account_id)
    last = linked.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        pb.ENROLLMENT_STATUS_NOT_ENROLLED,
        pb.ENROLLMENT_STATUS_ENROLLED,
        f"account:{done.account_id}",
        "self-registered",
    )


# rule E12
def test_names_match_ignoring_case_and_space_and_zip_by_its_five_digits_E12(stub, practice, notify):
    patient = add_patient(stub, practice.practice_id, zip_code="60614-1234")
    register(
        stub,
        notify,
        practice.practice_id,
        "jane.doe@example.com",
        first_name="  JANE ",
        last_name="doe",
        zip_code="60614",
    )
    assert patient_now(stub, patient).status == pb.ENROLLMENT_STATUS_ENROLLED


# rule E12, X3
def test_matched_and_unmatched_registrations_answer_alike_at_every_step_E12_X3(
    stub, practice, notify
):
    add_patient(stub, practice.practice_id)
    matched = register(stub, notify, practice.practice_id, "jane.doe@example.com")
    unmatched = register(
        stub, notify, practice.practice_id, "jane.roe@example.com", last_name="Roe"
    )
    assert [without_secrets(a) for a in matched] == [without_secrets(a) for a in unmatched]
    assert [r.last_name for r in match_requests(stub, practice.practice_id)] == ["Roe"]


# rule E12, X3, I5
def test_another_accounts_verified_email_answers_as_a_free_one_at_every_step_E12_X3_I5(
    stub, practice, notify
):
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    steps = {}
    for email in ("jane.doe@example.com", "jane.roe@example.com"):
        started = start(stub, practice.practice_id)
        ticket = started.registration_ticket
        submitted = submit(stub, ticket, email)
        resent = stub.ResendRegistrationCode(
            pb.ResendRegistrationCodeRequest(registration_ticket=ticket), timeout=5
        )
        wrong = error_of(lambda: complete(stub, ticket, "000000"))  # noqa: B023
        answers = [without_secrets(a) for a in (started, submitted, resent)]
        steps[email] = [*answers, rpc_status.from_call(wrong)]
    assert steps["jane.doe@example.com"] == steps["jane.roe@example.com"]
    codes = [r.recipient for r in notify.wait_for(5) if r.parameters.get("code")]
    assert codes.count("jane.doe@example.com") == 1  # only its owner's own


# rule E12
def test_no_matching_record_leaves_the_practice_a_match_request_with_what_was_given_E12(
    stub, practice, notify
):
    add_patient(stub, practice.practice_id)
    *_, done = register(
        stub, notify, practice.practice_id, "jane.doe@example.com", date_of_birth="1984-03-08"
    )
    [request] = match_requests(stub, practice.practice_id)
    given = (
        request.account_id,
        request.first_name,
        request.last_name,
        request.date_of_birth,
        request.zip_code,
    )
    assert given == (done.account_id, "Jane", "Doe", "1984-03-08", "60614")
    linked = stub.ListAccountEnrollments(
        pb.ListAccountEnrollmentsRequest(account_id=done.account_id), timeout=5
    )
    assert list(linked.enrollments) == []


# rule E12
def test_two_matching_records_lead_to_a_match_request_not_a_link_E12(stub, practice, notify):
    first = add_patient(stub, practice.practice_id)
    second = add_patient(stub, practice.practice_id, first_name="JANE")
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    assert len(match_requests(stub, practice.practice_id)) == 1
    assert [patient_now(stub, p).account_id for p in (first, second)] == ["", ""]


# rule E12
def test_a_record_that_has_an_account_is_not_linked_again_E12(stub, practice, notify):
    patient = add_patient(stub, practice.practice_id)
    *_, first = register(stub, notify, practice.practice_id, "jane.doe@example.com")
    *_, second = register(stub, notify, practice.practice_id, "jane.d@example.com")
    assert patient_now(stub, patient).account_id == first.account_id
    assert [r.account_id for r in match_requests(stub, practice.practice_id)] == [second.account_id]


# rule E12, E10
def test_a_pending_record_is_linked_and_its_invitation_stops_working_E12_E10(
    stub, practice, notify, enrollment, shared_settings
):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    token = invitation_token(sent_notifications(enrollment, shared_settings)[-1])
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    assert patient_now(stub, patient).status == pb.ENROLLMENT_STATUS_ENROLLED
    stale = error_of(lambda: verify(stub, token))
    assert stale.code() == grpc.StatusCode.NOT_FOUND


# rule E12, S3
def test_match_requests_are_listed_only_to_their_practice_E12_S3(stub, practice, notify):
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    other = create_practice(stub)
    assert len(match_requests(stub, practice.practice_id)) == 1
    assert match_requests(stub, other.practice_id) == []


# rule E12
def test_missing_or_wrong_patient_information_is_named_field_by_field_E12(stub, practice):
    error = error_of(
        lambda: start(
            stub, practice.practice_id, first_name="", date_of_birth="07/03/1984", zip_code="ABC"
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(error) == ["first_name", "date_of_birth", "zip_code"]


# rule E12
def test_an_unknown_practice_is_not_found_E12(stub):
    error = error_of(lambda: start(stub, "no-such-practice"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


# rule E12, N2
def test_without_an_email_the_code_goes_by_sms_E12_N2(stub, practice, notify):
    ticket = start(stub, practice.practice_id).registration_ticket
    sent = submit(stub, ticket, "", cell_phone="(312) 555-0142")
    assert (sent.code_channel, sent.code_destination_hint) == ("sms", "***-***-0142")
    assert complete(stub, ticket, notify.code_for("+13125550142")).account_id


# rule E12, I2
def test_the_practice_password_policy_applies_E12_I2(stub, practice):
    ticket = start(stub, practice.practice_id).registration_ticket
    error = error_of(lambda: submit(stub, ticket, "jane.doe@example.com", password="password1"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "password" in violations_of(error)


# rule E12
def test_a_ticket_registers_one_account_E12(stub, practice):
    ticket = start(stub, practice.practice_id).registration_ticket
    submit(stub, ticket, "jane.doe@example.com")
    again = error_of(lambda: submit(stub, ticket, "jane.doe@example.com"))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "Enter that code" in again.details()


# rule E12
def test_a_wrong_code_links_nothing_and_requests_no_match_E12(stub, practice, notify):
    patient = add_patient(stub, practice.practice_id)
    ticket = start(stub, practice.practice_id).registration_ticket
    submit(stub, ticket, "jane.doe@example.com")
    code = notify.code_for("jane.doe@example.com")
    wrong = error_of(lambda: complete(stub, ticket, "000000" if code != "000000" else "111111"))
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert patient_now(stub, patient).status == pb.ENROLLMENT_STATUS_NOT_ENROLLED
    assert match_requests(stub, practice.practice_id) == []


# rule E12, N2
def test_a_new_code_can_be_sent_and_finishes_the_registration_E12_N2(stub, practice, notify):
    ticket = start(stub, practice.practice_id).registration_ticket
    submit(stub, ticket, "jane.doe@example.com")
    notify.wait_for(1)
    resent = stub.ResendRegistrationCode(
        pb.ResendRegistrationCodeRequest(registration_ticket=ticket), timeout=5
    )
    assert resent.code_channel == "email"
    newest = notify.wait_for(2)[-1].parameters["code"]
    assert complete(stub, ticket, newest).account_id


# rule E12
def test_completing_again_after_success_answers_the_same_E12(stub, practice, notify):
    started, _, done = register(stub, notify, practice.practice_id, "jane.doe@example.com")
    again = complete(stub, started.registration_ticket, "any code")
    assert again == done


# rule E12
def test_an_expired_ticket_says_to_start_again_E12(stub, practice, clock):
    ticket = start(stub, practice.practice_id).registration_ticket
    clock.move_to(utcnow() + timedelta(minutes=61))
    error = error_of(lambda: submit(stub, ticket, "jane.doe@example.com"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "start again" in error.details()


# rule E12, X2, X1
def test_every_step_is_audited_with_ids_only_E12_X2_X1(stub, practice, notify, enrollment):
    patient = add_patient(stub, practice.practice_id)
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    with enrollment.database.transaction() as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action.like("registration.%"))
            .order_by(AuditRecord.sequence)
        ).all()
        steps = [(r.action, r.patient_id) for r in rows]
        written = " ".join(f"{r.target} {r.details}" for r in rows)
    assert steps == [
        ("registration.start", ""),
        ("registration.security_details", ""),
        ("registration.link", patient.patient_id),
    ]
    assert not any(value in written for value in ("Jane", "Doe", "1984", "60614", "example"))


def link(stub, practice_id: str, match_request_id: str, patient_id: str) -> pb.Patient:
    return stub.LinkMatchRequest(
        pb.LinkMatchRequestRequest(
            practice_id=practice_id, match_request_id=match_request_id, patient_id=patient_id
        ),
        timeout=5,
        metadata=[("x-vestibule-actor", "staff:s1")],
    ).patient


# rule E12, E2
def test_staff_link_a_match_request_to_the_record_they_found_E12_E2(stub, practice, notify):
    add_patient(stub, practice.practice_id)
    chosen = add_patient(stub, practice.practice_id)
    *_, done = register(stub, notify, practice.practice_id, "jane.doe@example.com")
    [request] = match_requests(stub, practice.practice_id)
    patient = link(stub, practice.practice_id, request.match_request_id, chosen.patient_id)
    last = patient.history[-1]
    assert (patient.status, patient.account_id, last.actor, last.reason) == (
        pb.ENROLLMENT_STATUS_ENROLLED,
        done.account_id,
        "staff:s1",
        "matched by the practice",
    )
    assert match_requests(stub, practice.practice_id) == []


# rule E12
def test_a_record_that_has_an_account_cannot_take_a_match_request_E12(stub, practice, notify):
    taken = add_patient(stub, practice.practice_id)
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    register(stub, notify, practice.practice_id, "jane.d@example.com")
    [request] = match_requests(stub, practice.practice_id)
    error = error_of(
        lambda: link(stub, practice.practice_id, request.match_request_id, taken.patient_id)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


# rule E12, S3
def test_another_practice_cannot_link_the_match_request_E12_S3(stub, practice, notify):
    register(stub, notify, practice.practice_id, "jane.doe@example.com")
    [request] = match_requests(stub, practice.practice_id)
    other = create_practice(stub)
    theirs = add_patient(stub, other.practice_id)
    error = error_of(
        lambda: link(stub, other.practice_id, request.match_request_id, theirs.patient_id)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


# rule E12, X1
def test_an_abandoned_registration_is_deleted_a_day_after_its_ticket_ends_E12_X1(
    enrollment, stub, practice, notify, clock
):
    register(stub, notify, practice.practice_id, "done@example.com")
    start(stub, practice.practice_id)  # never finished
    clock.shift(timedelta(days=1, hours=2))
    assert registration.purge_abandoned(enrollment.database) == 1
    with enrollment.database.transaction() as session:
        kept = session.scalars(select(SelfRegistration)).all()
    assert [row.completed_at is not None for row in kept] == [True]
