"""Patient sign-in after the password (I4, I10, I11): a session, or a second-factor challenge.

An account with its authenticator app on gets a short-lived challenge token (kept only as its
hash) instead of a session, unless its practice asks the code only from new devices and this
device was remembered; the app's code or an unused recovery code then opens the session. Every
session records the factors it was opened with. A sign-in that asked to remember its device
answers the device's token, shown once, for the browser's cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import new_id, utcnow
from services.identity import (
    account_totp,
    account_validation,
    domain,
    patient_sign_in_policy,
    pending_accounts,
    remembered_devices,
    repository,
    sessions,
)
from services.identity.audit import trail
from services.identity.domain import AccountState, Factors, PrincipalKind, SecondFactorRule
from services.identity.errors import (
    ActivationExpired,
    ActivationPending,
    ChallengeEnded,
    WrongSecondFactorCode,
)
from services.identity.hashing import Verdict
from services.identity.lockout import Lockout, device_key, principal_key
from services.identity.models import Account, AccountSignInChallenge, RememberedDevice
from services.identity.sessions import Credential, SignedIn

_FACTORS = {"totp_code": Factors.PASSWORD_TOTP, "recovery_code": Factors.PASSWORD_RECOVERY_CODE}


@dataclass(frozen=True)
class Progress:
    """A session, or a challenge token (shown once) for the second factor. With a session: a
    remembered device's new token (shown once; empty when none was asked or it was already
    remembered) and what the account must do before anything else."""

    signed_in: SignedIn | None = None
    challenge_token: str = ""
    challenge_expires_at: datetime | None = None
    device_token: str = ""
    device_expires_at: datetime | None = None
    required_actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    """Where the sign-in comes from: its label, the remembered device it is (if any), and
    whether to remember it once the sign-in completes."""

    label: str
    remembered: RememberedDevice | None = None
    remember: bool = False


def _complete(
    session: Session,
    *,
    lockout: Lockout,
    account: Account,
    device: Device,
    lifetime: timedelta,
    factors: Factors,
) -> Progress:
    now = utcnow()
    lockout.clear(
        session,
        device_key(device.remembered.id)
        if device.remembered
        else principal_key(PrincipalKind.ACCOUNT, account.id),
    )
    trail.record(
        session, "account.sign_in", f"account:{account.id}", details={"factors": str(factors)}
    )
    signed_in = sessions.open_session(
        session,
        kind=PrincipalKind.ACCOUNT,
        row=account,
        device_label=device.label,
        lifetime=lifetime,
        factors=factors,
    )
    required = tuple(account_validation.required_actions(session, account.id))
    if device.remembered is not None:
        device.remembered.last_used_at = now
        return Progress(signed_in=signed_in, required_actions=required)
    if not device.remember:
        return Progress(signed_in=signed_in, required_actions=required)
    remembered = remembered_devices.remember(session, account, device.label, now)
    return Progress(
        signed_in=signed_in,
        device_token=remembered.token,
        device_expires_at=remembered.expires_at,
        required_actions=required,
    )


def after_activation(
    session: Session, *, lockout: Lockout, account: Account, device_label: str, lifetime: timedelta
) -> Progress:
    """The first session of an account its verification code has just activated (E9, E12):
    the person chose its password moments ago in the same journey and the code proved the
    email or phone, so they land signed in, audited and bound by the session rules as a
    sign-in with that password would be (no authenticator app can be on yet)."""
    return _complete(
        session,
        lockout=lockout,
        account=account,
        device=Device(device_label),
        lifetime=lifetime,
        factors=Factors.ACTIVATION_CODE,
    )


def after_password(
    session: Session,
    *,
    lockout: Lockout,
    credential: Credential,
    verdict: Verdict,
    device_label: str,
    remember_device: bool,
    lifetime: timedelta,
) -> Progress:
    """A session for a right password (see `sessions.confirm_password`), or, when the account
    has its authenticator app on and its practice asks for it here, a new challenge (older
    ones of the account stop working); wrong codes then count against the same key as the
    password did, with no fresh tries (I11)."""
    row = sessions.confirm_password(
        session, lockout=lockout, credential=credential, verdict=verdict
    )
    if isinstance(row, Account) and pending_accounts.ended(row):
        raise ActivationExpired()
    if not isinstance(row, Account) or row.state != AccountState.ACTIVE:
        raise ActivationPending()
    remembered = (
        session.get(RememberedDevice, credential.device_id) if credential.device_id else None
    )
    device = Device(device_label, remembered, remember_device)
    if not account_totp.is_on(session, row.id):
        return _complete(
            session,
            lockout=lockout,
            account=row,
            device=device,
            lifetime=lifetime,
            factors=Factors.PASSWORD,
        )
    rule = patient_sign_in_policy.second_factor_rule(session, row.practice_id)
    if remembered is not None and rule is SecondFactorRule.NEW_DEVICE:
        return _complete(
            session,
            lockout=lockout,
            account=row,
            device=device,
            lifetime=lifetime,
            factors=Factors.PASSWORD_REMEMBERED_DEVICE,
        )
    now = utcnow()
    repository.end_account_challenges(session, row.id, now)
    token = new_token()
    challenge = AccountSignInChallenge(
        id=new_id(),
        token_hash=token_hash(token),
        account_id=row.id,
        expires_at=now + domain.CHALLENGE_LIFETIME,
        device_id=credential.device_id,
        remember_device=remember_device,
    )
    session.add(challenge)
    session.flush()
    return Progress(challenge_token=token, challenge_expires_at=challenge.expires_at)


def _open_challenge(
    session: Session, lockout: Lockout, token: str
) -> tuple[AccountSignInChallenge, Account, str]:
    """The live challenge, its account (both locked) and the key its failures count against;
    ChallengeEnded when the token is unknown, used or expired (a lock ends it), SignInPaused
    while the key is slowed down."""
    challenge = (
        repository.account_challenge_by_token_hash(session, token_hash(token)) if token else None
    )
    now = utcnow()
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= now:
        raise ChallengeEnded()
    account = repository.account(session, challenge.account_id, for_update=True)
    if account is None:
        raise ChallengeEnded()
    key = (
        device_key(challenge.device_id)
        if challenge.device_id
        else principal_key(PrincipalKind.ACCOUNT, account.id)
    )
    lockout.check_locked(session, key, now)
    return challenge, account, key


def answer_second_factor(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    token: str,
    field: str,
    code: str,
    device_label: str,
    lifetime: timedelta,
) -> Progress:
    """Checks an authenticator code (`field` "totp_code") or a recovery code ("recovery_code")
    and opens the session. A code of a time step already used, or a recovery code already used,
    is refused. A wrong code counts toward the lockout and raises WrongSecondFactorCode, which
    keeps the count; the lock ends the challenge."""
    challenge, account, key = _open_challenge(session, lockout, token)
    now = utcnow()
    totp_row = repository.account_totp(session, account.id, for_update=True)
    right = False
    if totp_row is not None and totp_row.enabled_at is not None:
        right = (
            account_totp.right_totp_code(keyring, totp_row, code, now)
            if field == "totp_code"
            else account_totp.right_recovery_code(session, keyring, account.id, code, now)
        )
    if not right:
        trail.record(
            session,
            "account.sign_in.failed",
            f"account:{account.id}",
            outcome="failed",
            details={"step": field},
        )
        if lockout.fail(session, key, now, principal=account).locked:
            challenge.consumed_at = now
        raise WrongSecondFactorCode(field)
    challenge.consumed_at = now
    remembered = session.get(RememberedDevice, challenge.device_id) if challenge.device_id else None
    return _complete(
        session,
        lockout=lockout,
        account=account,
        device=Device(device_label, remembered, challenge.remember_device),
        lifetime=lifetime,
        factors=_FACTORS[field],
    )
