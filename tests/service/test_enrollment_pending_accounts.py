"""Abandoned activations hold no username for ever (E9, E4, E12, I1), over real gRPC on SQLite
and PostgreSQL with the real identity service: a new activation of the same patient replaces
the pending account of an earlier invitation, and a pending account past its invitation's (or
registration's) end frees its username."""

from __future__ import annotations

import time
from datetime import timedelta

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.enrollment.server import create_server
from services.identity.models import Account
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)
from tests.service.test_identity_support import error_info

PASSWORD = "blue heron at dawn"
EMAIL = "jane.doe@example.com"


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


class Patient:
    """Jane, invited by Enroll Now; her steps from the newest invitation's link."""

    def __init__(self, stub, practice, host, shared) -> None:
        self._stub, self._host, self._shared = stub, host, shared
        patient = add_patient(stub, practice.practice_id)
        self.where = {"practice_id": practice.practice_id, "patient_id": patient.patient_id}
        stub.EnrollNow(pb.EnrollNowRequest(**self.where, idempotency_key=key()), timeout=5)

    def resend(self) -> None:
        self._stub.ResendInvitation(
            pb.ResendInvitationRequest(**self.where, idempotency_key=key()), timeout=5
        )

    def token(self) -> str:
        """The newest invitation's token."""
        sent = sent_notifications(self._host, self._shared)
        invitations = [m for m in sent if m.template == notify_pb2.TEMPLATE_INVITATION]
        return invitation_token(invitations[-1])

    def ticket(self) -> str:
        """A ticket from the newest invitation's link, after ZIP code and date of birth."""
        return self._stub.VerifyInvitation(
            pb.VerifyInvitationRequest(
                invitation_token=self.token(), zip_code="60614", date_of_birth="1984-03-07"
            ),
            timeout=5,
        ).activation_ticket

    def choose(self, ticket: str, username: str = "JaneDoe84"):
        return self._stub.SubmitSecurityDetails(
            pb.SubmitSecurityDetailsRequest(
                activation_ticket=ticket, username=username, password=PASSWORD
            ),
            timeout=5,
        )

    def status(self) -> int:
        return self._stub.GetPatient(pb.GetPatientRequest(**self.where), timeout=5).patient.status


@pytest.fixture
def jane(stub, practice, enrollment, shared_settings) -> Patient:
    return Patient(stub, practice, enrollment, shared_settings)


def register(stub, practice, username: str, email: str):
    """Someone else registers from the logon page choosing `username`."""
    ticket = stub.StartRegistration(
        pb.StartRegistrationRequest(
            practice_id=practice.practice_id,
            first_name="Joan",
            last_name="Roe",
            date_of_birth="1990-01-02",
            zip_code="60614",
        ),
        timeout=5,
    ).registration_ticket
    return stub.SubmitRegistrationDetails(
        pb.SubmitRegistrationDetailsRequest(
            registration_ticket=ticket, username=username, password=PASSWORD, email=email
        ),
        timeout=5,
    )


def signing_in(identity, username: str = "JaneDoe84") -> str:
    """What identity answers the patient signing in with the right password: its reason."""
    with grpc.insecure_channel(identity.address) as channel:
        try:
            identity_pb2_grpc.IdentityServiceStub(channel).SignIn(
                identity_pb2.SignInRequest(username=username, password=PASSWORD), timeout=5
            )
        except grpc.RpcError as error:
            return error_info(error).reason
    return "signed in"


def eventually_answers(identity, reason: str) -> None:
    """Waits for signing in to answer `reason` (enrollment tells identity through its outbox)."""
    deadline = time.monotonic() + 10
    while (answer := signing_in(identity)) != reason and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer == reason


def error_of(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule E9, E4, I1
def test_after_a_resend_the_patient_chooses_the_same_username_again_E9_E4_I1(
    stub, jane, identity, notify
):
    jane.choose(jane.ticket())  # then the patient never enters the code
    jane.resend()
    ticket = jane.ticket()
    assert jane.choose(ticket).code_destination_hint
    done = stub.CompleteActivation(
        pb.CompleteActivationRequest(activation_ticket=ticket, code=notify.codes_for(EMAIL, 2)[-1]),
        timeout=5,
    )
    assert jane.status() == pb.ENROLLMENT_STATUS_ENROLLED
    with identity.database.transaction() as session:
        assert session.execute(select(Account.id, Account.state)).all() == [
            (done.account_id, "active")
        ]


# rule E9
def test_coming_back_through_the_same_link_continues_the_pending_account_E9(jane, identity):
    jane.choose(jane.ticket())
    again = error_of(lambda: jane.choose(jane.ticket(), "OtherName1"))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    with identity.database.transaction() as session:
        assert len(session.scalars(select(Account.id)).all()) == 1


# rule E9, E10, I1
def test_past_its_invitations_lifetime_a_pending_account_frees_its_username_E9_E10_I1(
    stub, practice, jane, clock
):
    stub.UpdatePracticeSettings(
        pb.UpdatePracticeSettingsRequest(
            practice_id=practice.practice_id,
            settings=pb.PracticeSettings(invitation_lifetime_days=3),
            update_mask=FieldMask(paths=["invitation_lifetime_days"]),
        ),
        timeout=5,
    )
    jane.resend()  # the invitation of this lifetime
    jane.choose(jane.ticket())
    clock.shift(timedelta(days=2))
    taken = error_of(lambda: register(stub, practice, "janedoe84", "joan@example.com"))
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS
    clock.shift(timedelta(days=2))
    assert register(stub, practice, "janedoe84", "joan@example.com").code_destination_hint


# rule E12, I1
def test_an_abandoned_self_registration_frees_its_username_when_its_ticket_ends_E12_I1(
    stub, practice, clock
):
    register(stub, practice, "JaneDoe84", "jane@example.com")
    clock.shift(timedelta(minutes=61))
    assert register(stub, practice, "janedoe84", "joan@example.com").code_destination_hint


# rule E9, E4
def test_after_a_resend_signing_in_to_the_earlier_pending_account_says_to_use_the_newest_E9_E4(
    jane, identity
):
    jane.choose(jane.ticket())
    assert signing_in(identity) == "ACTIVATION_PENDING"
    jane.resend()
    eventually_answers(identity, "ACTIVATION_EXPIRED")


# rule E9, E11
def test_declining_ends_the_account_pending_through_the_invitation_E9_E11(stub, jane, identity):
    jane.choose(jane.ticket())
    stub.DeclineInvitation(pb.DeclineInvitationRequest(invitation_token=jane.token()), timeout=5)
    eventually_answers(identity, "ACTIVATION_EXPIRED")
