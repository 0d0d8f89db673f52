"""CheckAccountInformation (I8 d) over real gRPC on SQLite and PostgreSQL: the real enrollment
service answers whether a record linked to the account has the given first name, last name,
date of birth and home phone, and only then its street address. Identity is a gRPC double
that registers a new account ("acct-1", "acct-2", ...) at each activation."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc

from services.enrollment.models import AuditRecord
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import create_practice
from tests.service.test_enrollment_unenroll import Identity, activated_patient
from tests.service.test_identity_support import field_violations

HOME_PHONE = "+1 312 555 0142"
STREET_ADDRESS = "12 Oak Street Apt 4"
GIVEN = dict(
    first_name="Jane", last_name="Doe", date_of_birth="1984-03-07", home_phone="+13125550142"
)


class Accounts(Identity):
    """Registers a new account at each activation: "acct-1", then "acct-2", ..."""

    def __init__(self) -> None:
        super().__init__()
        self._numbers = itertools.count(1)

    def RegisterAccount(self, request, context):  # type: ignore[no-untyped-def]
        answer = super().RegisterAccount(request, context)
        answer.account_id = f"acct-{next(self._numbers)}"
        return answer


@pytest.fixture
def identity() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(Accounts(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0).wait()


@pytest.fixture
def enrollment(start_service, shared_settings, identity):
    shared = shared_settings.model_copy(update={"identity_address": identity})
    return start_service("enrollment", create_server, shared)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


def linked_patient(stub, host, shared, **fields: str) -> pb.Patient:
    """Jane Doe of a new practice, activated (so linked to a new account), with a home phone
    and street address unless `fields` change them ("" clears one)."""
    practice = create_practice(stub)
    patient = activated_patient(stub, practice.practice_id, host, shared)
    values = {"home_phone": HOME_PHONE, "street_address": STREET_ADDRESS, **fields}
    return stub.UpdatePatient(
        pb.UpdatePatientRequest(
            practice_id=patient.practice_id,
            patient_id=patient.patient_id,
            demographics=pb.Demographics(**values),
            update_mask=FieldMask(paths=list(values)),
        ),
        timeout=5,
    ).patient


@pytest.fixture
def jane(stub, enrollment, shared_settings) -> pb.Patient:
    return linked_patient(stub, enrollment, shared_settings)


def check(stub, account_id: str, **changes: str) -> pb.CheckAccountInformationResponse:
    return stub.CheckAccountInformation(
        pb.CheckAccountInformationRequest(account_id=account_id, **{**GIVEN, **changes}),
        timeout=5,
    )


NOT_MATCHED = pb.CheckAccountInformationResponse(matched=False, street_address="")


# rule I8
def test_all_four_matching_answer_the_street_address_I8(stub, jane):
    assert (jane.account_id, jane.demographics.home_phone) == ("acct-1", "+13125550142")
    for given in (
        GIVEN,
        dict(
            first_name="  jANE ",
            last_name=" DOE",
            date_of_birth="1984-03-07",
            home_phone="(312) 555-0142",
        ),
    ):
        answer = check(stub, jane.account_id, **given)
        assert (answer.matched, answer.street_address) == (True, STREET_ADDRESS)


# rule I8
@pytest.mark.parametrize(
    "wrong",
    [
        {"first_name": "Janet"},
        {"last_name": "Roe"},
        {"date_of_birth": "1984-03-08"},
        {"home_phone": "(312) 555-0143"},
    ],
)
def test_any_one_wrong_value_answers_no_and_no_address_I8(stub, jane, wrong):
    assert check(stub, jane.account_id, **wrong) == NOT_MATCHED


# rule I8
@pytest.mark.parametrize(
    "unreadable",
    [{"date_of_birth": "03/07/1984"}, {"home_phone": "not a phone"}, {"home_phone": ""}],
)
def test_an_unreadable_date_or_phone_answers_no_rather_than_an_error_I8(stub, jane, unreadable):
    assert check(stub, jane.account_id, **unreadable) == NOT_MATCHED


# rule I8
@pytest.mark.parametrize("cleared", ["home_phone", "street_address"])
def test_a_record_without_home_phone_or_street_address_matches_nothing_I8(
    stub, enrollment, shared_settings, cleared
):
    patient = linked_patient(stub, enrollment, shared_settings, **{cleared: ""})
    assert getattr(patient.demographics, cleared) == ""
    assert check(stub, patient.account_id) == NOT_MATCHED


# rule I8
@pytest.mark.parametrize("account_id", ["acct-9", ""])
def test_an_account_without_a_linked_record_matches_nothing_I8(stub, jane, account_id):
    assert check(stub, account_id) == NOT_MATCHED


# rule I8
def test_another_accounts_record_does_not_make_this_account_match_I8(
    stub, enrollment, shared_settings
):
    without_phone = linked_patient(stub, enrollment, shared_settings, home_phone="")
    other = linked_patient(stub, enrollment, shared_settings)
    assert (without_phone.account_id, other.account_id) == ("acct-1", "acct-2")
    assert check(stub, without_phone.account_id) == NOT_MATCHED
    assert check(stub, other.account_id).matched


# rule I8, X1, X2
def test_each_check_is_audited_with_no_value_given_or_stored_I8_X1_X2(stub, enrollment, jane):
    check(stub, jane.account_id)
    check(stub, jane.account_id, last_name="Roe")
    with enrollment.database.transaction() as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "enrollment.patient.account_information_check")
            .order_by(AuditRecord.sequence)
        ).all()
        audited = [(r.outcome, r.patient_id, r.target, r.details) for r in rows]
    assert audited == [
        ("success", jane.patient_id, f"patient:{jane.patient_id}", {}),
        ("denied", "", "", {"accounts": "1"}),
    ]


# rule I8
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "J" * 101),
        ("last_name", "D" * 101),
        ("date_of_birth", "1984-03-07" + " " * 11),
        ("home_phone", "3" * 33),
    ],
)
def test_overlong_values_are_refused_naming_the_field_I8(stub, jane, field, value):
    with pytest.raises(grpc.RpcError) as raised:
        check(stub, jane.account_id, **{field: value})
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(field_violations(raised.value)) == [field]
