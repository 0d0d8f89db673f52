"""A proxy's new account lands signed in (P1, P3): the code that activates it also brings its
first session from identity, passed on once, and the patient is named to the invitee once
they have identified them. Enrollment and identity are doubles."""

from __future__ import annotations

import pytest
from vestibule.proxy.v1 import proxy_pb2

from tests.service.test_proxy_invitations import CHILD, invite_guardian, token_of, verify


@pytest.fixture
def stub(proxy_stub, proxy_enrollment):
    proxy_enrollment.records["kid"] = CHILD
    return proxy_stub


def _created(stub, notify) -> str:
    """A guardian invited, the child identified and the account registered: the ticket."""
    invite_guardian(stub)
    ticket = verify(stub, token_of(notify.wait_for(1)[0])).ticket
    stub.CreateProxyAccount(
        proxy_pb2.CreateProxyAccountRequest(
            ticket=ticket,
            username="maria.lopez",
            password="a long enough password",
            email="maria@example.com",
            first_name="Maria",
            last_name="Lopez",
        ),
        timeout=10,
    )
    return ticket


def _complete(stub, ticket: str, code: str):
    return stub.CompleteProxyAccount(
        proxy_pb2.CompleteProxyAccountRequest(ticket=ticket, code=code, device_label="a phone"),
        timeout=10,
    )


# rule P1
def test_identifying_the_patient_answers_their_first_name_P1(stub, notify):
    invite_guardian(stub)

    verified = verify(stub, token_of(notify.wait_for(1)[0]))

    assert verified.patient_first_name == "Sam"


# rule P1, P3
def test_the_code_that_activates_the_account_brings_its_first_session_P1_P3(
    proxy_identity, stub, notify
):
    ticket = _created(stub, notify)

    done = _complete(stub, ticket, proxy_identity.CODE)

    assert done.relationship.status == proxy_pb2.RELATIONSHIP_STATUS_ACTIVE
    assert done.session.session_token == f"session-of-{done.account_id}-on-a phone"
    assert done.session.HasField("expires_at") and done.session.factors == "activation_code"
    assert list(done.session.required_actions) == ["set_security_questions"]


# rule P1
def test_a_retry_after_success_brings_no_second_session_P1(proxy_identity, stub, notify):
    ticket = _created(stub, notify)
    _complete(stub, ticket, proxy_identity.CODE)

    again = _complete(stub, ticket, proxy_identity.CODE)

    assert again.relationship.status == proxy_pb2.RELATIONSHIP_STATUS_ACTIVE
    assert not again.HasField("session")
