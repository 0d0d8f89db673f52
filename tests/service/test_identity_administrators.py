"""Identity over real gRPC: a practice always keeps at least one active administrator, a staff
member holding manage_personnel who is not deactivated (E14, S1)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from sqlalchemy import select, text
from vestibule.identity.v1 import identity_pb2

from services.common.context import ACTOR_KEY
from services.identity.models import StaffMember
from tests.service.test_identity_staff_support import ready_staff, refused
from tests.service.test_identity_support import error_info

ADMINISTRATOR = ["manage_personnel", "view_patients"]
WITHOUT_MANAGE_PERSONNEL = ["view_patients"]


def _administrator(stub, user_id: str, practice_id: str = "practice-1") -> str:
    return ready_staff(stub, user_id, practice_id=practice_id, permissions=ADMINISTRATOR).staff_id


def _permissions(staff_id: str, permissions: list[str], practice_id: str = "practice-1"):
    return identity_pb2.UpdateStaffPermissionsRequest(
        practice_id=practice_id, staff_id=staff_id, permissions=permissions
    )


def _deactivation(staff_id: str) -> identity_pb2.DeactivateStaffMemberRequest:
    return identity_pb2.DeactivateStaffMemberRequest(practice_id="practice-1", staff_id=staff_id)


def _as(staff_id: str) -> list[tuple[str, str]]:
    return [(ACTOR_KEY, f"staff:{staff_id}")]


def _member(stub, staff_id: str) -> identity_pb2.StaffMember:
    return stub.GetStaffMember(
        identity_pb2.GetStaffMemberRequest(practice_id="practice-1", staff_id=staff_id),
        timeout=5,
    ).staff_member


def _active_administrators(stub, practice_id: str = "practice-1") -> list[str]:
    listed = stub.ListStaffMembers(
        identity_pb2.ListStaffMembersRequest(practice_id=practice_id), timeout=5
    ).staff_members
    return [m.staff_id for m in listed if m.active and "manage_personnel" in m.permissions]


def _refused_as_last_administrator(error: grpc.RpcError) -> None:
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "LAST_ADMINISTRATOR"
    assert "at least one active administrator" in error.details()


# rule E14, S1
def test_the_last_administrator_cannot_remove_their_own_manage_personnel_E14_S1(stub):
    admin = _administrator(stub, "OnlyAdmin1")
    with pytest.raises(grpc.RpcError) as raised:
        stub.UpdateStaffPermissions(
            _permissions(admin, WITHOUT_MANAGE_PERSONNEL), metadata=_as(admin), timeout=5
        )
    _refused_as_last_administrator(raised.value)
    assert "manage_personnel" in _member(stub, admin).permissions


# rule E14, S1
def test_nobody_can_take_manage_personnel_from_the_last_administrator_E14_S1(stub):
    admin = _administrator(stub, "OnlyAdmin1")
    _refused_as_last_administrator(
        refused(stub.UpdateStaffPermissions, _permissions(admin, WITHOUT_MANAGE_PERSONNEL))
    )


# rule E14, S1
def test_the_last_administrator_cannot_be_deactivated_E14_S1(stub):
    admin = _administrator(stub, "OnlyAdmin1")
    _refused_as_last_administrator(refused(stub.DeactivateStaffMember, _deactivation(admin)))
    assert _member(stub, admin).active


# rule E14, S1
def test_an_administrator_steps_down_while_another_active_one_remains_E14_S1(stub):
    leaving = _administrator(stub, "Leaving01")
    staying = _administrator(stub, "Staying01")
    stub.UpdateStaffPermissions(
        _permissions(leaving, WITHOUT_MANAGE_PERSONNEL), metadata=_as(leaving), timeout=5
    )
    stub.DeactivateStaffMember(_deactivation(leaving), metadata=_as(staying), timeout=5)
    assert _active_administrators(stub) == [staying]


# rule E14, S1
def test_a_deactivated_administrator_does_not_count_E14_S1(stub):
    admin = _administrator(stub, "Remaining1")
    gone = _administrator(stub, "Deactivated1")
    stub.DeactivateStaffMember(_deactivation(gone), metadata=_as(admin), timeout=5)
    _refused_as_last_administrator(
        refused(stub.UpdateStaffPermissions, _permissions(admin, WITHOUT_MANAGE_PERSONNEL))
    )


# rule E14, S3
def test_another_practice_administrator_does_not_count_E14_S3(stub):
    admin = _administrator(stub, "OurAdmin01")
    _administrator(stub, "TheirAdmin1", practice_id="practice-2")
    _refused_as_last_administrator(
        refused(stub.UpdateStaffPermissions, _permissions(admin, WITHOUT_MANAGE_PERSONNEL))
    )


# rule E14, S1
def test_changes_that_end_no_administration_go_through_E14_S1(stub):
    admin = _administrator(stub, "OnlyAdmin1")
    desk = ready_staff(stub, "FrontDesk1").staff_id
    stub.UpdateStaffPermissions(_permissions(admin, [*ADMINISTRATOR, "view_reports"]), timeout=5)
    stub.UpdateStaffPermissions(_permissions(desk, ["view_reports"]), timeout=5)
    stub.DeactivateStaffMember(_deactivation(desk), metadata=_as(admin), timeout=5)
    assert _active_administrators(stub) == [admin]


def _wait_until_both_wait_for_the_lock(identity, backend: str) -> None:
    """Returns once both calls are blocked behind the test's lock (PostgreSQL shows it; on
    SQLite, whose one writer is taken by BEGIN IMMEDIATE, the calls are given a moment)."""
    if backend == "sqlite":
        time.sleep(0.5)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    with identity.database.engine.connect() as watcher:
        while watcher.execute(waiting).scalar_one() < 2:
            assert time.monotonic() < deadline, "the two calls never waited for the lock"
            time.sleep(0.02)
            watcher.rollback()


# rule E14, S1
def test_two_administrators_stepping_down_at_once_leave_one_E14_S1(stub, identity, backend):
    first = _administrator(stub, "FirstAdmin1")
    second = _administrator(stub, "SecondAdmin1")

    def step_down(staff_id: str) -> grpc.StatusCode:
        try:
            stub.UpdateStaffPermissions(
                _permissions(staff_id, WITHOUT_MANAGE_PERSONNEL), metadata=_as(staff_id), timeout=20
            )
        except grpc.RpcError as error:
            _refused_as_last_administrator(error)
            return error.code()
        return grpc.StatusCode.OK

    # The test holds the practice's staff rows (on SQLite, the database's one writer) so both
    # calls are in flight, past any check they make before locking, when it lets go.
    with identity.database.engine.connect() as holder:
        holder.execute(
            select(StaffMember.id).where(StaffMember.practice_id == "practice-1").with_for_update()
        ).all()
        with ThreadPoolExecutor(2) as pool:
            outcomes = [pool.submit(step_down, staff_id) for staff_id in (first, second)]
            _wait_until_both_wait_for_the_lock(identity, backend)
            holder.commit()
            codes = sorted(str(outcome.result()) for outcome in outcomes)
    assert codes == sorted(
        str(c) for c in (grpc.StatusCode.OK, grpc.StatusCode.FAILED_PRECONDITION)
    )
    assert len(_active_administrators(stub)) == 1
