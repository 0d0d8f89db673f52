"""The age rules (P7): a practice's age policy and the age-out report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.types import _Request

Token = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AgeBand(_Request):
    """From `from_age` (whole years) until the next band's: "full" gives a guardian the rights
    granted, "limited" only those of `rights` (with `hidden_categories` of the record left out),
    "none" no access."""

    from_age: int = Field(ge=0, le=120)
    access: Literal["full", "limited", "none"]
    rights: list[Token] = Field(default_factory=list, max_length=20)
    hidden_categories: list[Token] = Field(default_factory=list, max_length=20)


class AgePolicyUpdate(_Request):
    """The new bands, from age 0; the last gives no access and starts at the age of majority
    (14 to 21). Each change is a new version."""

    bands: list[AgeBand] = Field(min_length=1, max_length=20)


class AgePolicy(BaseModel):
    """The practice's age policy in force: version 1 is the default (until 12 full, to 17
    limited, none from 18); birthdays start at midnight in the practice's time zone."""

    version: int
    time_zone: str
    bands: list[AgeBand]
    updated_at: datetime | None
    updated_by: str | None


class AgeOut(BaseModel):
    """A guardian relationship whose access has ended (`aged_out`) or ends on `ends_on`, the
    dependent's birthday of the age of majority, with the dependent's and the guardian's
    names (the patient's are null when the record is gone)."""

    relationship_id: str
    patient_id: str
    patient_first_name: str | None
    patient_last_name: str | None
    proxy_account_id: str
    guardian_first_name: str
    guardian_last_name: str
    ends_on: date
    aged_out: bool


class AgeOutReport(BaseModel):
    """Dependents who have aged out, or will within `within_days` of the practice's today,
    soonest first."""

    within_days: int
    age_outs: list[AgeOut]
