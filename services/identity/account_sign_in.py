"""Patient sign-in after the password (I4, I10, I11): a session, or a second-factor challenge.

An account with its authenticator app on gets a short-lived challenge token (kept only as its
hash) instead of a session; the app's code or an unused recovery code then opens the session.
Every session records the factors it was opened with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import new_id, utcnow
from services.identity import account_totp, domain, repository, sessions
from services.identity.audit import trail
from services.identity.domain import AccountState, Factors, PrincipalKind
from services.identity.errors import ActivationPending, ChallengeEnded, WrongSecondFactorCode
from services.identity.hashing import Verdict
from services.identity.models import Account, AccountSignInChallenge
from services.identity.sessions import Credential, SignedIn

_FACTORS = {"totp_code": Factors.PASSWORD_TOTP, "recovery_code": Factors.PASSWORD_RECOVERY_CODE}


@dataclass(frozen=True)
class Progress:
    """A session, or a challenge token (shown once) for the second factor."""

    signed_in: SignedIn | None = None
    challenge_token: str = ""
    challenge_expires_at: datetime | None = None


def _open(
    session: Session, account: Account, device_label: str, lifetime: timedelta, factors: Factors
) -> SignedIn:
    trail.record(
        session, "account.sign_in", f"account:{account.id}", details={"factors": str(factors)}
    )
    return sessions.open_session(
        session,
        kind=PrincipalKind.ACCOUNT,
        row=account,
        device_label=device_label,
        lifetime=lifetime,
        factors=factors,
    )


def after_password(
    session: Session,
    *,
    credential: Credential,
    verdict: Verdict,
    device_label: str,
    lifetime: timedelta,
) -> Progress:
    """A session for a right password (see `sessions.confirm_password`), or, when the account
    has its authenticator app on, a new challenge (older ones of the account stop working).
    ActivationPending keeps the cleared count of a right password. With the app on, the count
    of wrong codes is kept until a right code: signing in again gives no fresh tries (I11)."""
    totp_on = credential.principal_id is not None and account_totp.is_on(
        session, credential.principal_id
    )
    row = sessions.confirm_password(
        session, credential=credential, verdict=verdict, clear_failures=not totp_on
    )
    if not isinstance(row, Account) or row.state != AccountState.ACTIVE:
        raise ActivationPending()
    if not totp_on:
        return Progress(signed_in=_open(session, row, device_label, lifetime, Factors.PASSWORD))
    now = utcnow()
    repository.end_account_challenges(session, row.id, now)
    token = new_token()
    challenge = AccountSignInChallenge(
        id=new_id(),
        token_hash=token_hash(token),
        account_id=row.id,
        expires_at=now + domain.CHALLENGE_LIFETIME,
    )
    session.add(challenge)
    session.flush()
    return Progress(challenge_token=token, challenge_expires_at=challenge.expires_at)


def _open_challenge(session: Session, token: str) -> tuple[AccountSignInChallenge, Account]:
    """The live challenge and its account, both locked; ChallengeEnded when the token is
    unknown, used, expired, or the account is locked out."""
    challenge = (
        repository.account_challenge_by_token_hash(session, token_hash(token)) if token else None
    )
    now = utcnow()
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= now:
        raise ChallengeEnded()
    account = repository.account(session, challenge.account_id, for_update=True)
    if account is None or domain.is_locked(account.locked_until, now):
        raise ChallengeEnded()
    return challenge, account


def answer_second_factor(
    session: Session,
    *,
    keyring: Keyring,
    token: str,
    field: str,
    code: str,
    device_label: str,
    lifetime: timedelta,
) -> SignedIn:
    """Checks an authenticator code (`field` "totp_code") or a recovery code ("recovery_code")
    and opens the session. A code of a time step already used, or a recovery code already used,
    is refused. A wrong code counts toward the lockout and raises WrongSecondFactorCode, which
    keeps the count; the lock ends the challenge."""
    challenge, account = _open_challenge(session, token)
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
        sessions.count_failure(account, now)
        if account.locked_until is not None:
            challenge.consumed_at = now
        raise WrongSecondFactorCode(field)
    account.failed_sign_ins, account.locked_until = 0, None
    challenge.consumed_at = now
    return _open(session, account, device_label, lifetime, _FACTORS[field])
