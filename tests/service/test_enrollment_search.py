"""Enrollment service over real gRPC on SQLite and PostgreSQL: MRN, patient search, a patient's
invitations and the actions its status allows."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.server import create_server
from tests.service.enrollment_helpers import add_patient, create_practice, key


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


def add(stub, practice_id: str, mrn: str = "", **fields) -> pb.Patient:
    """A patient; a record needs first name, last name and date of birth, given or these."""
    who = {"first_name": "Pat", "last_name": "Record", "date_of_birth": "1975-05-05"}
    demographics = pb.Demographics(**{**who, **fields})
    return stub.AddPatient(
        pb.AddPatientRequest(
            idempotency_key=key(), practice_id=practice_id, demographics=demographics, mrn=mrn
        ),
        timeout=5,
    ).patient


def search(stub, practice_id: str, **criteria) -> pb.SearchPatientsResponse:
    return stub.SearchPatients(
        pb.SearchPatientsRequest(practice_id=practice_id, **criteria), timeout=5
    )


def names(answer: pb.SearchPatientsResponse) -> list[str]:
    return [f"{p.demographics.first_name} {p.demographics.last_name}" for p in answer.patients]


def error_of(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def bad_fields(error: grpc.RpcError) -> list[str]:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            return [v.field for v in request.field_violations]
    return []


@pytest.fixture
def registry(stub, practice):
    """Four patients of the practice, and one of another practice with the same name."""
    jane = dict(date_of_birth="1984-03-07", email="jane.doe@example.com", cell_phone="+13125550142")
    add(stub, practice.practice_id, "A-100", first_name="Jane", last_name="Doe", **jane)
    add(stub, practice.practice_id, first_name="John", last_name="Doe", date_of_birth="1990-01-02")
    add(stub, practice.practice_id, first_name="Ann", last_name="Janssen")
    add(stub, practice.practice_id, first_name="Bob", last_name="Smith", email="bob@example.com")
    other = create_practice(stub)
    add(stub, other.practice_id, "A-100", first_name="Jane", last_name="Doe")
    return practice


# rule S2
def test_search_by_partial_name_matches_first_or_last_name_any_case_S2(stub, registry):
    assert names(search(stub, registry.practice_id, name="jan")) == ["Jane Doe", "Ann Janssen"]


# rule S2
def test_search_with_several_name_words_needs_each_to_match_S2(stub, registry):
    assert names(search(stub, registry.practice_id, name="Doe, jo")) == ["John Doe"]


# rule S2
def test_search_by_date_of_birth_S2(stub, registry):
    assert names(search(stub, registry.practice_id, date_of_birth="1990-01-02")) == ["John Doe"]


# rule S2
def test_search_by_mrn_ignores_case_S2(stub, registry):
    assert names(search(stub, registry.practice_id, mrn="a-100")) == ["Jane Doe"]


# rule S2
def test_search_by_email_ignores_case_S2(stub, registry):
    assert names(search(stub, registry.practice_id, email="BOB@example.com")) == ["Bob Smith"]


# rule S2
def test_search_by_phone_in_any_format_S2(stub, registry):
    assert names(search(stub, registry.practice_id, phone="(312) 555-0142")) == ["Jane Doe"]


# rule S2
def test_criteria_combine_S2(stub, registry):
    assert names(search(stub, registry.practice_id, name="doe", date_of_birth="1984-03-07")) == [
        "Jane Doe"
    ]


def test_wildcards_in_a_name_are_plain_characters(stub, registry):
    assert names(search(stub, registry.practice_id, name="%")) == []
    assert names(search(stub, registry.practice_id, name="_")) == []


# rule S3
def test_search_never_returns_another_practices_patients_S3(stub, registry):
    found = search(stub, registry.practice_id, name="jane doe").patients
    assert [p.practice_id for p in found] == [registry.practice_id]


# rule S2
def test_search_without_criteria_names_every_criterion_S2(stub, registry):
    error = error_of(lambda: search(stub, registry.practice_id, name="  "))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(error) == ["name", "date_of_birth", "mrn", "email", "phone"]


def test_search_with_malformed_criteria_names_them(stub, registry):
    error = error_of(
        lambda: search(stub, registry.practice_id, date_of_birth="03/07/1984", phone="12")
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(bad_fields(error)) == ["date_of_birth", "phone"]


# rule S2
def test_pages_follow_last_name_first_name_order_without_gaps_S2(stub, practice):
    for first, last in [
        ("Cy", "Lee"),
        ("Al", "Lee"),
        ("Bo", "Lee"),
        ("Di", "leblanc"),
        ("Ed", "Lo"),
    ]:
        add(stub, practice.practice_id, first_name=first, last_name=last)
    seen, token = [], ""
    while True:
        page = search(stub, practice.practice_id, name="l", page_size=2, page_token=token)
        assert len(page.patients) <= 2
        seen += names(page)
        token = page.next_page_token
        if not token:
            break
    assert seen == ["Di leblanc", "Al Lee", "Bo Lee", "Cy Lee", "Ed Lo"]


def test_page_token_holds_no_readable_name(stub, practice):
    for first in ("Al", "Bo"):
        add(stub, practice.practice_id, first_name=first, last_name="Lee")
    token = search(stub, practice.practice_id, name="lee", page_size=1).next_page_token
    assert token and "Lee" not in token and "lee" not in token


# rule S3
def test_a_page_token_of_another_practice_is_refused_S3(stub, registry):
    other = create_practice(stub)
    for first in ("Al", "Bo"):
        add(stub, other.practice_id, first_name=first, last_name="Lee")
    token = search(stub, other.practice_id, name="lee", page_size=1).next_page_token
    error = error_of(lambda: search(stub, registry.practice_id, name="lee", page_token=token))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(error) == ["page_token"]


def test_page_size_defaults_to_25_and_is_capped_at_100(stub, practice):
    for number in range(101):
        add(stub, practice.practice_id, first_name=f"P{number:03d}", last_name="Many")
    assert len(search(stub, practice.practice_id, name="many").patients) == 25
    assert len(search(stub, practice.practice_id, name="many", page_size=500).patients) == 100


def test_mrn_is_returned_upper_case_and_can_be_changed(stub, practice):
    patient = add(stub, practice.practice_id, "mrn-7", first_name="Jane")
    assert patient.mrn == "MRN-7"
    changed = stub.UpdatePatient(
        pb.UpdatePatientRequest(
            practice_id=practice.practice_id,
            patient_id=patient.patient_id,
            mrn="MRN-8",
            update_mask=FieldMask(paths=["mrn"]),
        ),
        timeout=5,
    ).patient
    assert (changed.mrn, changed.demographics.first_name) == ("MRN-8", "Jane")


def test_mrn_is_unique_within_a_practice(stub, practice):
    add(stub, practice.practice_id, "A-1")
    error = error_of(lambda: add(stub, practice.practice_id, "a-1"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    second = add(stub, practice.practice_id, "A-2")
    error = error_of(
        lambda: stub.UpdatePatient(
            pb.UpdatePatientRequest(
                practice_id=practice.practice_id,
                patient_id=second.patient_id,
                mrn="A-1",
                update_mask=FieldMask(paths=["mrn"]),
            ),
            timeout=5,
        )
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


# rule S3
def test_the_same_mrn_may_exist_at_another_practice_S3(stub, practice):
    add(stub, practice.practice_id, "A-1")
    other = create_practice(stub)
    assert add(stub, other.practice_id, "A-1").mrn == "A-1"


def test_a_malformed_mrn_is_refused(stub, practice):
    error = error_of(lambda: add(stub, practice.practice_id, "A 1 !"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(error) == ["mrn"]


# rule E2
def test_a_new_patient_allows_enroll_now_E2(stub, practice):
    assert list(add_patient(stub, practice.practice_id).available_actions) == [
        pb.PATIENT_ACTION_ENROLL_NOW
    ]


def enroll_now(stub, patient):
    return stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )


def list_invitations(stub, patient) -> list[pb.Invitation]:
    return list(
        stub.ListInvitations(
            pb.ListInvitationsRequest(
                practice_id=patient.practice_id, patient_id=patient.patient_id
            ),
            timeout=5,
        ).invitations
    )


# rule E4
def test_invitations_are_listed_newest_first_with_their_state_E4(stub, practice):
    patient = add_patient(stub, practice.practice_id, cell_phone="+13125550142")
    first = enroll_now(stub, patient).invitation
    second = stub.ResendInvitation(
        pb.ResendInvitationRequest(
            idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    assert list(second.patient.available_actions) == [pb.PATIENT_ACTION_RESEND_INVITATION]
    listed = list_invitations(stub, patient)
    assert [(i.invitation_id, i.state) for i in listed] == [
        (second.invitation.invitation_id, pb.INVITATION_STATE_OPEN),
        (first.invitation_id, pb.INVITATION_STATE_SUPERSEDED),
    ]
    assert list(listed[0].channels) == ["email", "sms"]


# rule S3
def test_invitations_of_another_practices_patient_are_not_found_S3(stub, practice):
    patient = add_patient(stub, practice.practice_id)
    enroll_now(stub, patient)
    other = create_practice(stub)
    stranger = pb.Patient(practice_id=other.practice_id, patient_id=patient.patient_id)
    assert error_of(lambda: list_invitations(stub, stranger)).code() == grpc.StatusCode.NOT_FOUND
