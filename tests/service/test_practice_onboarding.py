"""Practice onboarding (E14): the operators' command `python -m services.common.practices
create`, run as a Kubernetes Job would run it, against real identity and enrollment services."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import func, select
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.server import ServiceHost
from services.enrollment.models import AuditRecord as EnrollmentAudit
from services.enrollment.models import Practice
from services.enrollment.server import create_server as enrollment_server
from services.identity.domain import PERMISSIONS
from services.identity.models import AuditRecord as IdentityAudit
from tests.service.test_identity_staff_support import (
    NEW_PASSWORD,
    code_at,
    proceed,
    secret_of,
    sign_in,
)
from tests.service.test_identity_support import UNREACHABLE_NOTIFY, start_identity

INITIAL = "Lakeside-Initial-Admin-2026"
ADMIN = "admin.lakeside"
CREATE = [
    "create",
    "--key",
    "lakeside",
    "--name",
    "Lakeside Family Medicine",
    "--phone",
    "+1 312 555 0100",
    "--time-zone",
    "America/Chicago",
    "--admin-user-id",
    ADMIN,
    "--admin-first-name",
    "Avery",
    "--admin-last-name",
    "Admin",
]


@dataclass
class Services:
    identity: ServiceHost
    enrollment: ServiceHost
    identity_stub: identity_pb2_grpc.IdentityServiceStub
    enrollment_stub: enrollment_pb2_grpc.EnrollmentServiceStub

    def run(
        self, *arguments: str, password: str | None = INITIAL, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The command in a process of its own, configured by environment variables only."""
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("VESTIBULE_")
        }
        environment |= {
            "VESTIBULE_IDENTITY_ADDRESS": self.identity.address,
            "VESTIBULE_ENROLLMENT_ADDRESS": self.enrollment.address,
        }
        if password is not None:
            environment["VESTIBULE_FIRST_ADMIN_PASSWORD"] = password
        return subprocess.run(  # noqa: S603 - our own module
            [sys.executable, "-m", "services.common.practices", *arguments],
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def staff(self, practice_id: str) -> list[identity_pb2.StaffMember]:
        request = identity_pb2.ListStaffMembersRequest(practice_id=practice_id)
        return list(self.identity_stub.ListStaffMembers(request, timeout=5).staff_members)

    def practices(self) -> int:
        with self.enrollment.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(Practice)) or 0


@pytest.fixture
def services(start_service, shared_settings) -> Iterator[Services]:
    identity = start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)
    shared = shared_settings.model_copy(update={"identity_address": identity.address})
    enrollment = start_service("enrollment", enrollment_server, shared)
    with (
        grpc.insecure_channel(identity.address) as to_identity,
        grpc.insecure_channel(enrollment.address) as to_enrollment,
    ):
        yield Services(
            identity,
            enrollment,
            identity_pb2_grpc.IdentityServiceStub(to_identity),
            enrollment_pb2_grpc.EnrollmentServiceStub(to_enrollment),
        )


def _ids(output: str) -> tuple[str, str]:
    """The practice ID and the administrator's staff ID the command reported."""
    practice, admin = output.splitlines()
    return practice.split("(ID ")[1].split(")")[0], admin.split("(staff ID ")[1].split(")")[0]


# rule E14, S1
def test_an_operator_creates_a_practice_and_its_first_administrator_E14_S1(services):
    done = services.run(*CREATE)
    assert done.returncode == 0, done.stderr
    practice_id, staff_id = _ids(done.stdout)
    practice = services.enrollment_stub.GetPractice(
        enrollment_pb2.GetPracticeRequest(practice_id=practice_id), timeout=5
    ).practice
    assert (practice.name, practice.time_zone) == ("Lakeside Family Medicine", "America/Chicago")
    (admin,) = services.staff(practice_id)
    assert (admin.staff_id, admin.user_id) == (staff_id, ADMIN)
    assert admin.role == identity_pb2.STAFF_ROLE_ADMINISTRATOR
    assert set(admin.permissions) == PERMISSIONS and admin.active
    assert admin.password_change_required and not admin.second_factor_enrolled


# rule E14, S2, I4
def test_the_first_administrator_changes_the_password_then_sets_up_an_authenticator_E14(
    services,
):
    assert services.run(*CREATE).returncode == 0
    first = sign_in(services.identity_stub, ADMIN, INITIAL)
    assert first.next_step == identity_pb2.STAFF_SIGN_IN_STEP_CHANGE_PASSWORD
    changed = proceed(services.identity_stub, first.challenge_token, new_password=NEW_PASSWORD)
    assert changed.next_step == identity_pb2.STAFF_SIGN_IN_STEP_ENROLL_SECOND_FACTOR
    assert not changed.session_token
    code = code_at(secret_of(changed.totp_setup))
    signed_in = proceed(services.identity_stub, changed.challenge_token, totp_code=code)
    assert signed_in.next_step == identity_pb2.STAFF_SIGN_IN_STEP_SESSION
    assert "manage_personnel" in signed_in.staff_member.permissions


# rule E14
def test_running_it_again_creates_nothing_and_says_so_E14(services):
    first = services.run(*CREATE)
    again = services.run(*CREATE)
    assert (first.returncode, again.returncode) == (0, 0), again.stderr
    assert _ids(again.stdout) == _ids(first.stdout)
    assert again.stdout.count("already created with --key lakeside; nothing new") == 2
    assert services.practices() == 1
    assert len(services.staff(_ids(first.stdout)[0])) == 1


# rule E14, X2
def test_the_practice_and_its_administrator_are_audited_as_the_operator_E14_X2(services):
    practice_id, staff_id = _ids(services.run(*CREATE).stdout)
    services.run(*CREATE)
    with services.enrollment.database.transaction() as session:
        practices = session.scalars(
            select(EnrollmentAudit).where(EnrollmentAudit.action == "practice.create")
        ).all()
        assert [(r.actor, r.target, r.practice_id) for r in practices] == [
            ("operator:practices", f"practice:{practice_id}", practice_id)
        ]
        request_id = practices[0].request_id
    with services.identity.database.transaction() as session:
        admins = session.scalars(
            select(IdentityAudit).where(IdentityAudit.action == "staff.create")
        ).all()
        assert [(r.actor, r.target, r.practice_id, r.request_id) for r in admins] == [
            ("operator:practices", f"staff:{staff_id}", practice_id, request_id)
        ]


# rule E14
def test_the_password_may_come_on_standard_input_and_is_never_printed_E14(services):
    done = services.run(*CREATE, "--password-stdin", password=None, stdin=f"{INITIAL}\n")
    assert done.returncode == 0, done.stderr
    assert INITIAL not in done.stdout + done.stderr
    first = sign_in(services.identity_stub, ADMIN, INITIAL)
    assert first.next_step == identity_pb2.STAFF_SIGN_IN_STEP_CHANGE_PASSWORD


# rule E14
def test_without_a_password_from_a_secret_nothing_is_created_E14(services):
    missing = services.run(*CREATE, password=None)
    assert missing.returncode == 2
    assert "VESTIBULE_FIRST_ADMIN_PASSWORD" in missing.stderr
    on_the_command_line = services.run(*CREATE, "--password", INITIAL, password=None)
    assert on_the_command_line.returncode == 2
    assert "unrecognized arguments" in on_the_command_line.stderr
    assert services.practices() == 0


# rule E14, I2
def test_after_a_refused_password_running_again_adds_the_administrator_E14_I2(services):
    refused = services.run(*CREATE, password="password1")
    assert refused.returncode == 1
    assert "identity refused" in refused.stderr and "The practice exists" in refused.stderr
    assert "password1" not in refused.stdout + refused.stderr
    fixed = services.run(*CREATE)
    assert fixed.returncode == 0, fixed.stderr
    practice_line, admin_line = fixed.stdout.splitlines()
    assert "nothing new" in practice_line and admin_line.endswith(
        "created; at first sign-in they change this initial password, then set up an "
        "authenticator app."
    )
    assert services.practices() == 1
