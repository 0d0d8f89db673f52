"""The password policy (I2): named requirements, each met or not, checked on NFKC text."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.identity import usernames

MIN_LENGTH = 12
LOWEST_MIN_LENGTH = 8  # NIST SP 800-63B: a practice may lower the minimum, never below this
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@dataclass(frozen=True)
class Requirement:
    """One rule of the policy and whether a candidate meets it."""

    name: str
    description: str
    met: bool
    # The number the requirement names (a length), or 0.
    limit: int = 0


@dataclass(frozen=True)
class PasswordCheck:
    """Every requirement, in display order."""

    requirements: tuple[Requirement, ...]

    @property
    def acceptable(self) -> bool:
        return all(requirement.met for requirement in self.requirements)

    @property
    def unmet(self) -> tuple[Requirement, ...]:
        return tuple(requirement for requirement in self.requirements if not requirement.met)


@dataclass(frozen=True)
class PasswordPolicy:
    """What a practice asks of passwords. Composition rules are off unless a practice turns
    them on (NIST SP 800-63B advises against them); the minimum is 8 to 64 characters."""

    min_length: int = MIN_LENGTH
    require_mixed_case: bool = False
    require_digit: bool = False
    require_symbol: bool = False


DEFAULT_POLICY = PasswordPolicy()


def normalize(password: str) -> str:
    """The password in Unicode NFKC form: what is checked and what is hashed."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded (read once)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def _contains_username(password: str, username: str) -> bool:
    key = usernames.username_key(username) if username else ""
    return bool(key) and key in usernames.username_key(password)


def _rules(policy: PasswordPolicy) -> list[tuple[str, str, Callable[[str, str], bool]]]:
    rules: list[tuple[str, str, Callable[[str, str], bool]]] = [
        (
            "min_length",
            f"At least {policy.min_length} characters",
            lambda p, _: len(p) >= policy.min_length,
        ),
        ("max_length", f"At most {MAX_LENGTH} characters", lambda p, _: len(p) <= MAX_LENGTH),
        (
            "not_common",
            "Not a commonly used password",
            lambda p, _: p.casefold() not in common_passwords(),
        ),
        (
            "not_username",
            "Does not contain your username",
            lambda p, u: not _contains_username(p, u),
        ),
    ]
    if policy.require_mixed_case:
        rules.append(
            (
                "mixed_case",
                "Upper- and lower-case letters",
                lambda p, _: any(c.isupper() for c in p) and any(c.islower() for c in p),
            )
        )
    if policy.require_digit:
        rules.append(("digit", "At least one digit", lambda p, _: any(c.isdigit() for c in p)))
    if policy.require_symbol:
        rules.append(
            (
                "symbol",
                "At least one character that is not a letter or a digit",
                lambda p, _: any(not c.isalnum() for c in p),
            )
        )
    return rules


def check(
    password: str, *, username: str = "", policy: PasswordPolicy = DEFAULT_POLICY
) -> PasswordCheck:
    """Answers each requirement of `policy` for a candidate password; `username` may be empty
    when unknown."""
    candidate = normalize(password)
    limits = {"min_length": policy.min_length, "max_length": MAX_LENGTH}
    return PasswordCheck(
        tuple(
            Requirement(name, text, rule(candidate, username), limits.get(name, 0))
            for name, text, rule in _rules(policy)
        )
    )
