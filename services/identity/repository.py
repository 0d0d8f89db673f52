"""Every query of the identity service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, func, literal, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.identity.domain import PrincipalKind
from services.identity.models import (
    Account,
    AccountContact,
    AccountRecoveryCode,
    AccountSignInChallenge,
    AccountTotp,
    AuthSession,
    ContactChange,
    PatientSignInPolicy,
    SecurityAnswer,
    StaffMember,
    StaffRecoveryCode,
    StaffSecurityPolicy,
    StaffSignInChallenge,
    Verification,
)


def account(session: Session, account_id: str, *, for_update: bool = False) -> Account | None:
    query = select(Account).where(Account.id == account_id)
    return session.scalar(query.with_for_update() if for_update else query)


def account_by_idempotency_key(session: Session, key: str) -> Account | None:
    return session.scalar(select(Account).where(Account.idempotency_key == key))


def account_by_username_key(session: Session, key: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username_key == key))


def reset_standing(session: Session, username_key: str) -> Row:  # type: ignore[type-arg]
    """One row, whatever the name: the account's ID, state, practice, verified email and
    information reset time, its answered question IDs joined by commas, and its practice's
    reset policy; NULL for what does not exist. One query and one row either way, so the
    time it takes does not tell whether the name is an account's (X3)."""
    name = select(literal(username_key, String).label("username_key")).subquery("name")
    answered = (
        select(func.aggregate_strings(SecurityAnswer.question_id, ","))
        .where(SecurityAnswer.account_id == Account.id)
        .scalar_subquery()
    )
    return session.execute(
        select(
            Account.id,
            Account.state,
            Account.practice_id,
            Account.verified_email,
            Account.information_reset_at,
            answered.label("question_ids"),
            PatientSignInPolicy.question_reset_allowed,
            PatientSignInPolicy.account_information_reset_allowed,
        )
        .select_from(name)
        .outerjoin(Account, Account.username_key == name.c.username_key)
        .outerjoin(PatientSignInPolicy, PatientSignInPolicy.practice_id == Account.practice_id)
    ).one()


def account_by_verified_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.verified_email == email))


def open_verification(session: Session, account_id: str) -> Verification | None:
    """The account's newest unused verification code, locked for its attempt counter."""
    return session.scalar(
        select(Verification)
        .where(Verification.account_id == account_id, Verification.consumed_at.is_(None))
        .order_by(Verification.created_at.desc())
        .limit(1)
        .with_for_update()
    )


def retire_open_verifications(session: Session, account_id: str, now: datetime) -> None:
    """Marks every unused code of the account as used up, so none of them works any more."""
    session.execute(
        update(Verification)
        .where(Verification.account_id == account_id, Verification.consumed_at.is_(None))
        .values(consumed_at=now)
    )


def first_code_sent_at(session: Session, account_id: str) -> datetime | None:
    """When the account's first code (the registration's) was issued."""
    return session.scalar(
        select(func.min(Verification.created_at)).where(Verification.account_id == account_id)
    )


def codes_sent_since(session: Session, account_id: str, since: datetime) -> list[datetime]:
    """When each of the account's codes issued after `since` was issued, oldest first."""
    return list(
        session.scalars(
            select(Verification.created_at)
            .where(Verification.account_id == account_id, Verification.created_at > since)
            .order_by(Verification.created_at)
        )
    )


def staff_member(
    session: Session, staff_id: str, *, for_update: bool = False
) -> StaffMember | None:
    query = select(StaffMember).where(StaffMember.id == staff_id)
    return session.scalar(query.with_for_update() if for_update else query)


def staff_member_by_idempotency_key(session: Session, key: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.idempotency_key == key))


def staff_member_by_user_id_key(session: Session, key: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.user_id_key == key))


def login_by_key(session: Session, kind: PrincipalKind, key: str) -> Account | StaffMember | None:
    """The account (by username key) or staff member (by user ID key) that signs in as `key`."""
    if kind is PrincipalKind.STAFF:
        return staff_member_by_user_id_key(session, key)
    return account_by_username_key(session, key)


def login_for_update(
    session: Session, kind: PrincipalKind, principal_id: str
) -> Account | StaffMember | None:
    """The account or staff member, locked while its failure count changes."""
    if kind is PrincipalKind.STAFF:
        return staff_member(session, principal_id, for_update=True)
    return account(session, principal_id, for_update=True)


def auth_session_by_token_hash(session: Session, token_hash: str) -> AuthSession | None:
    return session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash))


def practice_staff_member(
    session: Session, practice_id: str, staff_id: str, *, for_update: bool = False
) -> StaffMember | None:
    """The staff member only if they belong to `practice_id` (S3)."""
    query = select(StaffMember).where(
        StaffMember.id == staff_id, StaffMember.practice_id == practice_id
    )
    return session.scalar(query.with_for_update() if for_update else query)


def practice_staff(session: Session, practice_id: str) -> list[StaffMember]:
    """Every staff member of the practice, by family name, given name, user ID."""
    return list(
        session.scalars(
            select(StaffMember)
            .where(StaffMember.practice_id == practice_id)
            .order_by(StaffMember.last_name, StaffMember.first_name, StaffMember.user_id_key)
        )
    )


def lock_practice_staff(session: Session, practice_id: str) -> list[StaffMember]:
    """Every staff member of the practice, locked in ID order and read afresh: a change that
    could end the practice's last administrator (E14) takes these locks first, so two such
    changes run one after the other and the second sees what the first did. The fixed order
    keeps two of them from deadlocking."""
    return list(
        session.scalars(
            select(StaffMember)
            .where(StaffMember.practice_id == practice_id)
            .order_by(StaffMember.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def end_sessions(
    session: Session,
    kind: PrincipalKind,
    principal_id: str,
    now: datetime,
    *,
    except_token_hash: str | None = None,
) -> int:
    """Ends every open session of the principal at once, but the one `except_token_hash` names;
    returns how many ended."""
    query = update(AuthSession).where(
        AuthSession.kind == kind,
        AuthSession.principal_id == principal_id,
        AuthSession.ended_at.is_(None),
    )
    if except_token_hash is not None:
        query = query.where(AuthSession.token_hash != except_token_hash)
    result = session.execute(query.values(ended_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def end_challenges(session: Session, staff_id: str, now: datetime) -> None:
    """Ends every pending sign-in challenge of the staff member."""
    session.execute(
        update(StaffSignInChallenge)
        .where(
            StaffSignInChallenge.staff_id == staff_id,
            StaffSignInChallenge.consumed_at.is_(None),
        )
        .values(consumed_at=now)
    )


def challenge_by_token_hash(session: Session, token_hash: str) -> StaffSignInChallenge | None:
    """The challenge, locked while it is answered."""
    return session.scalar(
        select(StaffSignInChallenge)
        .where(StaffSignInChallenge.token_hash == token_hash)
        .with_for_update()
    )


def unused_recovery_codes(session: Session, staff_id: str) -> list[StaffRecoveryCode]:
    return list(
        session.scalars(
            select(StaffRecoveryCode).where(
                StaffRecoveryCode.staff_id == staff_id, StaffRecoveryCode.used_at.is_(None)
            )
        )
    )


def account_totp(
    session: Session, account_id: str, *, for_update: bool = False
) -> AccountTotp | None:
    query = select(AccountTotp).where(AccountTotp.account_id == account_id)
    return session.scalar(query.with_for_update() if for_update else query)


def unused_account_recovery_codes(session: Session, account_id: str) -> list[AccountRecoveryCode]:
    return list(
        session.scalars(
            select(AccountRecoveryCode).where(
                AccountRecoveryCode.account_id == account_id, AccountRecoveryCode.used_at.is_(None)
            )
        )
    )


def end_account_challenges(session: Session, account_id: str, now: datetime) -> None:
    """Ends every pending sign-in challenge of the account."""
    session.execute(
        update(AccountSignInChallenge)
        .where(
            AccountSignInChallenge.account_id == account_id,
            AccountSignInChallenge.consumed_at.is_(None),
        )
        .values(consumed_at=now)
    )


def account_challenge_by_token_hash(
    session: Session, token_hash: str
) -> AccountSignInChallenge | None:
    """The account's sign-in challenge, locked while it is answered."""
    return session.scalar(
        select(AccountSignInChallenge)
        .where(AccountSignInChallenge.token_hash == token_hash)
        .with_for_update()
    )


def security_policy(
    session: Session, practice_id: str, *, for_update: bool = False
) -> StaffSecurityPolicy | None:
    query = select(StaffSecurityPolicy).where(StaffSecurityPolicy.practice_id == practice_id)
    return session.scalar(query.with_for_update() if for_update else query)


def security_answers(session: Session, account_id: str) -> list[SecurityAnswer]:
    """The account's security answers, by question ID."""
    return list(
        session.scalars(
            select(SecurityAnswer)
            .where(SecurityAnswer.account_id == account_id)
            .order_by(SecurityAnswer.question_id)
        )
    )


def delete_security_answers(session: Session, account_id: str) -> None:
    session.execute(delete(SecurityAnswer).where(SecurityAnswer.account_id == account_id))


def account_contact(
    session: Session, account_id: str, *, for_update: bool = False
) -> AccountContact | None:
    query = select(AccountContact).where(AccountContact.account_id == account_id)
    return session.scalar(query.with_for_update() if for_update else query)


def open_contact_change(session: Session, account_id: str, kind: str) -> ContactChange | None:
    """The account's newest unused change of this kind, locked for its attempt counter."""
    return session.scalar(
        select(ContactChange)
        .where(
            ContactChange.account_id == account_id,
            ContactChange.kind == kind,
            ContactChange.consumed_at.is_(None),
        )
        .order_by(ContactChange.created_at.desc())
        .limit(1)
        .with_for_update()
    )


def retire_contact_changes(session: Session, account_id: str, kind: str, now: datetime) -> None:
    """Marks every unused change of this kind as used up, so none of their codes works."""
    session.execute(
        update(ContactChange)
        .where(
            ContactChange.account_id == account_id,
            ContactChange.kind == kind,
            ContactChange.consumed_at.is_(None),
        )
        .values(consumed_at=now)
    )


def contact_changes_since(
    session: Session, account_id: str, kind: str, since: datetime
) -> list[datetime]:
    """When each change of this kind started after `since` was started, oldest first."""
    return list(
        session.scalars(
            select(ContactChange.created_at)
            .where(
                ContactChange.account_id == account_id,
                ContactChange.kind == kind,
                ContactChange.created_at > since,
            )
            .order_by(ContactChange.created_at)
        )
    )


def account_ids_by_notification_email(session: Session, email: str, limit: int) -> list[str]:
    """Up to `limit` accounts whose notification email is `email`, oldest account first."""
    return list(
        session.scalars(
            select(AccountContact.account_id)
            .join(Account, Account.id == AccountContact.account_id)
            .where(AccountContact.notification_email == email)
            .order_by(Account.created_at, Account.id)
            .limit(limit)
        )
    )
