"""Many patients activating or registering at once (E9, E12, I1), over real gRPC on SQLite and
PostgreSQL with the real identity service behind a gate: the gate holds identity's calls until
several wait at once, which only happens when enrollment makes them side by side, holding no
transaction (on SQLite, the whole database) while identity hashes a password. Each request
must get its real answer within the gateway's deadline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.enrollment.models import ActivationTicket
from services.enrollment.server import create_server
from services.identity.models import Account
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)
from tests.service.gate import Gate
from tests.service.test_identity_support import CHEAP_HASHING, start_identity

REGISTER = "/vestibule.identity.v1.IdentityService/RegisterAccount"
VERIFY = "/vestibule.identity.v1.IdentityService/VerifyAccount"
DEADLINE = 5.0  # seconds: the gateway's deadline for a call to a service
PASSWORD = "blue heron at dawn"
# Identity refuses hashes beyond its admission limit (HASHING_BUSY, a 429 by design): here
# every request of the burst is admitted, so each answer is the request's own.
ADMIT_ALL = CHEAP_HASHING.model_copy(update={"max_admitted_hashes": 64})


@pytest.fixture
def identity(notify, start_service, shared_settings):
    return start_identity(start_service, shared_settings, notify.address, hashing=ADMIT_ALL)


@pytest.fixture
def gate(request, identity) -> Iterator[Gate]:
    """Identity behind a gate that opens once 8 calls of a kind wait at once; a test may ask
    for other `together` and `methods`."""
    asked = {"methods": [REGISTER, VERIFY], "together": 8, **getattr(request, "param", {})}
    gate = Gate(identity.address, asked["methods"], together=asked["together"])
    yield gate
    gate.stop()


@pytest.fixture
def enrollment(start_service, shared_settings, gate):
    shared = shared_settings.model_copy(update={"identity_address": gate.address})
    return start_service("enrollment", create_server, shared)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Runs the calls side by side; each one's answer, or the gRPC error it raised."""

    def run(call: Callable[[], object]) -> object:
        try:
            return call()
        except grpc.RpcError as error:
            return error

    with futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def reason_of(error: grpc.RpcError) -> str:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def outcomes(answers: list[object]) -> list[str]:
    """Each answer as "ok" or its status code and reason, e.g. "ALREADY_EXISTS USERNAME_TAKEN"."""
    return [
        f"{a.code().name} {reason_of(a)}" if isinstance(a, grpc.RpcError) else "ok" for a in answers
    ]


def invited(stub, enrollment, shared, practice_id: str, email: str) -> str:
    """A new patient with `email`, invited by Enroll Now; the activation ticket they get after
    ZIP code and date of birth."""
    patient = add_patient(stub, practice_id, email=email)
    stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    [message] = [
        m
        for m in sent_notifications(enrollment, shared)
        if m.recipient == email and m.template == notify_pb2.TEMPLATE_INVITATION
    ]
    return stub.VerifyInvitation(
        pb.VerifyInvitationRequest(
            invitation_token=invitation_token(message),
            zip_code="60614",
            date_of_birth="1984-03-07",
        ),
        timeout=5,
    ).activation_ticket


def submit(stub, ticket: str, username: str) -> Callable[[], object]:
    request = pb.SubmitSecurityDetailsRequest(
        activation_ticket=ticket, username=username, password=PASSWORD
    )
    return lambda: stub.SubmitSecurityDetails(request, timeout=DEADLINE)


# rule E9
def test_32_patients_activate_at_once_each_with_its_own_answer_in_time_E9(
    stub, practice, enrollment, shared_settings, notify, gate
):
    emails = [f"patient{i}@example.com" for i in range(32)]
    tickets = [
        invited(stub, enrollment, shared_settings, practice.practice_id, email) for email in emails
    ]
    submitted = at_once([submit(stub, ticket, f"patient-{i}") for i, ticket in enumerate(tickets)])
    assert outcomes(submitted) == ["ok"] * 32
    codes = [notify.code_for(email) for email in emails]
    completed = at_once(
        [
            lambda t=ticket, c=code: stub.CompleteActivation(
                pb.CompleteActivationRequest(activation_ticket=t, code=c), timeout=DEADLINE
            )
            for ticket, code in zip(tickets, codes, strict=True)
        ]
    )
    assert outcomes(completed) == ["ok"] * 32
    assert len({answer.account_id for answer in completed}) == 32  # type: ignore[attr-defined]
    assert gate.opened(REGISTER) and gate.opened(VERIFY)


# rule I1, E12, X3
def test_case_variants_of_one_username_at_once_one_wins_the_rest_are_told_it_is_taken_I1(
    stub, practice
):
    variants = [
        "".join(c.upper() if mask >> i & 1 else c for i, c in enumerate("janedoe84"))
        for mask in range(20)
    ]
    tickets = [
        stub.StartRegistration(
            pb.StartRegistrationRequest(
                practice_id=practice.practice_id,
                first_name=f"Jane{chr(65 + i)}",
                last_name="Doe",
                date_of_birth="1984-03-07",
                zip_code="60614",
            ),
            timeout=5,
        ).registration_ticket
        for i in range(20)
    ]
    answers = at_once(
        [
            lambda t=ticket, u=username, i=i: stub.SubmitRegistrationDetails(
                pb.SubmitRegistrationDetailsRequest(
                    registration_ticket=t,
                    username=u,
                    password=PASSWORD,
                    email=f"jane{i}@example.com",
                ),
                timeout=DEADLINE,
            )
            for i, (ticket, username) in enumerate(zip(tickets, variants, strict=True))
        ]
    )
    assert sorted(outcomes(answers)) == ["ALREADY_EXISTS USERNAME_TAKEN"] * 19 + ["ok"]


# rule E9
@pytest.mark.parametrize("gate", [{"methods": [REGISTER], "together": 2}], indirect=True)
def test_one_ticket_submitted_twice_at_once_registers_one_account_E9(
    stub, practice, enrollment, identity, shared_settings, notify, gate
):
    ticket = invited(stub, enrollment, shared_settings, practice.practice_id, "jane@example.com")
    answers = at_once([submit(stub, ticket, "JaneDoe84"), submit(stub, ticket, "JaneDoe85")])
    assert sorted(outcomes(answers)) == [
        "FAILED_PRECONDITION SECURITY_DETAILS_ALREADY_SUBMITTED",
        "ok",
    ]
    assert gate.opened(REGISTER)
    with identity.database.transaction() as session:
        [account_id] = session.scalars(select(Account.id)).all()
    with enrollment.database.transaction() as session:
        assert session.scalars(select(ActivationTicket.account_id)).all() == [account_id]
    done = stub.CompleteActivation(
        pb.CompleteActivationRequest(
            activation_ticket=ticket, code=notify.code_for("jane@example.com")
        ),
        timeout=DEADLINE,
    )
    assert done.account_id == account_id
