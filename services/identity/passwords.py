"""The password policy (I2): named requirements, each met or not, checked on NFKC text."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.identity import usernames

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@dataclass(frozen=True)
class Requirement:
    """One rule of the policy and whether a candidate meets it."""

    name: str
    description: str
    met: bool


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


_RULES: tuple[tuple[str, str, Callable[[str, str], bool]], ...] = (
    ("min_length", f"At least {MIN_LENGTH} characters", lambda p, _: len(p) >= MIN_LENGTH),
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
)


def check(password: str, *, username: str = "") -> PasswordCheck:
    """Answers each requirement for a candidate password; `username` may be empty when unknown."""
    candidate = normalize(password)
    return PasswordCheck(
        tuple(Requirement(name, text, rule(candidate, username)) for name, text, rule in _RULES)
    )
