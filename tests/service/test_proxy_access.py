"""Who may act for whom, over real gRPC on SQLite and PostgreSQL (P4, P5, P6, P7, S3, X2):
access checks, the records an account may switch to, rights changed and revoked."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from sqlalchemy import select
from vestibule.proxy.v1 import proxy_pb2

from services.proxy.models import AuditRecord
from tests.service.proxy_support import Link, add_relationship
from tests.service.test_identity_support import error_info

CHICAGO = ZoneInfo("America/Chicago")


def _check(stub, account: str, patient: str, right: str) -> proxy_pb2.CheckAccessResponse:
    request = proxy_pb2.CheckAccessRequest(account_id=account, patient_id=patient, right=right)
    return stub.CheckAccess(request, timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def _reason(call) -> str:
    error = _refused(call)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    return error_info(error).reason


# rule P4
def test_a_proxy_with_the_right_is_allowed_and_act_includes_view_P4(proxy, proxy_stub):
    add_relationship(proxy, Link("kid", "mom", rights=["messages:act"]))
    assert _check(proxy_stub, "mom", "kid", "messages:act").relationship_id
    assert _check(proxy_stub, "mom", "kid", "messages:view").practice_id == "practice-1"


# rule P4
def test_a_proxy_without_the_right_is_refused_P4(proxy, proxy_stub):
    add_relationship(proxy, Link("kid", "mom", rights=["messages:view"]))
    assert _reason(lambda: _check(proxy_stub, "mom", "kid", "messages:act")) == (
        "PROXY_RIGHT_MISSING"
    )
    assert _reason(lambda: _check(proxy_stub, "mom", "kid", "billing:view")) == (
        "PROXY_RIGHT_MISSING"
    )


# rule P4
def test_a_proxy_of_one_patient_never_reaches_another_P4(proxy, proxy_stub):
    add_relationship(proxy, Link("kid", "mom", rights=["health_records:act"]))
    add_relationship(proxy, Link("other-kid", "dad", rights=["health_records:act"]))
    assert _reason(lambda: _check(proxy_stub, "mom", "other-kid", "health_records:view")) == (
        "NOT_A_PROXY"
    )


# rule P4, P6
def test_a_revoked_representative_is_refused_at_once_P4_P6(proxy, proxy_stub):
    relationship = add_relationship(
        proxy, Link("adult", "helper", kind="representative", rights=["billing:act"])
    )
    assert _check(proxy_stub, "helper", "adult", "billing:act")
    proxy_stub.RevokeRelationship(
        proxy_pb2.RevokeRelationshipRequest(
            relationship_id=relationship, scope=proxy_pb2.Scope(patient_id="adult")
        )
    )
    assert _reason(lambda: _check(proxy_stub, "helper", "adult", "billing:view")) == (
        "PROXY_ACCESS_ENDED"
    )


# rule X2, P4
def test_every_refusal_is_audited_with_the_patient_and_the_right_X2_P4(proxy, proxy_stub):
    _refused(lambda: _check(proxy_stub, "stranger", "kid", "forms:view"))
    with proxy.database.transaction() as session:
        denied = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "proxy.access.denied")
        ).one()
    assert (denied.patient_id, denied.outcome, denied.details) == (
        "kid",
        "denied",
        {"right": "forms:view"},
    )


def _born_turning(age: int, days_ahead: int = 3) -> date:
    """A date of birth whose `age`th birthday is `days_ahead` days from today in Chicago."""
    day = datetime.now(CHICAGO).date() + timedelta(days=days_ahead)
    if (day.month, day.day) == (2, 29):
        day += timedelta(days=1)
    return day.replace(year=day.year - age)


def _local(day: date, hour: int, minute: int, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


# rule P7
def test_on_the_twelfth_birthday_a_guardian_loses_full_access_at_local_midnight_P7(
    proxy, proxy_stub, clock
):
    born = _born_turning(12)
    add_relationship(proxy, Link("kid", "mom", rights=["health_records:act"], dependent_born=born))
    birthday = born.replace(year=born.year + 12)
    clock.move_to(_local(birthday - timedelta(days=1), 23, 50))
    assert list(_check(proxy_stub, "mom", "kid", "health_records:act").hidden_categories) == []
    clock.move_to(_local(birthday, 0, 10))
    assert _reason(lambda: _check(proxy_stub, "mom", "kid", "health_records:act")) == (
        "PROXY_RIGHT_MISSING"
    )


# rule P7
def test_from_twelve_confidential_categories_are_hidden_from_a_guardian_P7(proxy, proxy_stub):
    born = _born_turning(13)  # 12 now, 13 in three days
    add_relationship(proxy, Link("kid", "mom", rights=["messages:act"], dependent_born=born))
    hidden = _check(proxy_stub, "mom", "kid", "messages:act").hidden_categories
    assert {"mental_health", "sexual_health"} <= set(hidden)


# rule P7
def test_on_the_eighteenth_birthday_a_guardians_access_ends_by_itself_P7(proxy, proxy_stub, clock):
    born = _born_turning(18)
    add_relationship(proxy, Link("teen", "mom", rights=["forms:act"], dependent_born=born))
    birthday = born.replace(year=born.year + 18)
    clock.move_to(_local(birthday - timedelta(days=1), 23, 50))
    assert _check(proxy_stub, "mom", "teen", "forms:act")
    clock.move_to(_local(birthday, 0, 10))
    assert _reason(lambda: _check(proxy_stub, "mom", "teen", "forms:view")) == (
        "PROXY_ACCESS_ENDED"
    )


# rule P7
def test_the_birthday_starts_at_the_practices_midnight_not_utc_P7(
    proxy, proxy_stub, proxy_enrollment, clock
):
    proxy_enrollment.time_zones["practice-nz"] = "Pacific/Auckland"
    born = _born_turning(18)
    for practice, guardian in (("practice-1", "mom"), ("practice-nz", "dad")):
        add_relationship(
            proxy,
            Link("teen", guardian, rights=["forms:act"], dependent_born=born, practice_id=practice),
        )
    birthday = born.replace(year=born.year + 18)
    clock.move_to(_local(birthday, 0, 30, ZoneInfo("Pacific/Auckland")))  # still the eve in Chicago
    assert _check(proxy_stub, "mom", "teen", "forms:act")
    assert _reason(lambda: _check(proxy_stub, "dad", "teen", "forms:act")) == "PROXY_ACCESS_ENDED"


# rule P5, P7
def test_an_account_lists_the_records_it_may_act_for_today_P5_P7(proxy, proxy_stub):
    add_relationship(proxy, Link("kid", "mom", rights=["messages:act"]))
    add_relationship(proxy, Link("grown", "mom", dependent_born=date(1990, 1, 1)))
    add_relationship(proxy, Link("ex", "mom", kind="representative", status="revoked"))
    add_relationship(proxy, Link("other", "dad"))
    listed = proxy_stub.ListAccessibleRecords(
        proxy_pb2.ListAccessibleRecordsRequest(account_id="mom")
    ).relationships
    assert [(r.patient_id, list(r.effective_rights)) for r in listed] == [("kid", ["messages:act"])]


def _update(stub, relationship: str, scope: proxy_pb2.Scope, **rights):
    request = proxy_pb2.UpdateRightsRequest(relationship_id=relationship, scope=scope, **rights)
    return stub.UpdateRights(request, timeout=10).relationship


# rule P4, P6, X2
def test_the_patient_changes_a_representatives_rights_and_is_told_P4_P6_X2(
    proxy, proxy_stub, proxy_identity
):
    relationship = add_relationship(
        proxy,
        Link("adult", "helper", kind="representative", patient_account_id="adult-account"),
    )
    changed = _update(
        proxy_stub, relationship, proxy_pb2.Scope(patient_id="adult"), preset="view_only"
    )
    assert "messages:view" in changed.rights and "messages:act" not in changed.rights
    assert [c.event for c in changed.history] == ["rights_changed"]
    assert changed.history[0].actor
    notice = proxy_identity.wait_for(1)[0]
    assert notice.account_id == "adult-account"
    assert _reason(lambda: _check(proxy_stub, "helper", "adult", "messages:act")) == (
        "PROXY_RIGHT_MISSING"
    )


# rule P4, S3
@pytest.mark.parametrize(
    "scope",
    [proxy_pb2.Scope(patient_id="someone-else"), proxy_pb2.Scope(practice_id="practice-2")],
)
def test_a_relationship_outside_the_callers_scope_is_not_found_P4_S3(proxy, proxy_stub, scope):
    relationship = add_relationship(proxy, Link("kid", "mom"))
    error = _refused(lambda: _update(proxy_stub, relationship, scope, preset="full"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


# rule P4
def test_rights_that_do_not_exist_are_refused_naming_them_P4(proxy, proxy_stub):
    relationship = add_relationship(proxy, Link("kid", "mom"))
    error = _refused(
        lambda: _update(
            proxy_stub,
            relationship,
            proxy_pb2.Scope(practice_id="practice-1"),
            rights=["messages:act", "x-rays:view"],
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(error).reason == "UNKNOWN_RIGHTS"


# rule P4
def test_revoking_twice_answers_the_same_and_rights_cannot_change_after_P4(proxy, proxy_stub):
    relationship = add_relationship(proxy, Link("kid", "mom"))
    scope = proxy_pb2.Scope(practice_id="practice-1")
    revoke = proxy_pb2.RevokeRelationshipRequest(relationship_id=relationship, scope=scope)
    first = proxy_stub.RevokeRelationship(revoke).relationship
    second = proxy_stub.RevokeRelationship(revoke).relationship
    assert first.status == second.status == proxy_pb2.RELATIONSHIP_STATUS_REVOKED
    assert [c.event for c in second.history] == ["revoked"]
    error = _refused(lambda: _update(proxy_stub, relationship, scope, preset="full"))
    assert error_info(error).reason == "RELATIONSHIP_ENDED"


# rule P6
def test_the_family_view_lists_guardians_and_the_accounts_own_dependents_P6(proxy, proxy_stub):
    add_relationship(proxy, Link("mom-record", "grandma", kind="representative"))
    add_relationship(proxy, Link("kid", "mom-account"))
    add_relationship(proxy, Link("kid", "mom-account", practice_id="practice-2"))
    family = proxy_stub.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(
            practice_id="practice-1", patient_id="mom-record", account_id="mom-account"
        )
    )
    assert [r.proxy_account_id for r in family.relationships] == ["grandma"]
    assert [(r.patient_id, r.practice_id) for r in family.acting_for] == [("kid", "practice-1")]


# rule P2
def test_two_guardians_of_one_child_each_act_with_their_own_rights_P2(proxy, proxy_stub):
    add_relationship(proxy, Link("kid", "mom", rights=["messages:act"]))
    add_relationship(proxy, Link("kid", "dad", rights=["billing:view"]))
    assert _check(proxy_stub, "mom", "kid", "messages:act")
    assert _check(proxy_stub, "dad", "kid", "billing:view")
    assert _reason(lambda: _check(proxy_stub, "dad", "kid", "messages:view")) == (
        "PROXY_RIGHT_MISSING"
    )
