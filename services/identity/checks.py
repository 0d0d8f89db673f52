"""Request checks every identity use case shares: required text, logins, acceptable passwords."""

from __future__ import annotations

from services.common.errors import FieldViolation
from services.identity import passwords, usernames
from services.identity.errors import InvalidRequest, WeakPassword
from services.identity.hashing import PasswordHashing

IDEMPOTENCY_KEY_MAX_LENGTH = 128
NAME_MAX_LENGTH = 100


def required(field: str, value: str, max_length: int) -> str:
    """The value without surrounding space, or InvalidRequest on `field` when empty or too long."""
    value = value.strip()
    if not value or len(value) > max_length:
        raise InvalidRequest(
            f"Fill in {field.replace('_', ' ')} (at most {max_length} characters).",
            violations=[FieldViolation(field, f"Required, at most {max_length} characters.")],
        )
    return value


def valid_login(login: str, field: str) -> str:
    """The username or user ID in NFKC form, or InvalidRequest on `field` saying what is wrong."""
    problem = usernames.problem(login)
    if problem:
        raise InvalidRequest(
            f"Choose another {field.replace('_', ' ')}: {problem}",
            violations=[FieldViolation(field, problem)],
        )
    return usernames.normalize(login)


def acceptable_password(
    password: str, login: str, policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY
) -> str:
    """The password in NFKC form, or WeakPassword naming the requirements it fails (I2)."""
    check = passwords.check(password, username=login, policy=policy)
    if not check.acceptable:
        raise WeakPassword({r.name: r.description for r in check.unmet})
    return passwords.normalize(password)


def hashed_if_acceptable(
    hashing: PasswordHashing,
    password: str,
    login: str,
    policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY,
) -> str:
    """The argon2id hash of a password that meets the policy; WeakPassword otherwise."""
    return hashing.hash(acceptable_password(password, login, policy))
