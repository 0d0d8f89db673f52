"""Proxy rules without a database: rights (P4) and the age bands (P7), birthdays included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.proxy.domain import (
    DEFAULT_POLICY,
    PRESETS,
    Access,
    AgeBand,
    RelationshipKind,
    RelationshipStatus,
    age_on,
    band_problems,
    effective,
    ends_on,
    holds,
    narrowed,
)

BORN = date(2014, 5, 20)
FULL = PRESETS["full"]


def _guardian(today: date, born: date = BORN, rights=FULL):
    return effective(
        kind=RelationshipKind.GUARDIAN,
        status=RelationshipStatus.ACTIVE,
        rights=rights,
        dependent_born=born,
        policy=DEFAULT_POLICY,
        today=today,
    )


# rule P4
def test_act_includes_view_but_view_does_not_include_act_P4():
    assert holds({"messages:act"}, "messages:view")
    assert not holds({"messages:view"}, "messages:act")
    assert not holds({"messages:act"}, "billing:view")


# rule P7
@pytest.mark.parametrize(
    ("today", "limited"),
    [(date(2026, 5, 19), False), (date(2026, 5, 20), True)],
)
def test_the_twelfth_birthday_limits_a_guardian_from_its_first_day_P7(today, limited):
    rights = _guardian(today).rights
    assert ("health_records:act" not in rights) is limited
    assert "appointments:act" in rights


# rule P7
@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2032, 5, 19), RelationshipStatus.ACTIVE),
        (date(2032, 5, 20), RelationshipStatus.EXPIRED),
    ],
)
def test_the_eighteenth_birthday_ends_a_guardians_access_P7(today, status):
    assert _guardian(today).status == status
    assert bool(_guardian(today).rights) is (status == RelationshipStatus.ACTIVE)


# rule P7
def test_limited_access_hides_adolescent_confidential_categories_P7():
    assert "mental_health" in _guardian(date(2027, 1, 1)).hidden_categories
    assert _guardian(date(2020, 1, 1)).hidden_categories == ()


# rule P7
def test_a_leap_day_birthday_counts_from_the_first_of_march_P7():
    leap = date(2008, 2, 29)
    assert age_on(leap, date(2026, 2, 28)) == 17
    assert age_on(leap, date(2026, 3, 1)) == 18
    assert ends_on(leap, DEFAULT_POLICY) == date(2026, 3, 1)


# rule P7
def test_a_representative_keeps_the_rights_granted_whatever_the_age_P7_P4():
    answer = effective(
        kind=RelationshipKind.REPRESENTATIVE,
        status=RelationshipStatus.ACTIVE,
        rights={"billing:view"},
        dependent_born=date(1950, 1, 1),
        policy=DEFAULT_POLICY,
        today=date(2026, 11, 22),
    )
    assert answer.rights == {"billing:view"}


# rule P4
def test_a_revoked_relationship_gives_nothing_P4():
    answer = effective(
        kind=RelationshipKind.REPRESENTATIVE,
        status=RelationshipStatus.REVOKED,
        rights=FULL,
        dependent_born=None,
        policy=DEFAULT_POLICY,
        today=date(2026, 11, 22),
    )
    assert answer.rights == frozenset()


# rule P7
@pytest.mark.parametrize(
    "bands",
    [
        (AgeBand(1, Access.FULL), AgeBand(18, Access.NONE)),
        (AgeBand(0, Access.FULL), AgeBand(12, Access.FULL)),
        (AgeBand(0, Access.FULL), AgeBand(25, Access.NONE)),
        (AgeBand(0, Access.FULL), AgeBand(12, Access.NONE), AgeBand(18, Access.NONE)),
        (AgeBand(0, Access.LIMITED, frozenset({"x:y"})), AgeBand(18, Access.NONE)),
        (AgeBand(0, Access.FULL), AgeBand(18, Access.NONE), AgeBand(12, Access.FULL)),
    ],
)
def test_bands_that_leave_a_gap_or_never_end_are_refused_P7(bands):
    assert band_problems(bands)


# rule P7
def test_the_default_policy_is_valid_and_ends_at_eighteen_P7():
    assert band_problems(DEFAULT_POLICY.bands) == []
    assert ends_on(BORN, DEFAULT_POLICY) - timedelta(days=1) == date(2032, 5, 19)


# rule P7, P4
def test_a_limited_band_narrows_act_to_view_where_it_allows_only_view_P7_P4():
    assert narrowed(
        {"health_records:act", "billing:view"}, {"health_records:view", "billing:act"}
    ) == {
        "health_records:view",
        "billing:view",
    }


# rule E13
def test_an_active_relationship_to_an_unenrolled_record_is_suspended_with_nothing_E13():
    answer = effective(
        kind=RelationshipKind.REPRESENTATIVE,
        status=RelationshipStatus.ACTIVE,
        rights=FULL,
        dependent_born=None,
        policy=DEFAULT_POLICY,
        today=date(2026, 11, 22),
        record_suspended=True,
    )
    assert (answer.status, answer.rights) == (RelationshipStatus.SUSPENDED, frozenset())


# rule E13, P7
def test_a_guardian_aged_out_stays_expired_while_the_record_is_suspended_E13_P7():
    answer = effective(
        kind=RelationshipKind.GUARDIAN,
        status=RelationshipStatus.ACTIVE,
        rights=FULL,
        dependent_born=BORN,
        policy=DEFAULT_POLICY,
        today=BORN.replace(year=BORN.year + 18),
        record_suspended=True,
    )
    assert answer.status == RelationshipStatus.EXPIRED
