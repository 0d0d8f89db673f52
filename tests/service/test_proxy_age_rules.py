"""The age rules over real gRPC (P7): the practice's versioned age policy, the age-out report
read in the practice's local date, and the notices 30 and 7 days before, each sent once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from sqlalchemy import func, select
from vestibule.notify.v1 import notify_pb2
from vestibule.proxy.v1 import proxy_pb2

from services.common.audit import audit_key_info
from services.common.clients import connect
from services.common.db import Database
from services.common.outbox import Outbox
from services.proxy.age_outs import AgeOutNotices
from services.proxy.domain import birthday
from services.proxy.models import AgeOutNotice, AuditRecord, OutboxMessage
from services.proxy.patients import Patients
from tests.service.proxy_support import Link, Record, add_relationship
from tests.service.test_identity_support import field_violations

AUCKLAND = "Pacific/Auckland"
CHICAGO = "America/Chicago"


def local_today(time_zone: str = CHICAGO) -> date:
    return datetime.now(ZoneInfo(time_zone)).date()


def born_to_turn_18_on(day: date) -> date:
    return birthday(day, -18)


def local_moment(day: date, hour: int, time_zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def report(stub, practice_id: str, within_days: int) -> list[tuple[str, str, bool]]:
    answer = stub.ListAgeOuts(
        proxy_pb2.ListAgeOutsRequest(practice_id=practice_id, within_days=within_days), timeout=5
    )
    return [(row.patient_id, row.ends_on, row.aged_out) for row in answer.age_outs]


def guardian(patient_id: str, ends: date, **values) -> Link:
    return Link(
        patient_id, f"guardian-of-{patient_id}", dependent_born=born_to_turn_18_on(ends), **values
    )


# rule P7
def test_default_policy_is_version_1_in_the_practice_time_zone_P7(proxy_enrollment, proxy_stub):
    proxy_enrollment.time_zones["practice-1"] = AUCKLAND
    policy = proxy_stub.GetAgePolicy(
        proxy_pb2.GetAgePolicyRequest(practice_id="practice-1"), timeout=5
    ).policy
    assert (policy.version, policy.time_zone, policy.updated_by) == (1, AUCKLAND, "")
    assert not policy.HasField("updated_at")
    assert [(band.from_age, band.access) for band in policy.bands] == [
        (0, "full"),
        (12, "limited"),
        (18, "none"),
    ]
    assert list(policy.bands[1].rights) == [
        "appointments:act",
        "billing:act",
        "forms:act",
        "messages:act",
    ]
    assert set(policy.bands[1].hidden_categories) == {
        "sexual_health",
        "mental_health",
        "substance_use",
    }


def bands(majority: int) -> list[proxy_pb2.AgeBand]:
    return [
        proxy_pb2.AgeBand(from_age=0, access="full"),
        proxy_pb2.AgeBand(
            from_age=13, access="limited", rights=["messages:act"], hidden_categories=["x"]
        ),
        proxy_pb2.AgeBand(from_age=majority, access="none"),
    ]


# rule P7
def test_each_policy_set_is_a_new_audited_version_P7_X2(proxy, proxy_stub):
    versions = [
        proxy_stub.SetAgePolicy(
            proxy_pb2.SetAgePolicyRequest(practice_id="practice-1", bands=bands(majority)),
            timeout=5,
        ).policy.version
        for majority in (19, 21)
    ]
    policy = proxy_stub.GetAgePolicy(
        proxy_pb2.GetAgePolicyRequest(practice_id="practice-1"), timeout=5
    ).policy
    assert versions == [2, 3]
    assert (policy.version, policy.bands[-1].from_age) == (3, 21)
    assert policy.HasField("updated_at")
    assert list(policy.bands[1].rights) == ["messages:act"]
    with proxy.database.transaction() as session:
        actions = session.scalars(
            select(AuditRecord.action).where(AuditRecord.action == "proxy.age_policy.set")
        ).all()
    assert len(actions) == 2


# rule P7
def test_invalid_bands_are_refused_naming_the_fields_and_change_nothing_P7(proxy_stub):
    wrong = [
        [
            proxy_pb2.AgeBand(from_age=5, access="full"),
            proxy_pb2.AgeBand(from_age=30, access="full"),
        ],
        [proxy_pb2.AgeBand(from_age=0, access="sometimes")],
    ]
    for given in wrong:
        with pytest.raises(grpc.RpcError) as raised:
            proxy_stub.SetAgePolicy(
                proxy_pb2.SetAgePolicyRequest(practice_id="practice-1", bands=given), timeout=5
            )
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(raised.value)
    assert set(field_violations(raised.value)) == {"bands[0].access"}
    policy = proxy_stub.GetAgePolicy(
        proxy_pb2.GetAgePolicyRequest(practice_id="practice-1"), timeout=5
    ).policy
    assert policy.version == 1


# rule P7
def test_report_turns_on_the_18th_birthday_at_the_practice_midnight_P7(
    proxy, proxy_enrollment, proxy_stub, clock
):
    proxy_enrollment.time_zones.update({"auckland": AUCKLAND, "chicago": CHICAGO})
    birthday_18 = local_today(AUCKLAND) + timedelta(days=3)
    for practice_id in ("auckland", "chicago"):
        add_relationship(
            proxy, guardian(f"kid-{practice_id}", birthday_18, practice_id=practice_id)
        )
    ends = birthday_18.isoformat()

    clock.move_to(local_moment(birthday_18 - timedelta(days=1), 23, AUCKLAND))
    assert report(proxy_stub, "auckland", 0) == []
    assert report(proxy_stub, "auckland", 1) == [("kid-auckland", ends, False)]

    # The same instant: Auckland's birthday has begun, Chicago's is a day away.
    clock.move_to(local_moment(birthday_18, 1, AUCKLAND))
    assert report(proxy_stub, "auckland", 0) == [("kid-auckland", ends, True)]
    assert report(proxy_stub, "chicago", 0) == []
    assert report(proxy_stub, "chicago", 1) == [("kid-chicago", ends, False)]

    clock.move_to(local_moment(birthday_18, 0, CHICAGO) + timedelta(minutes=1))
    assert report(proxy_stub, "chicago", 0) == [("kid-chicago", ends, True)]


# rule P7
def test_report_lists_the_aged_out_and_those_ending_within_the_days_given_P7(proxy, proxy_stub):
    today = local_today()
    for patient_id, ends in (
        ("long-ago", today - timedelta(days=400)),
        ("in-30", today + timedelta(days=30)),
        ("in-31", today + timedelta(days=31)),
        ("in-5", today + timedelta(days=5)),
    ):
        add_relationship(proxy, guardian(patient_id, ends))
    assert [row[0] for row in report(proxy_stub, "practice-1", 30)] == [
        "long-ago",
        "in-5",
        "in-30",
    ]
    assert [row[0] for row in report(proxy_stub, "practice-1", 31)][-1] == "in-31"
    assert report(proxy_stub, "practice-1", 0) == [
        ("long-ago", (today - timedelta(days=400)).isoformat(), True)
    ]


# rule P7
def test_report_leaves_out_representatives_revoked_unused_and_younger_P7(proxy, proxy_stub):
    today = local_today()
    add_relationship(proxy, guardian("revoked", today + timedelta(days=3), status="revoked"))
    never_used = Link("unused", None, status="expired", dependent_born=today - timedelta(days=7000))
    add_relationship(proxy, never_used)
    add_relationship(proxy, guardian("young", today + timedelta(days=400)))
    add_relationship(proxy, Link("adult", "rep", kind="representative"))
    assert report(proxy_stub, "practice-1", 366) == []


# rule P7
def test_report_refuses_a_horizon_over_a_year_P7(proxy_stub):
    with pytest.raises(grpc.RpcError) as raised:
        report(proxy_stub, "practice-1", 367)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(raised.value)) == {"within_days"}


# rule P7 S3
def test_report_lists_only_the_practice_asked_for_P7_S3(proxy, proxy_stub):
    ends = local_today() + timedelta(days=10)
    add_relationship(proxy, guardian("ours", ends, practice_id="practice-1"))
    add_relationship(proxy, guardian("theirs", ends, practice_id="practice-2"))
    assert [row[0] for row in report(proxy_stub, "practice-1", 30)] == ["ours"]
    assert [row[0] for row in report(proxy_stub, "practice-2", 30)] == ["theirs"]


def replica(proxy, proxy_enrollment, shared_settings) -> AgeOutNotices:
    """Another proxy replica's age-out job on the same database."""
    keyring = shared_settings.keyring()
    database = Database(proxy.settings.database_url, session_info=audit_key_info(keyring))
    return AgeOutNotices(
        database=database,
        outbox=Outbox(OutboxMessage, keyring, channels={}),
        patients=Patients(connect(proxy_enrollment.address, default_timeout=5)),
    )


def age_out_worker(proxy):
    return next(worker for worker in proxy.workers if worker.name == "proxy-age-out-notices")


def sent(proxy) -> tuple[int, int]:
    """(age-out notice rows, outbox messages) in proxy's database."""
    with proxy.database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(AgeOutNotice)),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


# rule P7
def test_notices_go_30_and_7_days_before_once_each_P7(
    proxy, proxy_enrollment, notify, shared_settings, clock
):
    ends = local_today() + timedelta(days=30)
    proxy_enrollment.records["kid"] = Record(first_name="Sam", email="sam@example.com")
    add_relationship(
        proxy,
        guardian("kid", ends, proxy_email="pat@example.com", proxy_first_name="Pat"),
    )
    other = replica(proxy, proxy_enrollment, shared_settings)

    age_out_worker(proxy).wake()
    first = notify.wait_for(2)
    assert other.send_due() == 0
    assert sent(proxy) == (1, 2)

    clock.move_to(local_moment(ends - timedelta(days=7), 9, CHICAGO))
    assert other.send_due() == 1
    assert other.send_due() == 0
    age_out_worker(proxy).wake()
    every = notify.wait_for(4)
    assert sent(proxy) == (2, 4)
    assert len(notify.requests) == 4

    by_key = {request.idempotency_key: request for request in every}
    assert sorted(key.split(":", 2)[2] for key in by_key) == [
        "30:guardian",
        "30:patient",
        "7:guardian",
        "7:patient",
    ]
    to_guardian = next(r for r in first if r.template == notify_pb2.TEMPLATE_AGE_OUT_GUARDIAN)
    assert to_guardian.recipient == "pat@example.com"
    assert dict(to_guardian.parameters) == {
        "practice_name": "Clinic practice-1",
        "practice_phone": "+13125550100",
        "first_name": "Pat",
        "patient_first_name": "Sam",
        "access_ends_on": f"{ends:%B} {ends.day}, {ends.year}",
    }
    to_patient = next(r for r in first if r.template == notify_pb2.TEMPLATE_AGE_OUT_PATIENT)
    assert (to_patient.recipient, to_patient.parameters["first_name"]) == (
        "sam@example.com",
        "Sam",
    )


# rule P7
def test_two_replicas_at_once_send_each_notice_once_P7(
    proxy, proxy_enrollment, shared_settings, clock
):
    age_out_worker(proxy).stop()  # only the two replicas below run the job
    ends = local_today() + timedelta(days=40)
    for number in range(6):
        proxy_enrollment.records[f"kid-{number}"] = Record()
        add_relationship(
            proxy,
            guardian(
                f"kid-{number}", ends, proxy_email=f"g{number}@example.com", proxy_first_name="Pat"
            ),
        )
    clock.move_to(local_moment(ends - timedelta(days=6), 9, CHICAGO))
    replicas = [replica(proxy, proxy_enrollment, shared_settings) for _ in range(2)]
    start = threading.Barrier(2)
    counts: list[int] = []

    def run(job: AgeOutNotices) -> None:
        start.wait()
        counts.append(job.send_due())

    threads = [threading.Thread(target=run, args=(job,)) for job in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(counts) == 6
    # No record email: the dependents are not written to, their guardians are, once each.
    assert sent(proxy) == (6, 6)


# rule P7
def test_no_notice_for_representatives_revoked_invited_or_aged_out_relationships_P7(
    proxy, proxy_enrollment, shared_settings
):
    age_out_worker(proxy).stop()
    today = local_today()
    proxy_enrollment.records.update({"a": Record(), "b": Record(), "c": Record()})
    add_relationship(
        proxy,
        guardian("a", today + timedelta(days=7), status="revoked", proxy_email="x@example.com"),
    )
    add_relationship(proxy, guardian("b", today, proxy_email="y@example.com"))
    add_relationship(proxy, Link("c", "rep", kind="representative", proxy_email="z@example.com"))
    unused = guardian("d", today + timedelta(days=7), status="invited", proxy_email="w@example.com")
    add_relationship(proxy, unused)
    assert replica(proxy, proxy_enrollment, shared_settings).send_due() == 0
    assert sent(proxy) == (0, 0)


# rule P7
def test_dependent_whose_record_has_the_guardian_email_is_not_written_twice_P7(
    proxy, proxy_enrollment, shared_settings
):
    age_out_worker(proxy).stop()
    proxy_enrollment.records["kid"] = Record(email="Pat@Example.com")
    add_relationship(
        proxy,
        guardian(
            "kid",
            local_today() + timedelta(days=7),
            proxy_email="pat@example.com",
            proxy_first_name="Pat",
        ),
    )
    assert replica(proxy, proxy_enrollment, shared_settings).send_due() == 1
    assert sent(proxy) == (1, 1)


# rule P7
def test_a_record_enrollment_no_longer_has_does_not_hold_up_the_others_P7(
    proxy, proxy_enrollment, shared_settings
):
    age_out_worker(proxy).stop()
    ends = local_today() + timedelta(days=7)
    proxy_enrollment.records["kid"] = Record()
    add_relationship(proxy, guardian("gone", ends, proxy_email="a@example.com"))
    add_relationship(proxy, guardian("kid", ends, proxy_email="b@example.com"))
    job = replica(proxy, proxy_enrollment, shared_settings)
    assert job.send_due() == 1
    assert job.send_due() == 0
    assert sent(proxy) == (1, 1)
