"""Password reset with account information (I8 d), once per account, for an account with no
verified email and no five security questions.

The patient gives username, first name, last name, date of birth and home phone; enrollment
says whether the account's record matches and, only then, what its street address is. The
answer is always five addresses: the patient's among decoys, or decoys alone (an unknown name,
an account this way is not open to, or details that do not match), so nothing tells a stranger
what matched (X3). The list depends only on what was typed, so asking again shows nothing new.
Every failed pick counts; two close this way for the account (or the decoy name) until a
practice token or link is used. After the reset the account must verify an account email and
answer five questions at its next sign-in (`account_validation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import utcnow
from services.common.outbox import Outbox
from services.identity import (
    address_choices,
    domain,
    knowledge_resets,
    repository,
    reset_attempts,
    usernames,
)
from services.identity.audit import trail
from services.identity.errors import (
    InformationResetClosed,
    InformationResetNotValid,
    WrongAccountInformation,
)
from services.identity.lockout import Lockout
from services.identity.models import Account, InformationReset
from services.identity.password_resets import finish, require_second_factor

TRIES = 2
PHONE_MAX_LENGTH = 20
LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Given:
    """What the patient typed."""

    username: str
    first_name: str
    last_name: str
    date_of_birth: str
    home_phone: str

    def normalized(self) -> str:
        """The values as compared, so that equal details always give the same list."""
        names = (" ".join(v.casefold().split()) for v in (self.first_name, self.last_name))
        return "|".join((*names, self.date_of_birth.strip(), self.phone_e164))

    @property
    def phone_e164(self) -> str:
        """The home phone in E.164 (US without a country code), or its digits when it cannot
        be read as a number; at most 20 characters."""
        return _phone(self.home_phone)


@dataclass(frozen=True)
class Candidate:
    """The account to ask enrollment about ("" for none) and the tries the reset counts
    against."""

    account_id: str
    state_key: str
    seed: str


@dataclass(frozen=True)
class Started:
    """The token (shown once) and the addresses to pick from."""

    token: str
    addresses: list[str]


@dataclass(frozen=True)
class Pick:
    """What completing needs before the new password is hashed."""

    right: bool
    username: str
    practice_id: str


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in value if ch.isdigit())[:PHONE_MAX_LENGTH]
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[
        :PHONE_MAX_LENGTH
    ]


def _open_to(found: knowledge_resets.Standing) -> bool:
    return (
        found.active
        and not found.verified_email
        and found.information_reset_at is None
        and len(found.question_ids) < domain.SECURITY_QUESTIONS_REQUIRED
        and found.information_reset_allowed
    )


def candidate(session: Session, *, keyring: Keyring, given: Given) -> Candidate:
    """Whom to ask enrollment about; InformationResetClosed when this way is closed for the
    name. A name that is no account, or cannot use this way, does the same work (X3)."""
    key = usernames.username_key(given.username)
    found = knowledge_resets.standing(session, key)
    name_key = "information-name:" + keyring.code_hash("information", key)
    if found.account_id is not None and _open_to(found):
        state_key, account_id = f"information:{found.account_id}", found.account_id
    else:
        state_key, account_id = name_key, ""
    if reset_attempts.is_closed(session, state_key):
        raise InformationResetClosed()
    seed = keyring.code_hash("address choices", f"{key}|{given.normalized()}")
    return Candidate(account_id, state_key, seed)


def start(session: Session, *, candidate: Candidate, street_address: str) -> Started:
    """Shows the addresses: the matched record's `street_address` ("" when none matched) among
    decoys."""
    addresses, right = address_choices.choices(candidate.seed, street_address or None)
    token = new_token()
    session.add(
        InformationReset(
            token_hash=token_hash(token),
            state_key=candidate.state_key,
            account_id=candidate.account_id or None,
            right_index=right,
            expires_at=utcnow() + LIFETIME,
        )
    )
    return Started(token, addresses)


def _live(session: Session, token: str, *, lock: bool) -> InformationReset:
    query = select(InformationReset).where(InformationReset.token_hash == token_hash(token))
    row = session.scalar(query.with_for_update() if lock else query) if token else None
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InformationResetNotValid()
    return row


def pick(session: Session, *, token: str, index: int) -> Pick:
    """Whether `index` is the account's address, read before hashing."""
    row = _live(session, token, lock=False)
    account = repository.account(session, row.account_id) if row.account_id else None
    if account is None or row.right_index != index:
        return Pick(False, "", "")
    return Pick(True, account.username, account.practice_id)


def complete(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    outbox: Outbox,
    token: str,
    index: int,
    new_hash: str,
    second_factor: tuple[str, str] | None,
) -> Account:
    """Uses the list once: a wrong pick counts (the second closes this way); the right one
    needs the authenticator code when the app is on, then sets the new password (`finish`) and
    marks the account's one reset of this kind as used."""
    row = _live(session, token, lock=True)
    state = reset_attempts.locked(session, row.state_key)
    if state.closed_at is not None:
        raise InformationResetClosed()
    account = (
        repository.account(session, row.account_id, for_update=True) if row.account_id else None
    )
    if account is not None and account.information_reset_at is not None:
        raise InformationResetNotValid()
    subject = f"account:{account.id}" if account else "unknown"
    if account is None or row.right_index != index or not new_hash:
        row.used_at = utcnow()
        tries = state.failed.get("information", 0) + 1
        state.failed = {**state.failed, "information": tries}
        closed = tries >= TRIES
        trail.record(
            session,
            "account.password_reset.failed",
            subject,
            outcome="denied" if closed else "failed",
            details={"way": "account_information", "tries": str(tries)},
        )
        if closed:
            state.closed_at = utcnow()
            raise InformationResetClosed()
        raise WrongAccountInformation()
    require_second_factor(session, keyring, lockout, account, second_factor, utcnow())
    row.used_at = account.information_reset_at = utcnow()
    finish(
        session,
        lockout=lockout,
        outbox=outbox,
        account=account,
        new_hash=new_hash,
        way="account_information",
    )
    return account
