"""Proxy invitations over real gRPC, on SQLite and PostgreSQL: inviting a guardian (P1, P2) or
a representative (P3), identifying the patient, and linking an account that exists or is
created (E10, X2, X3). Enrollment and identity are doubles; notify is the recording sink."""

from __future__ import annotations

import threading
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select
from vestibule.notify.v1 import notify_pb2
from vestibule.proxy.v1 import proxy_pb2

from services.proxy.models import AuditRecord, ProxyInvitation, Relationship
from tests.service.proxy_support import Record
from tests.service.test_identity_support import field_violations

CHILD = Record(date_of_birth="2019-05-20", zip_code="60614", first_name="Sam")
ADULT = Record(
    date_of_birth="1980-02-01",
    zip_code="60601",
    first_name="Alex",
    account_id="alex-account",
    email="alex@example.com",
)
MOM = proxy_pb2.Invitee(
    first_name="Maria", last_name="Lopez", email="maria@example.com", relationship_label="mother"
)
DAD = proxy_pb2.Invitee(
    first_name="Jon", last_name="Lopez", email="jon@example.com", relationship_label="father"
)


@pytest.fixture
def records(proxy_enrollment):
    proxy_enrollment.records.update({"kid": CHILD, "alex": ADULT})
    return proxy_enrollment.records


def invite_guardian(stub, invitee=MOM, key="k1", patient_id="kid", **fields):
    return stub.InviteGuardian(
        proxy_pb2.InviteGuardianRequest(
            idempotency_key=key,
            practice_id="practice-1",
            patient_id=patient_id,
            invitee=invitee,
            **fields,
        ),
        timeout=10,
    ).relationship


def invite_representative(stub, invitee=MOM, key="r1", **fields):
    return stub.InviteRepresentative(
        proxy_pb2.InviteRepresentativeRequest(
            idempotency_key=key,
            practice_id="practice-1",
            patient_id="alex",
            invitee=invitee,
            **fields,
        ),
        timeout=10,
    ).relationship


def token_of(message: notify_pb2.SendNotificationRequest) -> str:
    return message.parameters["activation_url"].split("#token=", 1)[1]


def verify(stub, token, zip_code="60614", date_of_birth="2019-05-20"):
    return stub.VerifyProxyInvitation(
        proxy_pb2.VerifyProxyInvitationRequest(
            invitation_token=token, zip_code=zip_code, date_of_birth=date_of_birth
        ),
        timeout=10,
    )


def accept(stub, ticket, account_id="mom-account", label="mother"):
    return stub.AcceptProxyInvitation(
        proxy_pb2.AcceptProxyInvitationRequest(
            ticket=ticket, account_id=account_id, relationship_label=label
        ),
        timeout=10,
    ).relationship


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule P1
def test_guardian_invitation_goes_out_with_first_names_only_P1(stub_and_records, notify):
    stub = stub_and_records
    row = invite_guardian(stub)
    assert row.status == proxy_pb2.RELATIONSHIP_STATUS_INVITED
    assert [change.event for change in row.history] == ["invited"]
    (message,) = notify.wait_for(1)
    assert message.template == notify_pb2.TEMPLATE_GUARDIAN_INVITATION
    assert message.recipient == "maria@example.com"
    assert message.channel == notify_pb2.CHANNEL_EMAIL
    parameters = dict(message.parameters)
    assert set(parameters) == {
        "practice_name",
        "practice_phone",
        "first_name",
        "patient_first_name",
        "activation_url",
        "expires_on",
    }
    assert (parameters["first_name"], parameters["patient_first_name"]) == ("Maria", "Sam")
    assert parameters["activation_url"].startswith("https://")
    assert "#token=" in parameters["activation_url"]
    assert not any("Lopez" in v or "2019" in v or "60614" in v for v in parameters.values())


@pytest.fixture
def stub_and_records(proxy_stub, records):
    return proxy_stub


# rule X2
def test_every_invitation_step_is_audited_without_phi_X2(proxy, stub_and_records, notify):
    stub = stub_and_records
    row = invite_guardian(stub)
    token = token_of(notify.wait_for(1)[0])
    refused(lambda: verify(stub, token, zip_code="99999"))
    accept(stub, verify(stub, token).ticket)
    with proxy.database.transaction() as session:
        audits = session.scalars(select(AuditRecord).order_by(AuditRecord.sequence)).all()
        trail = [(a.action, a.target, a.outcome) for a in audits]
    target = f"relationship:{row.relationship_id}"
    assert trail == [
        ("proxy.guardian.invite", target, "success"),
        ("proxy.invitation.verify", target, "failed"),
        ("proxy.invitation.verify", target, "success"),
        ("proxy.invitation.accept", target, "success"),
    ]
    details = " ".join(str(a.details) for a in audits)
    assert not any(phi in details for phi in ("Maria", "Lopez", "maria@", "2019", "60614"))


# rule P1
def test_right_zip_and_birth_date_answer_a_ticket_and_the_invitee_P1(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    answer = verify(stub, token_of(notify.wait_for(1)[0]))
    assert answer.ticket
    assert answer.kind == proxy_pb2.RELATIONSHIP_KIND_GUARDIAN
    assert (answer.invitee.first_name, answer.invitee.email) == ("Maria", "maria@example.com")
    assert answer.practice_id == "practice-1"


# rule X3
def test_wrong_token_and_wrong_answers_are_refused_alike_X3_E10(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    token = token_of(notify.wait_for(1)[0])
    wrong_token = refused(lambda: verify(stub, "not-a-token"))
    wrong_zip = refused(lambda: verify(stub, token, zip_code="60615"))
    wrong_birth = refused(lambda: verify(stub, token, date_of_birth="2014-05-21"))
    answers = {(e.code(), e.details()) for e in (wrong_token, wrong_zip, wrong_birth)}
    assert len(answers) == 1
    assert wrong_token.code() == grpc.StatusCode.NOT_FOUND


# rule P1
def test_five_wrong_answers_lock_the_invitation_P1_E10(proxy, stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    token = token_of(notify.wait_for(1)[0])
    for _ in range(5):
        refused(lambda: verify(stub, token, zip_code="10001"))
    locked = refused(lambda: verify(stub, token))
    assert locked.code() == grpc.StatusCode.NOT_FOUND
    with proxy.database.transaction() as session:
        assert session.scalars(select(ProxyInvitation.failed_attempts)).one() == 5


# rule P1
def test_accepting_with_an_existing_account_links_it_and_tells_the_patient_P1(
    proxy_identity, proxy_enrollment, stub_and_records, notify
):
    stub = stub_and_records
    proxy_enrollment.records["kid"] = Record(date_of_birth="2019-05-20", account_id="child-account")
    invite_guardian(stub)
    ticket = verify(stub, token_of(notify.wait_for(1)[0])).ticket
    row = accept(stub, ticket, label="mom")
    assert row.status == proxy_pb2.RELATIONSHIP_STATUS_ACTIVE
    assert row.proxy_account_id == "mom-account"
    assert row.relationship_label == "mom"
    assert [change.event for change in row.history] == ["invited", "accepted"]
    assert set(row.effective_rights) == set(row.rights)
    (notice,) = proxy_identity.wait_for(1)
    assert notice.account_id == "child-account"
    # A retry answers the same; the link has been used.
    assert accept(stub, ticket, label="mom").relationship_id == row.relationship_id


# rule E10
def test_an_invitation_link_works_once_E10(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    token = token_of(notify.wait_for(1)[0])
    accept(stub, verify(stub, token).ticket)
    assert refused(lambda: verify(stub, token)).code() == grpc.StatusCode.NOT_FOUND


# rule P1
def test_creating_an_account_links_it_once_its_emailed_code_is_confirmed_P1(
    proxy_identity, stub_and_records, notify
):
    stub = stub_and_records
    invite_guardian(stub)
    ticket = verify(stub, token_of(notify.wait_for(1)[0])).ticket
    create = proxy_pb2.CreateProxyAccountRequest(
        ticket=ticket,
        username="maria.lopez",
        password="a long enough password",
        email="maria@example.com",
        first_name="Maria",
        last_name="Lopez-Diaz",
        relationship_label="mother",
    )
    first = stub.CreateProxyAccount(create, timeout=10)
    assert first.code_destination_hint == "g***@example.com"
    assert stub.CreateProxyAccount(create, timeout=10) == first
    (registered,) = proxy_identity.registered.values()
    assert (registered.username, registered.email) == ("maria.lopez", "maria@example.com")
    wrong = refused(
        lambda: stub.CompleteProxyAccount(
            proxy_pb2.CompleteProxyAccountRequest(ticket=ticket, code="000000"), timeout=10
        )
    )
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT
    complete = proxy_pb2.CompleteProxyAccountRequest(ticket=ticket, code=proxy_identity.CODE)
    done = stub.CompleteProxyAccount(complete, timeout=10)
    assert done.account_id == next(iter(proxy_identity.registered))
    assert done.relationship.status == proxy_pb2.RELATIONSHIP_STATUS_ACTIVE
    assert done.relationship.proxy_account_id == done.account_id
    assert done.relationship.proxy_last_name == "Lopez-Diaz"
    # A retry answers the same, but for the session: only the first answer carries it.
    done.ClearField("session")
    assert stub.CompleteProxyAccount(complete, timeout=10) == done


# rule P1
def test_completing_before_creating_the_account_is_refused_P1(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    ticket = verify(stub, token_of(notify.wait_for(1)[0])).ticket
    error = refused(
        lambda: stub.CompleteProxyAccount(
            proxy_pb2.CompleteProxyAccountRequest(ticket=ticket, code="123456"), timeout=10
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


# rule P1, N2
def test_the_new_accounts_code_can_be_sent_again_P1_N2(proxy_identity, stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    ticket = verify(stub, token_of(notify.wait_for(1)[0])).ticket
    resend = proxy_pb2.ResendProxyAccountCodeRequest(ticket=ticket)
    assert refused(lambda: stub.ResendProxyAccountCode(resend)).code() == (
        grpc.StatusCode.FAILED_PRECONDITION
    )  # no account created yet
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
    assert stub.ResendProxyAccountCode(resend).code_destination_hint == "g***@example.com"
    asked = [r for r in proxy_identity.requests if r.DESCRIPTOR.name.startswith("ResendVerif")]
    assert [r.account_id for r in asked] == list(proxy_identity.registered)


# rule E10
def test_a_resend_supersedes_the_older_link_E10(stub_and_records, notify):
    stub = stub_and_records
    row = invite_guardian(stub)
    older = token_of(notify.wait_for(1)[0])
    stub.ResendProxyInvitation(
        proxy_pb2.ResendProxyInvitationRequest(
            relationship_id=row.relationship_id, scope=proxy_pb2.Scope(practice_id="practice-1")
        ),
        timeout=10,
    )
    newer = token_of(notify.wait_for(2)[1])
    assert newer != older
    assert refused(lambda: verify(stub, older)).code() == grpc.StatusCode.NOT_FOUND
    assert verify(stub, newer).ticket


# rule S3
def test_another_practice_cannot_resend_S3_E10(stub_and_records, notify):
    stub = stub_and_records
    row = invite_guardian(stub)
    error = refused(
        lambda: stub.ResendProxyInvitation(
            proxy_pb2.ResendProxyInvitationRequest(
                relationship_id=row.relationship_id,
                scope=proxy_pb2.Scope(practice_id="practice-2"),
            ),
            timeout=10,
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


# rule E10
def test_an_invitation_expires_after_fourteen_days_E10(clock, stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub)
    token = token_of(notify.wait_for(1)[0])
    clock.shift(timedelta(days=14, minutes=1))
    assert refused(lambda: verify(stub, token)).code() == grpc.StatusCode.NOT_FOUND


# rule P1
def test_an_invitation_retried_with_its_key_is_one_invitation_P1(proxy, stub_and_records, notify):
    stub = stub_and_records
    first = invite_guardian(stub, key="same")
    again = invite_guardian(stub, key="same")
    assert again.relationship_id == first.relationship_id
    with proxy.database.transaction() as session:
        assert len(session.scalars(select(ProxyInvitation)).all()) == 1
    assert len(notify.wait_for(1)) == 1


# rule P2
def test_two_guardians_of_one_child_each_with_an_own_account_P2(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub, MOM, key="mom")
    invite_guardian(stub, DAD, key="dad")
    tokens = {m.recipient: token_of(m) for m in notify.wait_for(2)}
    accept(stub, verify(stub, tokens["maria@example.com"]).ticket, "mom-account")
    accept(stub, verify(stub, tokens["jon@example.com"]).ticket, "dad-account")
    listed = stub.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(practice_id="practice-1", patient_id="kid"), timeout=10
    ).relationships
    assert sorted(r.proxy_account_id for r in listed) == ["dad-account", "mom-account"]


# rule P2
def test_a_second_active_relationship_of_one_account_is_refused_P2(stub_and_records, notify):
    stub = stub_and_records
    invite_guardian(stub, MOM, key="mom")
    invite_guardian(stub, DAD, key="dad")
    tokens = {m.recipient: token_of(m) for m in notify.wait_for(2)}
    accept(stub, verify(stub, tokens["maria@example.com"]).ticket, "mom-account")
    ticket = verify(stub, tokens["jon@example.com"]).ticket
    error = refused(lambda: accept(stub, ticket, "mom-account"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


# rule P2
def test_inviting_an_email_already_invited_for_the_patient_is_refused_P2(stub_and_records):
    stub = stub_and_records
    invite_guardian(stub, MOM, key="one")
    error = refused(lambda: invite_guardian(stub, MOM, key="two"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


# rule P1
def test_a_guardian_for_an_adult_is_refused_P1(stub_and_records):
    error = refused(lambda: invite_guardian(stub_and_records, patient_id="alex"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "representative" in error.details()


# rule P3
def test_a_representative_for_a_minor_is_refused_P3(stub_and_records):
    error = refused(
        lambda: stub_and_records.InviteRepresentative(
            proxy_pb2.InviteRepresentativeRequest(
                idempotency_key="r", practice_id="practice-1", patient_id="kid", invitee=MOM
            ),
            timeout=10,
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "guardian" in error.details()


# rule P1
def test_unknown_rights_are_refused_naming_them_P1(stub_and_records):
    error = refused(
        lambda: invite_guardian(stub_and_records, rights=["health_records:view", "x-ray:all"])
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-ray:all" in error.details()


# rule P1
def test_an_invitee_without_email_is_refused_P1(stub_and_records):
    nameless = proxy_pb2.Invitee(first_name="Maria", last_name="Lopez")
    error = refused(lambda: invite_guardian(stub_and_records, nameless))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule P3, N1
@pytest.mark.parametrize("email", ["x@", "a b@example.com"])
def test_an_email_notify_could_not_send_to_is_refused_naming_it_P3_N1(stub_and_records, email):
    invitee = proxy_pb2.Invitee(first_name="Maria", last_name="Lopez", email=email)
    error = refused(lambda: invite_representative(stub_and_records, invitee))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(field_violations(error)) == ["email"]


# rule P3
def test_a_patient_cannot_invite_their_own_email_P3(proxy_identity, stub_and_records):
    proxy_identity.emails["alex-account"] = "alex.login@example.com"
    own = proxy_pb2.Invitee(first_name="A", last_name="B", email="Alex.Login@example.com")
    error = refused(
        lambda: invite_representative(stub_and_records, own, inviter_account_id="alex-account")
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule P3
def test_a_patient_invites_representatives_only_for_their_own_record_P3(stub_and_records):
    error = refused(
        lambda: invite_representative(stub_and_records, inviter_account_id="someone-else")
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


# rule P3
def test_a_representative_accepts_and_acts_for_the_patient_P3(
    proxy_identity, stub_and_records, notify
):
    stub = stub_and_records
    proxy_identity.emails["alex-account"] = "alex@example.com"
    invited = invite_representative(stub, inviter_account_id="alex-account")
    assert list(invited.rights) == sorted(
        ["health_records:view", "messages:view", "appointments:view", "billing:view", "forms:view"]
    )
    (message,) = notify.wait_for(1)
    assert message.template == notify_pb2.TEMPLATE_REPRESENTATIVE_INVITATION
    ticket = verify(stub, token_of(message), zip_code="60601", date_of_birth="1980-02-01").ticket
    own = refused(lambda: accept(stub, ticket, "alex-account"))
    assert own.code() == grpc.StatusCode.INVALID_ARGUMENT
    row = accept(stub, ticket, "rep-account", "spouse")
    assert (row.patient_id, row.practice_id, row.status) == (
        "alex",
        "practice-1",
        proxy_pb2.RELATIONSHIP_STATUS_ACTIVE,
    )


# rule P1
def test_the_relationship_row_keeps_the_invitees_email_for_the_invitation_P1(
    proxy, stub_and_records
):
    row = invite_guardian(stub_and_records)
    with proxy.database.transaction() as session:
        stored = session.get(Relationship, row.relationship_id)
        assert stored is not None
        assert (stored.proxy_email, stored.dependent_born.isoformat()) == (
            "maria@example.com",
            "2019-05-20",
        )


# rule P1
def test_a_guardian_may_have_the_email_on_the_childs_record_P1(proxy_enrollment, proxy_stub):
    proxy_enrollment.records["kid"] = Record(date_of_birth="2019-05-20", email=MOM.email)
    assert invite_guardian(proxy_stub).status == proxy_pb2.RELATIONSHIP_STATUS_INVITED


# rule P1
def test_a_guardian_cannot_be_the_childs_own_account_email_P1(
    proxy_identity, proxy_enrollment, proxy_stub
):
    proxy_enrollment.records["kid"] = Record(date_of_birth="2012-05-20", account_id="teen")
    proxy_identity.emails["teen"] = MOM.email
    error = refused(lambda: invite_guardian(proxy_stub))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule P1, E10
def test_the_same_invitation_sent_twice_at_once_is_one_invitation_P1_E10(
    proxy, proxy_stub, records, notify
):
    answers: list[str] = []

    def send() -> None:
        answers.append(invite_guardian(proxy_stub, key="same-moment").relationship_id)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and len(set(answers)) == 1
    with proxy.database.transaction() as session:
        assert len(session.scalars(select(Relationship)).all()) == 1
        assert len(session.scalars(select(ProxyInvitation)).all()) == 1
