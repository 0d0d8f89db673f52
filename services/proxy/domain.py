"""Proxy rules without a database: kinds, statuses, access rights (P4) and the age policy that
narrows a guardian's rights as the dependent grows up (P7)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class RelationshipKind(StrEnum):
    GUARDIAN = "guardian"
    REPRESENTATIVE = "representative"


class RelationshipStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    # Not stored: an active relationship while the practice has the patient unenrolled (E13).
    SUSPENDED = "suspended"


AREAS = ("health_records", "messages", "appointments", "billing", "forms")
LEVELS = ("view", "act")
RIGHTS = frozenset(f"{area}:{level}" for area in AREAS for level in LEVELS)
PRESETS: dict[str, frozenset[str]] = {
    "full": frozenset(f"{area}:act" for area in AREAS),
    "view_only": frozenset(f"{area}:view" for area in AREAS),
}
# Record categories a guardian of an adolescent does not see by default (P7).
ADOLESCENT_CONFIDENTIAL = ("sexual_health", "mental_health", "substance_use")


def holds(rights: Iterable[str], needed: str) -> bool:
    """Whether `rights` give `needed`; "area:act" includes "area:view"."""
    given = set(rights)
    area, _, level = needed.partition(":")
    return needed in given or (level == "view" and f"{area}:act" in given)


def narrowed(granted: Iterable[str], allowed: Iterable[str]) -> frozenset[str]:
    """The rights both sets give ("messages:act" granted and "messages:view" allowed give
    "messages:view"), each area at its highest level."""
    granted, allowed = set(granted), set(allowed)
    both = {right for right in RIGHTS if holds(granted, right) and holds(allowed, right)}
    return frozenset(
        right
        for right in both
        if not (right.endswith(":view") and right.replace(":view", ":act") in both)
    )


def unknown_rights(rights: Iterable[str]) -> list[str]:
    """The names in `rights` that are no right, in the order given."""
    return [right for right in rights if right not in RIGHTS]


class Access(StrEnum):
    FULL = "full"
    LIMITED = "limited"
    NONE = "none"


@dataclass(frozen=True)
class AgeBand:
    """From `from_age` (whole years) until the next band: what a guardian may do."""

    from_age: int
    access: Access
    rights: frozenset[str] = frozenset()
    hidden_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgePolicy:
    """A practice's bands, youngest first; the first starts at 0 and the last gives no access
    (its start is the age of majority)."""

    bands: tuple[AgeBand, ...]
    time_zone: str = "America/Chicago"
    version: int = 1

    @property
    def age_of_majority(self) -> int:
        return self.bands[-1].from_age

    def band_at(self, age: int) -> AgeBand:
        return [band for band in self.bands if band.from_age <= age][-1]


DEFAULT_POLICY = AgePolicy(
    bands=(
        AgeBand(0, Access.FULL),
        AgeBand(
            12,
            Access.LIMITED,
            frozenset({"appointments:act", "billing:act", "forms:act", "messages:act"}),
            ADOLESCENT_CONFIDENTIAL,
        ),
        AgeBand(18, Access.NONE),
    )
)


def band_problems(bands: Sequence[AgeBand]) -> list[str]:
    """What is wrong with a set of bands, for a problem naming each; empty when valid."""
    problems = []
    if not bands or bands[0].from_age != 0:
        problems.append("The first band starts at age 0.")
    ages = [band.from_age for band in bands]
    if ages != sorted(set(ages)):
        problems.append("Each band starts at a greater age than the one before.")
    if bands and (bands[-1].access != Access.NONE or not 14 <= bands[-1].from_age <= 21):
        problems.append("The last band gives no access and starts at 14 to 21 (majority).")
    if any(band.access == Access.NONE for band in bands[:-1]):
        problems.append('Only the last band has access "none".')
    for band in bands:
        if wrong := unknown_rights(band.rights):
            problems.append(f"Unknown rights: {', '.join(wrong)}.")
    return problems


def birthday(born: date, age: int) -> date:
    """The day someone born on `born` turns `age`; a 29 February birthday falls on 1 March in
    other years."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def age_on(born: date, today: date) -> int:
    """Whole years lived on `today` (the birthday counts from its first moment)."""
    years = today.year - born.year
    return years if birthday(born, years) <= today else years - 1


@dataclass(frozen=True)
class Effective:
    """What a relationship gives today."""

    status: RelationshipStatus
    rights: frozenset[str]
    hidden_categories: tuple[str, ...] = field(default=())


def effective(
    *,
    kind: RelationshipKind,
    status: RelationshipStatus,
    rights: Iterable[str],
    dependent_born: date | None,
    policy: AgePolicy,
    today: date,
    record_suspended: bool = False,
) -> Effective:
    """The rights an active relationship gives on `today` (the practice's local date): a
    representative's as granted; a guardian's narrowed by the dependent's age band, and none
    (EXPIRED) from the age of majority, with no job having to run first. While the practice
    has the record unenrolled, a relationship that would be active gives nothing (SUSPENDED,
    E13)."""
    today_gives = _by_age(kind, status, frozenset(rights), dependent_born, policy, today)
    if record_suspended and today_gives.status == RelationshipStatus.ACTIVE:
        return Effective(RelationshipStatus.SUSPENDED, frozenset())
    return today_gives


def _by_age(
    kind: RelationshipKind,
    status: RelationshipStatus,
    granted: frozenset[str],
    dependent_born: date | None,
    policy: AgePolicy,
    today: date,
) -> Effective:
    if status != RelationshipStatus.ACTIVE:
        return Effective(status, frozenset())
    if kind != RelationshipKind.GUARDIAN or dependent_born is None:
        return Effective(status, granted)
    band = policy.band_at(age_on(dependent_born, today))
    if band.access == Access.NONE:
        return Effective(RelationshipStatus.EXPIRED, frozenset())
    if band.access == Access.LIMITED:
        return Effective(status, narrowed(granted, band.rights), band.hidden_categories)
    return Effective(status, granted)


def ends_on(born: date, policy: AgePolicy) -> date:
    """The day a guardian's access ends: the birthday of the age of majority."""
    return birthday(born, policy.age_of_majority)


def notice_days_before(ends: date, today: date) -> int:
    """Days from `today` to `ends` (negative once past)."""
    return (ends - today) // timedelta(days=1)
