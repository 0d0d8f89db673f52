"""Identity service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.audit import AuditChainHeadColumns, AuditRecordColumns
from services.common.db import UtcDateTime, naming_metadata, new_id, utcnow
from services.common.outbox import OutboxMessageColumns


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Account(Base):
    """A portal login (patient, guardian or representative)."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    username: Mapped[str] = mapped_column(String(50))
    # NFKC + case-folded username; the unique constraint makes `JaneDoe` and `janedoe` collide
    # even when both register at the same instant (I1).
    username_key: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20))
    practice_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    cell_phone: Mapped[str | None] = mapped_column(String(20))
    # Set once the email is verified; unique, so one email is never verified for two accounts (I5).
    verified_email: Mapped[str | None] = mapped_column(String(320), unique=True)
    # When the once-only account-information reset (I8 d) was used; until the account has a
    # verified email and five security questions it must complete them (`account_validation`).
    information_reset_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Until when a pending account may still be activated (its invitation's end, E9); after
    # it the account holds no username and is deleted (`pending_accounts`).
    pending_until: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class Verification(Base):
    """A verification code sent to a pending account's email or phone; only its keyed hash."""

    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the code is used, or when a newer code replaces it: then it no longer works.
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffMember(Base):
    """A practice's staff login, their role and permissions (S1)."""

    __tablename__ = "staff_members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    practice_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(50))
    user_id_key: Mapped[str] = mapped_column(String(200), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A `domain.StaffRole` value: their job, which preset their permissions when they were added.
    role: Mapped[str] = mapped_column(String(20), server_default="other")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The initial password must be replaced at the next sign-in (S1).
    password_change_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Set when deactivated: no sign-in, every session ended.
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The authenticator app's secret, sealed (it must be readable to check codes); pending until
    # `totp_enabled_at` is set by a first right code.
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The time step of the last accepted code: a code of that step or an earlier one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class StaffRecoveryCode(Base):
    """A single-use recovery code of a staff member's second factor; only its keyed hash."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_members.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffSignInChallenge(Base):
    """One pending step of a staff sign-in; the token is kept only as its hash."""

    __tablename__ = "staff_sign_in_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_members.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when answered, replaced, or ended by a lockout or deactivation.
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffSecurityPolicy(Base):
    """How a practice's staff sign in; a practice without a row requires a second factor."""

    __tablename__ = "staff_security_policies"

    practice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    second_factor_required: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class AccountTotp(Base):
    """An account's authenticator app (I4): the secret, sealed (it must be readable to check
    codes); pending until `enabled_at` is set by a first right code."""

    __tablename__ = "account_totp"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The time step of the last accepted code: a code of that step or an earlier one is refused.
    last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccountRecoveryCode(Base):
    """A single-use recovery code of an account's authenticator app; only its keyed hash."""

    __tablename__ = "account_recovery_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccountSignInChallenge(Base):
    """A patient sign-in waiting for its second factor; the token is kept only as its hash."""

    __tablename__ = "account_sign_in_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when answered, replaced by a newer sign-in, or ended by a lockout.
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The remembered device the password came from, if any: wrong codes count against it.
    device_id: Mapped[str | None] = mapped_column(String(32))
    # Whether to remember this device once the sign-in completes.
    remember_device: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuthSession(Base):
    """A signed-in session on one device (I10); the token is kept only as its hash."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    principal_id: Mapped[str] = mapped_column(String(32), index=True)
    practice_id: Mapped[str | None] = mapped_column(String(64))
    device_label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A `domain.Factors` value: what the sign-in proved, e.g. "password+totp" (I4).
    factors: Mapped[str] = mapped_column(String(40), default="password", server_default="password")
    # Renewed as the session is used (at most once a minute); idle past the timeout, it ends.
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccountContact(Base):
    """An account's contact details beyond its login (I5, I9): the notification email, and the
    cell phone once a code sent to it came back."""

    __tablename__ = "account_contacts"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    notification_email: Mapped[str | None] = mapped_column(String(320), index=True)
    verified_cell_phone: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SecurityAnswer(Base):
    """One of an account's five security questions and its answer, kept only as an argon2id
    hash of the normalized answer (I3)."""

    __tablename__ = "security_answers"
    __table_args__ = (UniqueConstraint("account_id", "question_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(40))
    answer_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContactChange(Base):
    """A new account email or cell phone waiting for the code sent to it (I5, N2); only the
    code's keyed hash is kept. It takes effect when the code comes back."""

    __tablename__ = "contact_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    new_value: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the code is used, or when a newer change replaces this one.
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxMessage(OutboxMessageColumns, Base):
    """Calls to other services (verification codes to notify), relayed after commit."""

    __tablename__ = "outbox_messages"


class AuditRecord(AuditRecordColumns, Base):
    """One audit record of an identity action (X2), chained to the one before."""

    __tablename__ = "audit_records"


class AuditChainHead(AuditChainHeadColumns, Base):
    """The identity audit chain's last sequence and hash."""

    __tablename__ = "audit_chain_head"


class PracticePasswordPolicy(Base):
    """A practice's password policy (I2); a practice without a row has the default."""

    __tablename__ = "password_policies"

    practice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    min_length: Mapped[int] = mapped_column(Integer)
    require_mixed_case: Mapped[bool] = mapped_column(Boolean, default=False)
    require_digit: Mapped[bool] = mapped_column(Boolean, default=False)
    require_symbol: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SignInThrottle(Base):
    """Consecutive wrong passwords and codes against one key (I11): an account, a staff member,
    a remembered device, or the keyed hash of a login that does not exist (X3)."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # No attempt is checked before this moment (a slow-down or a lock).
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RememberedDevice(Base):
    """A browser or app an account chose to remember at sign-in (I4, I11); its token lives in
    a cookie and is kept here only as its hash."""

    __tablename__ = "remembered_devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the person forgets it: its token stops working.
    forgotten_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PatientSignInPolicy(Base):
    """How a practice's patients sign in; a practice without a row asks the second factor at
    every sign-in."""

    __tablename__ = "patient_sign_in_policies"

    practice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A `domain.SecondFactorRule` value.
    second_factor_rule: Mapped[str] = mapped_column(String(20))
    # The knowledge-based resets (I8 b, d), on unless the practice turns them off.
    question_reset_allowed: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    account_information_reset_allowed: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class PasswordReset(Base):
    """A password reset link sent to the verified account email (I8 a); only the token's hash
    is kept. It works once, until it expires or a newer link replaces it."""

    __tablename__ = "password_resets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PracticeResetToken(Base):
    """An 8-digit password reset token a practice's staff issued after checking who the patient
    is (I8 c); only its keyed hash is kept. The newest one works, once, until it expires or too
    many wrong tries end it."""

    __tablename__ = "practice_reset_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(100))
    # How staff checked the patient's identity, a `domain.IdentityCheck` value (also audited).
    identity_check: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when used, replaced by a newer token, or ended by too many wrong tries.
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QuestionReset(Base):
    """A password reset by security questions in progress (I8 b): the two questions asked,
    for a short while; only the token's hash is kept. `state_key` names the attempts it counts
    against: the account's, or a decoy's for a username that does not exist (X3)."""

    __tablename__ = "question_resets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state_key: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(32))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QuestionResetAttempts(Base):
    """Failed tries of a knowledge-based reset for one account (or decoy): wrong answers per
    question (I8 b, key "account:<id>", three on one close it) and wrong account information
    (I8 d, key "information:<id>", under "information"). A closed way stays closed until a reset
    link or a practice token is used."""

    __tablename__ = "question_reset_attempts"

    state_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failed: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InformationReset(Base):
    """A password reset by account information in progress (I8 d): which of the addresses
    shown is the account's (None when none is, X3), for a short while; only the token's hash
    is kept. `state_key` names the tries it counts against."""

    __tablename__ = "information_resets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state_key: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(32))
    right_index: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UsernameReminder(Base):
    """When a username reminder (I7) last went to an address, so a stranger cannot mail-bomb
    it; the address is kept only as its keyed hash."""

    __tablename__ = "username_reminders"

    address_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
