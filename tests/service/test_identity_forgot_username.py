"""Forgot username (I7) over real gRPC on SQLite and PostgreSQL: real identity, its notify a
recording double; enrollment a gRPC double for identity's tests, and the real enrollment for
its MatchLinkedPatients."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.enrollment.models import AuditRecord as EnrollmentAudit
from services.enrollment.server import create_server as create_enrollment_server
from services.identity.models import AuditRecord
from tests.service.test_account_security_support import active_account
from tests.service.test_enrollment_unenroll import Identity, activated_patient
from tests.service.test_identity_support import field_violations, jobs_done, start_identity

JANE = "jane.doe@example.com"
FAMILY = "family.doe@example.org"


@pytest.fixture
def identity(notify, enrollment, start_service, shared_settings):
    return start_identity(start_service, shared_settings, notify.address, enrollment.address)


@pytest.fixture
def jane(stub, notify) -> str:
    """An active account "JaneDoe" with the verified email JANE."""
    return active_account(stub, notify)


def remind(stub, email: str, last_name: str = "", date_of_birth: str = ""):
    return stub.SendUsernameReminder(
        identity_pb2.SendUsernameReminderRequest(
            email=email, last_name=last_name, date_of_birth=date_of_birth
        ),
        timeout=10,
    )


def reminders(
    notify, count: int = 0, wait: float = 1.0
) -> list[notify_pb2.SendNotificationRequest]:
    """The username reminders notify got, after waiting for `count` (or `wait` seconds)."""
    found = lambda: [  # noqa: E731
        r for r in notify.requests if r.template == notify_pb2.TEMPLATE_USERNAME_REMINDER
    ]
    with notify._arrived:
        notify._arrived.wait_for(lambda: count and len(found()) >= count, wait)
        return found()


def with_notification_email(stub, notify, username: str, email: str, notification: str) -> str:
    account_id = active_account(stub, notify, username=username, email=email)
    stub.SetNotificationEmail(
        identity_pb2.SetNotificationEmailRequest(
            account_id=account_id, notification_email=notification
        ),
        timeout=10,
    )
    return account_id


def audit(identity, action: str = "account.username_reminder") -> list[AuditRecord]:
    with identity.database.transaction() as session:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.sequence)
        ).all()
        session.expunge_all()
        return list(rows)


def test_the_username_goes_to_the_verified_account_email_I7(stub, notify, jane):
    # rule I7
    remind(stub, "  Jane.Doe@Example.com ")
    [sent] = reminders(notify, 1, wait=10)
    assert sent.recipient == JANE
    assert sent.channel == notify_pb2.CHANNEL_EMAIL
    assert dict(sent.parameters) == {"username": "JaneDoe"}
    assert sent.practice_id == "practice-1"


def test_known_and_unknown_emails_get_the_same_answer_I7_X3(
    stub, notify, enrollment, identity, jane
):
    # rule I7, X3
    known = remind(stub, JANE)
    unknown = remind(stub, "nobody@example.com")
    known_with = remind(stub, JANE, "Doe", "1984-03-07")
    unknown_with = remind(stub, "nobody@example.com", "Doe", "1984-03-07")
    assert known == unknown == known_with == unknown_with
    assert "contact your practice" in known.message.lower()
    jobs_done(identity)
    # Enrollment was asked with demographics whether or not a candidate existed.
    assert [list(r.account_ids) for r in enrollment.requests] == [[], []]


def test_the_notification_email_needs_the_right_last_name_and_birth_date_I7(
    stub, notify, enrollment, identity
):
    # rule I7
    account_id = with_notification_email(stub, notify, "JaneDoe", JANE, FAMILY)
    enrollment.linked[account_id] = ("Doe", "1984-03-07")
    remind(stub, FAMILY)
    remind(stub, FAMILY, "Roe", "1984-03-07")
    remind(stub, FAMILY, "Doe", "1984-03-08")
    assert reminders(notify) == []
    remind(stub, FAMILY, " doe ", "1984-03-07")
    [sent] = reminders(notify, 1, wait=10)
    assert (sent.recipient, sent.parameters["username"]) == (FAMILY, "JaneDoe")
    assert [list(r.account_ids) for r in enrollment.requests][-1] == [account_id]


def test_one_reminder_per_address_in_fifteen_minutes_silently_I7_X3(stub, notify, jane, clock):
    # rule I7, X3
    answers = {remind(stub, JANE).SerializeToString() for _ in range(4)}
    assert len(answers) == 1
    assert len(reminders(notify, 2, wait=2)) == 1
    clock.shift(timedelta(minutes=15, seconds=1))
    remind(stub, JANE)
    assert len(reminders(notify, 2, wait=10)) == 2


def test_parallel_requests_send_one_reminder_I7(stub, notify, jane):
    # rule I7
    with futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: remind(stub, JANE), range(4)))
    assert len(reminders(notify, 2, wait=2)) == 1


def test_every_request_is_audited_without_the_address_I7_X2(stub, notify, identity, jane):
    # rule I7, X2
    remind(stub, JANE)
    remind(stub, JANE)
    remind(stub, "nobody@example.com", "Doe", "1984-03-07")
    jobs_done(identity)
    sent, throttled, unknown = audit(identity)
    assert (sent.target, sent.outcome, sent.details) == (
        f"account:{jane}",
        "success",
        {"by": "verified_email", "queued": "true"},
    )
    assert (throttled.target, throttled.outcome) == (f"account:{jane}", "denied")
    assert throttled.details["queued"] == "false"
    assert (unknown.target, unknown.outcome, unknown.details) == ("", "failed", {"matched": "0"})
    text = repr([(r.target, r.details) for r in (sent, throttled, unknown)]).lower()
    assert "jane" not in text and "nobody" not in text and "doe" not in text


def test_bad_input_names_the_field_I7(stub):
    # rule I7
    for fields, field in [
        (("not-an-email", "", ""), "email"),
        ((JANE, "Doe", ""), "date_of_birth"),
        ((JANE, "", "1984-03-07"), "last_name"),
        ((JANE, "Doe", "1984-02-30"), "date_of_birth"),
    ]:
        with pytest.raises(grpc.RpcError) as raised:
            remind(stub, *fields)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in field_violations(raised.value)


# The real enrollment service answers MatchLinkedPatients.


@pytest.fixture
def identity_double() -> Iterator[tuple[Identity, str]]:
    double = Identity()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(double, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield double, f"127.0.0.1:{port}"
    server.stop(0).wait()


@pytest.fixture
def real_enrollment(start_service, shared_settings, identity_double):
    shared = shared_settings.model_copy(update={"identity_address": identity_double[1]})
    return start_service("enrollment", create_enrollment_server, shared)


@pytest.fixture
def enrollment_stub(real_enrollment):
    with grpc.insecure_channel(real_enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


def test_enrollment_answers_yes_or_no_per_account_for_last_name_and_birth_date_I7_X1(
    enrollment_stub, real_enrollment, shared_settings
):
    # rule I7, X1
    practice = enrollment_stub.CreatePractice(
        enrollment_pb2.CreatePracticeRequest(
            idempotency_key="p1", name="Lakeside", time_zone="America/Chicago"
        ),
        timeout=5,
    ).practice
    activated_patient(enrollment_stub, practice.practice_id, real_enrollment, shared_settings)

    def match(last_name: str, date_of_birth: str, ids=("acct-1", "acct-2")) -> list[str]:
        return list(
            enrollment_stub.MatchLinkedPatients(
                enrollment_pb2.MatchLinkedPatientsRequest(
                    account_ids=list(ids), last_name=last_name, date_of_birth=date_of_birth
                ),
                timeout=5,
            ).account_ids
        )

    assert match(" DOE ", "1984-03-07") == ["acct-1"]
    assert match("Doe", "1984-03-08") == []
    assert match("Roe", "1984-03-07") == []
    assert match("Doe", "1984-03-07", ids=()) == []
    with real_enrollment.database.transaction() as session:
        checks = session.scalars(
            select(EnrollmentAudit)
            .where(EnrollmentAudit.action == "enrollment.patient.identity_check")
            .order_by(EnrollmentAudit.sequence)
        ).all()
        assert [(c.outcome, bool(c.patient_id)) for c in checks] == [
            ("success", True),
            ("denied", False),
            ("denied", False),
            ("denied", False),
        ]
    with pytest.raises(grpc.RpcError) as raised:
        match("Doe", "03/07/1984")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "date_of_birth" in field_violations(raised.value)
