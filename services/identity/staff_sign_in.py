"""Staff sign-in steps (S2, I4, I11): after the password, change the initial password, set up
or enter a second factor, then a session. Each step hands out a short-lived challenge token,
kept only as its hash; wrong codes count toward the same lockout as wrong passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import new_id, utcnow
from services.common.errors import FieldViolation
from services.identity import domain, repository, sessions, staff, staff_passwords, totp
from services.identity.audit import trail
from services.identity.domain import PrincipalKind, StaffStep
from services.identity.errors import ChallengeEnded, InvalidRequest, WrongSecondFactorCode
from services.identity.lockout import Lockout, principal_key
from services.identity.models import StaffMember, StaffRecoveryCode, StaffSignInChallenge
from services.identity.sessions import SignedIn

_ANSWER_FIELDS = {
    StaffStep.CHANGE_PASSWORD: ("new_password",),
    StaffStep.ENROLL_SECOND_FACTOR: ("totp_code",),
    StaffStep.SECOND_FACTOR: ("totp_code", "recovery_code"),
}


@dataclass(frozen=True)
class TotpSetup:
    """What an authenticator app needs: the otpauth URI (a secret) and its QR code."""

    otpauth_uri: str
    qr_svg_data_uri: str


@dataclass(frozen=True)
class Progress:
    """A session (step SESSION), or the next step with its challenge token, shown once."""

    step: StaffStep
    signed_in: SignedIn | None = None
    challenge_token: str = ""
    challenge_expires_at: datetime | None = None
    totp_setup: TotpSetup | None = None
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What a challenge is continued with: exactly one of the three, by the field's name."""

    field: str
    value: str


def _totp_setup(keyring: Keyring, member: StaffMember) -> TotpSetup:
    # A pending secret is kept until confirmed, so starting over shows the same QR code.
    if member.totp_secret_sealed is None:
        member.totp_secret_sealed = keyring.seal(totp.new_secret().encode())
    uri = totp.provisioning_uri(keyring.unseal(member.totp_secret_sealed).decode(), member.user_id)
    return TotpSetup(uri, totp.qr_svg_data_uri(uri))


def advance(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    member: StaffMember,
    device_label: str,
    lifetime: timedelta,
) -> Progress:
    """The next step of a staff member whose password is right: a session, or a new challenge
    (older ones of theirs stop working). The failure count is cleared only when the session
    opens, so the steps after the password get no fresh tries (I11)."""
    policy = staff.security_policy(session, practice_id=member.practice_id)
    step = domain.next_staff_step(
        password_change_required=member.password_change_required,
        second_factor_enrolled=member.totp_enabled_at is not None,
        second_factor_required=policy.second_factor_required,
    )
    now = utcnow()
    repository.end_challenges(session, member.id, now)
    if step is StaffStep.SESSION:
        signed_in = _signed_in(session, lockout, member, device_label, lifetime)
        return Progress(step, signed_in=signed_in)
    token = new_token()
    challenge = StaffSignInChallenge(
        id=new_id(),
        token_hash=token_hash(token),
        staff_id=member.id,
        step=step,
        expires_at=now + domain.CHALLENGE_LIFETIME,
    )
    session.add(challenge)
    setup = _totp_setup(keyring, member) if step is StaffStep.ENROLL_SECOND_FACTOR else None
    session.flush()
    return Progress(
        step, challenge_token=token, challenge_expires_at=challenge.expires_at, totp_setup=setup
    )


def _record(
    session: Session, member: StaffMember, action: str, outcome: str = "success", **details: str
) -> None:
    trail.record(
        session,
        action,
        f"staff:{member.id}",
        practice_id=member.practice_id,
        outcome=outcome,
        details=details,
    )


def _signed_in(
    session: Session,
    lockout: Lockout,
    member: StaffMember,
    device_label: str,
    lifetime: timedelta,
    second_factor: str = "none",
) -> SignedIn:
    lockout.clear(session, principal_key(PrincipalKind.STAFF, member.id))
    signed_in = sessions.open_session(
        session, kind=PrincipalKind.STAFF, row=member, device_label=device_label, lifetime=lifetime
    )
    _record(session, member, "staff.sign_in", second_factor=second_factor)
    return signed_in


def open_challenge(
    session: Session, lockout: Lockout, token: str
) -> tuple[StaffSignInChallenge, StaffMember]:
    """The live challenge and its staff member, both locked; ChallengeEnded when the token is
    unknown, used or expired (a lock ends it) or the staff member is deactivated, SignInPaused
    while their failures are slowed down."""
    challenge = repository.challenge_by_token_hash(session, token_hash(token)) if token else None
    now = utcnow()
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= now:
        raise ChallengeEnded()
    member = repository.staff_member(session, challenge.staff_id, for_update=True)
    if member is None or member.deactivated_at is not None:
        raise ChallengeEnded()
    lockout.check(session, principal_key(PrincipalKind.STAFF, member.id), now)
    return challenge, member


def _expect(challenge: StaffSignInChallenge, answer: Answer) -> None:
    expected = _ANSWER_FIELDS[StaffStep(challenge.step)]
    if answer.field not in expected:
        raise InvalidRequest(
            f"This sign-in step asks for {' or '.join(expected)}.",
            violations=[FieldViolation(name, "Required by this step.") for name in expected],
        )


def password_step(
    session: Session, *, lockout: Lockout, token: str
) -> staff_passwords.PasswordOnFile:
    """The password on file for a CHANGE_PASSWORD challenge (read before hashing)."""
    challenge, member = open_challenge(session, lockout, token)
    _expect(challenge, Answer("new_password", ""))
    return staff_passwords.on_file(member)


def complete_password_step(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    token: str,
    new: staff_passwords.NewPassword,
    device_label: str,
    lifetime: timedelta,
) -> Progress:
    """Stores the prepared new password and moves on to the next step."""
    challenge, member = open_challenge(session, lockout, token)
    _expect(challenge, Answer("new_password", ""))
    staff_passwords.apply(session, lockout, member, new)
    challenge.consumed_at = utcnow()
    _record(session, member, "staff.password.change", step="change_password")
    return advance(
        session,
        keyring=keyring,
        lockout=lockout,
        member=member,
        device_label=device_label,
        lifetime=lifetime,
    )


def _right_recovery_code(
    session: Session, keyring: Keyring, member: StaffMember, code: str, now: datetime
) -> bool:
    normalized = totp.normalize_recovery_code(code)
    for stored in repository.unused_recovery_codes(session, member.id):
        if keyring.codes_match(member.id, normalized, stored.code_hash):
            stored.used_at = now
            return True
    return False


def _new_recovery_codes(
    session: Session, keyring: Keyring, member: StaffMember, now: datetime
) -> tuple[str, ...]:
    for old in repository.unused_recovery_codes(session, member.id):
        old.used_at = now
    codes = totp.new_recovery_codes(domain.RECOVERY_CODES)
    session.add_all(
        StaffRecoveryCode(
            staff_id=member.id,
            code_hash=keyring.code_hash(member.id, totp.normalize_recovery_code(code)),
        )
        for code in codes
    )
    return tuple(codes)


def answer_second_factor(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    token: str,
    answer: Answer,
    device_label: str,
    lifetime: timedelta,
) -> Progress:
    """Checks an authenticator or recovery code and opens the session. Setting up the app
    (its first right code) also answers ten recovery codes, shown this once. A code of a time
    step already used is refused (no replay). A wrong code counts toward the lockout and raises
    WrongSecondFactorCode, which keeps the count; the lock ends the challenge."""
    challenge, member = open_challenge(session, lockout, token)
    _expect(challenge, answer)
    now = utcnow()
    right = False
    if answer.field == "totp_code" and member.totp_secret_sealed is not None:
        secret = keyring.unseal(member.totp_secret_sealed).decode()
        step = totp.accepted_step(secret, answer.value, now=now, last_step=member.totp_last_step)
        if step is not None:
            member.totp_last_step, right = step, True
    elif answer.field == "recovery_code":
        right = _right_recovery_code(session, keyring, member, answer.value, now)
    if not right:
        _record(session, member, "staff.sign_in.failed", "failed", step=answer.field)
        key = principal_key(PrincipalKind.STAFF, member.id)
        if lockout.fail(session, key, now, principal=member).locked:
            challenge.consumed_at = now
        raise WrongSecondFactorCode(answer.field)
    challenge.consumed_at = now
    codes: tuple[str, ...] = ()
    if StaffStep(challenge.step) is StaffStep.ENROLL_SECOND_FACTOR:
        member.totp_enabled_at = now
        codes = _new_recovery_codes(session, keyring, member, now)
        _record(session, member, "staff.second_factor.enroll")
    signed_in = _signed_in(
        session, lockout, member, device_label, lifetime, second_factor=answer.field
    )
    return Progress(StaffStep.SESSION, signed_in=signed_in, recovery_codes=codes)
