"""A practice's age policy (P7): the newest version of its bands, or the default, and the
practice's local date the bands are read on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import context
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.proxy.audit import trail
from services.proxy.domain import DEFAULT_POLICY, Access, AgeBand, AgePolicy, band_problems
from services.proxy.errors import InvalidRequest
from services.proxy.models import AgePolicyVersion


def _band(raw: dict[str, object]) -> AgeBand:
    return AgeBand(
        int(raw["from_age"]),  # type: ignore[call-overload]
        Access(str(raw["access"])),
        frozenset(raw.get("rights") or ()),  # type: ignore[arg-type]
        tuple(raw.get("hidden_categories") or ()),  # type: ignore[arg-type]
    )


def newest(session: Session, practice_id: str) -> AgePolicyVersion | None:
    return session.scalar(
        select(AgePolicyVersion)
        .where(AgePolicyVersion.practice_id == practice_id)
        .order_by(AgePolicyVersion.version.desc())
        .limit(1)
    )


def policy_of(session: Session, practice_id: str, time_zone: str) -> AgePolicy:
    """The practice's policy in force, read in `time_zone` (the practice's)."""
    row = newest(session, practice_id)
    if row is None:
        return AgePolicy(DEFAULT_POLICY.bands, time_zone, DEFAULT_POLICY.version)
    return AgePolicy(tuple(_band(raw) for raw in row.bands), time_zone, row.version)


def local_today(policy: AgePolicy, now: datetime | None = None) -> date:
    """Today in the practice's time zone: a birthday starts at the practice's midnight."""
    return (now or utcnow()).astimezone(ZoneInfo(policy.time_zone)).date()


def with_majority(policy: AgePolicy, age: int) -> tuple[AgeBand, ...]:
    """The policy's bands with the last (no access) band moved to start at `age`."""
    return (*policy.bands[:-1], replace(policy.bands[-1], from_age=age))


def set_policy(
    session: Session, *, practice_id: str, bands: Sequence[AgeBand], time_zone: str
) -> tuple[AgePolicy, AgePolicyVersion]:
    """Records the bands as the practice's next version; InvalidRequest naming what is wrong."""
    problems = band_problems(bands)
    if not practice_id:
        problems.insert(0, "Name the practice.")
    if problems:
        raise InvalidRequest(
            "Fix the age bands and send them again.",
            violations=[FieldViolation("bands", problem) for problem in problems],
        )
    current = newest(session, practice_id)
    row = AgePolicyVersion(
        practice_id=practice_id,
        version=(current.version if current else DEFAULT_POLICY.version) + 1,
        bands=[
            {
                "from_age": band.from_age,
                "access": band.access.value,
                "rights": sorted(band.rights),
                "hidden_categories": list(band.hidden_categories),
            }
            for band in bands
        ],
        time_zone=time_zone,
        created_by=context.current().actor[:100],
    )
    session.add(row)
    session.flush()
    trail.record(
        session,
        "proxy.age_policy.set",
        f"practice:{practice_id}",
        practice_id=practice_id,
        details={"version": str(row.version), "bands": str(len(bands))},
    )
    return AgePolicy(tuple(bands), time_zone, row.version), row
