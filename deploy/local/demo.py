"""Demo data for the embedded default: a practice and its administrator, made idempotently.

The demo relaxes what production requires, explicitly and on the record: the practice's staff
sign in without a second factor, and the administrator keeps the documented password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.clients import channel_to
from services.common.settings import Settings

ADMIN_USER_ID = "admin.lakeside"
ADMIN_PASSWORD = "lakeside-demo-admin-2026"  # noqa: S105 - the documented demo login
ADMIN_PERMISSIONS = (
    "manage_personnel",
    "view_patients",
    "edit_demographics",
    "enroll_patients",
    "unenroll_patients",
    "manage_proxies",
    "issue_reset_tokens",
    "view_reports",
    "view_audit",
    "manage_practice_settings",
)


@dataclass(frozen=True)
class DemoCredentials:
    practice_name: str
    user_id: str
    password: str


def seed(shared: Settings) -> DemoCredentials:
    """Creates the demo practice and its administrator once; later runs find them again."""
    enrollment = enrollment_pb2_grpc.EnrollmentServiceStub(channel_to(shared, "enrollment"))
    identity = identity_pb2_grpc.IdentityServiceStub(channel_to(shared, "identity"))
    practice = enrollment.CreatePractice(
        enrollment_pb2.CreatePracticeRequest(
            idempotency_key="demo-practice",
            name="Lakeside Family Medicine",
            contact_phone="+1 312 555 0100",
            time_zone="America/Chicago",
        )
    ).practice
    identity.CreateStaffMember(
        identity_pb2.CreateStaffMemberRequest(
            idempotency_key="demo-admin",
            practice_id=practice.practice_id,
            user_id=ADMIN_USER_ID,
            password=ADMIN_PASSWORD,
            first_name="Avery",
            last_name="Admin",
            role=identity_pb2.STAFF_ROLE_ADMINISTRATOR,
            permissions=ADMIN_PERMISSIONS,
            skip_password_change=True,
        )
    )
    identity.SetStaffSecurityPolicy(
        identity_pb2.SetStaffSecurityPolicyRequest(
            practice_id=practice.practice_id, second_factor_required=False
        )
    )
    return DemoCredentials(practice.name, ADMIN_USER_ID, ADMIN_PASSWORD)


def banner(shared: Settings, credentials: DemoCredentials, mail_folder: Path) -> str:
    """What `make run` prints once everything is up."""
    return f"""
Vestibule is running.

  Portal         {shared.portal_url}   (self-signed certificate: accept it once in the
                 browser; curl -k)
  API            {shared.portal_url}/v1   (described at {shared.portal_url}/openapi.json)
  Practice       {credentials.practice_name}
  Administrator  user ID {credentials.user_id}   password {credentials.password}
                 (demo only: this practice signs in without a second factor, and this
                 password need not be changed at first sign-in; staff you add must change
                 theirs, and production practices require an authenticator app)
  Mail           {mail_folder}
  SMS            {shared.data_dir.resolve() / "sms"}
                 (both, newest first: make sent)

Open the portal, or walk through an enrollment with the commands in README.md.
Ctrl-C stops everything.
"""
