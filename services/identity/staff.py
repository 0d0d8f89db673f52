"""Practice staff use cases (S1, S3, E14): add, list, get, change role and permissions,
deactivate, and the practice's staff security policy. Every lookup is scoped to the caller's
practice, and no change leaves a practice without an active administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import context
from services.common.db import new_id, utcnow
from services.common.errors import FieldViolation
from services.identity import checks, domain, passwords, repository, usernames
from services.identity.audit import trail
from services.identity.domain import PrincipalKind, StaffRole
from services.identity.errors import (
    CannotDeactivateSelf,
    InvalidRequest,
    LastAdministrator,
    StaffMemberNotFound,
    UsernameTaken,
)
from services.identity.hashing import PasswordHashing
from services.identity.models import StaffMember, StaffSecurityPolicy

PRACTICE_ID_MAX_LENGTH = 64


@dataclass(frozen=True)
class NewStaffMember:
    """A staff member that passed every check, with the password already hashed."""

    practice_id: str
    user_id: str
    first_name: str
    last_name: str
    role: StaffRole
    permissions: list[str]
    password_hash: str


@dataclass(frozen=True)
class SecurityPolicy:
    """A practice's staff policy; `updated_by` is empty while it is the default."""

    practice_id: str
    second_factor_required: bool
    updated_by: str = ""
    row: StaffSecurityPolicy | None = None


def valid_permissions(permissions: list[str]) -> list[str]:
    """The permission names, sorted and without repeats; InvalidRequest naming unknown ones."""
    unknown = domain.unknown_permissions(permissions)
    if unknown:
        raise InvalidRequest(
            f"Choose permissions from the list; unknown: {', '.join(unknown)}.",
            violations=[FieldViolation("permissions", f"Unknown: {name}") for name in unknown],
        )
    return sorted(set(permissions))


def prepare_staff_member(
    hashing: PasswordHashing,
    *,
    practice_id: str,
    user_id: str,
    password: str,
    first_name: str,
    last_name: str,
    role: StaffRole | None,
    permissions: list[str],
    policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY,
) -> NewStaffMember:
    """Checks a new staff member (S1, I1, I2) and hashes the password; touches no database. A
    staff member without a role is `other`."""
    granted = valid_permissions(permissions)
    practice = checks.required("practice_id", practice_id, PRACTICE_ID_MAX_LENGTH)
    first = checks.required("first_name", first_name, checks.NAME_MAX_LENGTH)
    last = checks.required("last_name", last_name, checks.NAME_MAX_LENGTH)
    login = checks.valid_login(user_id, "user_id")
    return NewStaffMember(
        practice_id=practice,
        user_id=login,
        first_name=first,
        last_name=last,
        role=role or StaffRole.OTHER,
        permissions=granted,
        password_hash=checks.hashed_if_acceptable(hashing, password, login, policy),
    )


def create_staff_member(
    session: Session,
    *,
    idempotency_key: str,
    new: NewStaffMember,
    copy_permissions_from_staff_id: str = "",
    password_change_required: bool = True,
) -> tuple[StaffMember, bool]:
    """Adds a staff member to a practice (S1) with their role's preset permissions, the ones
    granted, and those of another staff member of the same practice when one is named (else
    StaffMemberNotFound). The initial password must be changed at first sign-in unless
    `password_change_required` is False (bootstrap tooling). Answers the staff member and
    whether this call created them: a retry with the same key answers the first one."""
    key = checks.required("idempotency_key", idempotency_key, checks.IDEMPOTENCY_KEY_MAX_LENGTH)
    existing = repository.staff_member_by_idempotency_key(session, key)
    if existing is not None:
        return existing, False
    copied: list[str] = []
    if copy_permissions_from_staff_id:
        source = repository.practice_staff_member(
            session, new.practice_id, copy_permissions_from_staff_id
        )
        if source is None:
            raise StaffMemberNotFound("copy_permissions_from_staff_id")
        copied = source.permissions
    user_id_key = usernames.username_key(new.user_id)
    if repository.staff_member_by_user_id_key(session, user_id_key) is not None:
        raise UsernameTaken("user_id", "user ID")
    member = StaffMember(
        id=new_id(),
        idempotency_key=key,
        practice_id=new.practice_id,
        user_id=new.user_id,
        user_id_key=user_id_key,
        first_name=new.first_name,
        last_name=new.last_name,
        password_hash=new.password_hash,
        role=new.role,
        permissions=domain.initial_permissions(new.role, new.permissions, copied),
        password_change_required=password_change_required,
    )
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        existing = repository.staff_member_by_idempotency_key(session, key)
        if existing is not None:
            return existing, False
        raise UsernameTaken("user_id", "user ID") from None
    trail.record(
        session,
        "staff.create",
        f"staff:{member.id}",
        practice_id=member.practice_id,
        details={"role": member.role, "permissions": ",".join(member.permissions)},
    )
    return member, True


def list_staff(session: Session, *, practice_id: str) -> list[StaffMember]:
    """Every staff member of the practice, active or not."""
    return repository.practice_staff(session, practice_id) if practice_id else []


def get_staff_member(
    session: Session, *, practice_id: str, staff_id: str, for_update: bool = False
) -> StaffMember:
    """The staff member of this practice; StaffMemberNotFound for an unknown ID or one of
    another practice alike (S3)."""
    member = (
        repository.practice_staff_member(session, practice_id, staff_id, for_update=for_update)
        if practice_id and staff_id
        else None
    )
    if member is None:
        raise StaffMemberNotFound()
    return member


def _locked_with_colleagues(
    session: Session, practice_id: str, staff_id: str
) -> tuple[StaffMember, list[StaffMember]]:
    """The staff member of this practice and their colleagues, every one of them locked
    (`repository.lock_practice_staff`); StaffMemberNotFound as `get_staff_member` (S3)."""
    staff = repository.lock_practice_staff(session, practice_id) if practice_id and staff_id else []
    member = next((row for row in staff if row.id == staff_id), None)
    if member is None:
        raise StaffMemberNotFound()
    return member, [row for row in staff if row.id != staff_id]


def _active_administrator(member: StaffMember) -> bool:
    return domain.is_active_administrator(
        member.permissions, deactivated=member.deactivated_at is not None
    )


def _keep_an_administrator(
    member: StaffMember,
    colleagues: list[StaffMember],
    *,
    permissions: list[str],
    deactivated: bool,
    change: str,
) -> None:
    """LastAdministrator when giving `member` these permissions and state would leave the
    practice without an active administrator (E14); `change` names it in the message."""
    if domain.ends_the_last_administrator(
        is_now=_active_administrator(member),
        stays=domain.is_active_administrator(permissions, deactivated=deactivated),
        other_administrators=sum(map(_active_administrator, colleagues)),
    ):
        raise LastAdministrator(change)


def update_permissions(
    session: Session,
    *,
    practice_id: str,
    staff_id: str,
    permissions: list[str],
    role: StaffRole | None = None,
) -> StaffMember:
    """Replaces the staff member's permissions (S1), and their role when one is given (None
    keeps it); their sessions see the change at once. A new role brings no preset: the
    permissions given are the whole new set. Taking manage_personnel from the practice's last
    active administrator, their own or another's, is refused (LastAdministrator, E14)."""
    granted = valid_permissions(permissions)
    member, colleagues = _locked_with_colleagues(session, practice_id, staff_id)
    _keep_an_administrator(
        member,
        colleagues,
        permissions=granted,
        deactivated=member.deactivated_at is not None,
        change="removing manage_personnel from its last active administrator",
    )
    member.permissions = granted
    if role is not None:
        member.role = role
    trail.record(
        session,
        "staff.permissions.update",
        f"staff:{member.id}",
        practice_id=member.practice_id,
        details={"role": member.role, "permissions": ",".join(granted)},
    )
    return member


def deactivate(session: Session, *, practice_id: str, staff_id: str) -> StaffMember:
    """Deactivates a staff member: every session and sign-in challenge of theirs ends at once,
    and they can no longer sign in. Deactivating again changes nothing; the caller cannot
    deactivate themselves (CannotDeactivateSelf), nor anyone the practice's last active
    administrator (LastAdministrator, E14)."""
    if context.current().actor == f"staff:{staff_id}":
        raise CannotDeactivateSelf()
    member, colleagues = _locked_with_colleagues(session, practice_id, staff_id)
    _keep_an_administrator(
        member,
        colleagues,
        permissions=member.permissions,
        deactivated=True,
        change="deactivating its last active administrator",
    )
    if member.deactivated_at is None:
        now = utcnow()
        member.deactivated_at = now
        repository.end_sessions(session, PrincipalKind.STAFF, member.id, now)
        repository.end_challenges(session, member.id, now)
        trail.record(session, "staff.deactivate", f"staff:{member.id}", practice_id=practice_id)
    return member


def security_policy(session: Session, *, practice_id: str) -> SecurityPolicy:
    """The practice's staff policy; a practice that never set one requires a second factor."""
    practice = checks.required("practice_id", practice_id, PRACTICE_ID_MAX_LENGTH)
    row = repository.security_policy(session, practice)
    if row is None:
        return SecurityPolicy(practice, second_factor_required=True)
    return SecurityPolicy(practice, row.second_factor_required, row.updated_by, row)


def set_security_policy(
    session: Session, *, practice_id: str, second_factor_required: bool
) -> SecurityPolicy:
    """Records the practice's staff policy, and who set it: relaxing the second factor is only
    ever this explicit call."""
    practice = checks.required("practice_id", practice_id, PRACTICE_ID_MAX_LENGTH)
    row = repository.security_policy(session, practice, for_update=True)
    if row is None:
        row = StaffSecurityPolicy(practice_id=practice)
        session.add(row)
    row.second_factor_required = second_factor_required
    row.updated_at = utcnow()
    row.updated_by = context.current().actor[:100]
    trail.record(
        session,
        "staff.security_policy.update",
        f"practice:{practice}",
        practice_id=practice,
        details={"second_factor_required": str(second_factor_required).lower()},
    )
    return SecurityPolicy(practice, second_factor_required, row.updated_by, row)
