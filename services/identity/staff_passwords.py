"""Staff password changes (S1, I2): the initial password at first sign-in, and their own
password later. Hashing runs between two transactions, so no lock is held while argon2 runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.identity import checks, passwords
from services.identity.audit import trail
from services.identity.domain import PrincipalKind
from services.identity.errors import PasswordUnchanged, StaffMemberNotFound, WrongCurrentPassword
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout, principal_key
from services.identity.models import StaffMember
from services.identity.staff import get_staff_member


@dataclass(frozen=True)
class PasswordOnFile:
    """The staff member's login and password hash as read before hashing."""

    staff_id: str
    user_id: str
    password_hash: str


@dataclass(frozen=True)
class NewPassword:
    """A new password that meets the policy, hashed, and whether the current one was right."""

    on_file: PasswordOnFile
    new_hash: str
    current_matches: bool = True


def on_file(member: StaffMember) -> PasswordOnFile:
    """What the hashing step needs of a staff member."""
    return PasswordOnFile(member.id, member.user_id, member.password_hash)


def find_own_password(session: Session, *, practice_id: str, staff_id: str) -> PasswordOnFile:
    """The password on file of an active staff member of the practice; StaffMemberNotFound."""
    member = get_staff_member(session, practice_id=practice_id, staff_id=staff_id)
    if member.deactivated_at is not None:
        raise StaffMemberNotFound()
    return on_file(member)


def prepare(
    hashing: PasswordHashing,
    *,
    current: PasswordOnFile,
    new_password: str,
    current_password: str | None = None,
) -> NewPassword:
    """Checks and hashes a new password: it must meet the policy (WeakPassword) and differ from
    the current one (PasswordUnchanged). With `current_password`, checks that too; a wrong one
    is reported in the result, so the write step can count it."""
    if current_password is not None:
        verdict = hashing.verify(current.password_hash, passwords.normalize(current_password))
        if not verdict.matches:
            return NewPassword(current, new_hash="", current_matches=False)
    candidate = checks.acceptable_password(new_password, current.user_id)
    if hashing.verify(current.password_hash, candidate).matches:
        raise PasswordUnchanged()
    return NewPassword(current, new_hash=hashing.hash(candidate))


def apply(session: Session, lockout: Lockout, member: StaffMember, new: NewPassword) -> None:
    """Stores the new hash on the locked staff member, counting a wrong current password toward
    the lockout (WrongCurrentPassword keeps the count; SignInPaused while it is paused). A
    password changed since it was read is refused the same way, uncounted."""
    now = utcnow()
    key = principal_key(PrincipalKind.STAFF, member.id)
    lockout.check_locked(session, key, now)
    if not new.current_matches:
        lockout.fail(session, key, now, principal=member)
        raise WrongCurrentPassword()
    if member.password_hash != new.on_file.password_hash:
        raise WrongCurrentPassword()
    member.password_hash = new.new_hash
    member.password_change_required = False


def change_own_password(
    session: Session, *, lockout: Lockout, practice_id: str, new: NewPassword
) -> StaffMember:
    """Writes a prepared change of the staff member's own password."""
    member = get_staff_member(
        session, practice_id=practice_id, staff_id=new.on_file.staff_id, for_update=True
    )
    apply(session, lockout, member, new)
    trail.record(
        session, "staff.password.change", f"staff:{member.id}", practice_id=member.practice_id
    )
    return member
