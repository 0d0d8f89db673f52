"""Enrollment domain rules without a database: actions per status, invitation states, MRN,
who a self-registering patient is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.enrollment import demographics, domain
from services.enrollment.domain import Action, InvitationState, Status

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


# rule E2, E5, E13
@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (Status.NOT_ENROLLED, (Action.ENROLL_NOW,)),
        (Status.PENDING, (Action.RESEND_INVITATION,)),
        (Status.ENROLLED, (Action.UNENROLL,)),
        (Status.UNENROLLED, (Action.REACTIVATE,)),
        (Status.DECLINED, (Action.ENROLL_NOW,)),
        (Status.DEFERRED, (Action.ENROLL_NOW,)),
    ],
)
def test_each_status_allows_its_actions_E2_E5_E13(status, actions):
    assert domain.available_actions(status) == actions


# rule E13
def test_every_offered_action_is_a_transition_the_status_allows_E13():
    targets = {
        Action.ENROLL_NOW: Status.PENDING,
        Action.UNENROLL: Status.UNENROLLED,
        Action.REACTIVATE: Status.ENROLLED,
    }
    for status in Status:
        for action in domain.available_actions(status):
            if action in targets:
                assert targets[action] in domain.allowed_next(status)


def state(**moments: datetime | None) -> InvitationState:
    values = {"used_at": None, "locked_at": None, "superseded_at": None, **moments}
    return domain.invitation_state(expires_at=LATER, now=NOW, **values)  # type: ignore[arg-type]


# rule E4, E9, E10
def test_invitation_states_E4_E9_E10():
    assert state() is InvitationState.OPEN
    assert state(superseded_at=NOW) is InvitationState.SUPERSEDED
    assert state(locked_at=NOW) is InvitationState.LOCKED
    assert state(used_at=NOW) is InvitationState.USED
    assert (
        domain.invitation_state(
            used_at=None, locked_at=None, superseded_at=None, expires_at=NOW, now=NOW
        )
        is InvitationState.EXPIRED
    )


# rule E10
def test_a_used_invitation_stays_used_after_it_expires_E10():
    assert (
        domain.invitation_state(
            used_at=NOW, locked_at=None, superseded_at=None, expires_at=NOW, now=LATER
        )
        is InvitationState.USED
    )


def test_mrn_is_kept_upper_case_and_checked():
    clean, violations = demographics.normalize({"mrn": " ab-12/3.4 "}, today=NOW.date())
    assert (clean, violations) == ({"mrn": "AB-12/3.4"}, [])
    _, violations = demographics.normalize({"mrn": "has space"}, today=NOW.date())
    assert [v.field for v in violations] == ["mrn"]


# rule E7
def test_the_fifth_send_in_thirty_days_waits_for_the_oldest_to_leave_the_window_E7():
    first = NOW - timedelta(days=20)
    sent = [first, NOW - timedelta(days=10), NOW - timedelta(days=5), NOW - timedelta(days=1)]
    allowed = domain.next_send_allowed(sent, max_sends=4, window=timedelta(days=30), now=NOW)
    assert allowed == first + timedelta(days=30)


# rule E7
def test_a_send_exactly_thirty_days_old_no_longer_counts_E7():
    sent = [NOW - timedelta(days=30)] + [NOW - timedelta(days=d) for d in (3, 2, 1)]
    assert domain.next_send_allowed(sent, max_sends=4, window=timedelta(days=30), now=NOW) is None


RECORD = domain.Demographics(
    first_name="Jane", last_name="Doe", date_of_birth=date(1984, 3, 7), zip_code="60614-1234"
)


# rule E12
def test_names_ignore_case_and_surrounding_space_and_zip_codes_compare_five_digits_E12():
    given = RECORD.changed(first_name=" jANE ", last_name="DOE  ", zip_code="60614")
    assert domain.same_person(RECORD, given)


# rule E12
@pytest.mark.parametrize(
    "difference",
    [
        {"first_name": "Janet"},
        {"last_name": "Do"},
        {"date_of_birth": date(1984, 3, 8)},
        {"zip_code": "60615"},
    ],
)
def test_any_other_difference_is_another_person_E12(difference):
    assert not domain.same_person(RECORD, RECORD.changed(**difference))


# rule E12
def test_a_record_without_a_name_matches_no_one_E12():
    assert not domain.same_person(RECORD.changed(first_name=None), RECORD)


# rule E12, E13
@pytest.mark.parametrize(
    ("status", "has_account", "linkable"),
    [
        (Status.NOT_ENROLLED, False, True),
        (Status.PENDING, False, True),
        (Status.DECLINED, False, True),
        (Status.DEFERRED, False, True),
        (Status.PENDING, True, False),
        (Status.ENROLLED, True, False),
        (Status.UNENROLLED, True, False),
        (Status.UNENROLLED, False, False),
    ],
)
def test_self_registration_links_a_record_without_account_not_unenrolled_E12_E13(
    status, has_account, linkable
):
    assert domain.linkable_by_self_registration(status, has_account=has_account) is linkable


# rule E12, E2
def test_every_record_self_registration_may_link_may_become_enrolled_E12_E2():
    for status in Status:
        if domain.linkable_by_self_registration(status, has_account=False):
            assert Status.ENROLLED in domain.allowed_next(status)


def clean(**raw: str) -> tuple[dict[str, object], list[str]]:
    values, violations = demographics.normalize(raw, today=NOW.date())
    return values, [v.field for v in violations]


# rule I8
def test_a_home_phone_is_kept_in_e164_like_a_cell_phone_I8():
    assert clean(home_phone="(312) 555-0142", cell_phone="+1 312 555 0142") == (
        {"home_phone": "+13125550142", "cell_phone": "+13125550142"},
        [],
    )
    assert clean(home_phone="555-0142")[1] == ["home_phone"]


# rule I8
def test_a_street_address_is_trimmed_and_its_inner_space_collapsed_I8():
    assert clean(street_address="  12  Oak\tStreet   Apt 4 ") == (
        {"street_address": "12 Oak Street Apt 4"},
        [],
    )
    assert clean(street_address=" ")[0] == {"street_address": None}  # cleared


# rule I8
@pytest.mark.parametrize("address", ["#-/ ,", "x" * 101, "12 Oak Street " + "y" * 90])
def test_a_street_address_needs_a_letter_or_digit_and_at_most_100_characters_I8(address):
    assert clean(street_address=address)[1] == ["street_address"]


# rule I8
def test_a_street_address_of_100_characters_after_collapsing_is_kept_I8():
    address = "1" + " " * 5 + "a" * 98
    assert clean(street_address=address)[0] == {"street_address": "1 " + "a" * 98}


ACCOUNT_RECORD = RECORD.changed(home_phone="+13125550142", street_address="12 Oak Street Apt 4")


def account_information_matches(record: domain.Demographics, name: str = "jane") -> bool:
    return domain.account_information_matches(
        record,
        first_name=f" {name} ",
        last_name=name and "DOE",
        date_of_birth=date(1984, 3, 7),
        home_phone="+13125550142",
    )


# rule I8
def test_account_information_matches_names_ignoring_case_and_space_I8():
    assert account_information_matches(ACCOUNT_RECORD)


# rule I8
@pytest.mark.parametrize(
    "record",
    [
        ACCOUNT_RECORD.changed(first_name="Janet"),
        ACCOUNT_RECORD.changed(last_name="Roe"),
        ACCOUNT_RECORD.changed(date_of_birth=date(1984, 3, 8)),
        ACCOUNT_RECORD.changed(home_phone="+13125550143"),
        ACCOUNT_RECORD.changed(home_phone=None),
        ACCOUNT_RECORD.changed(street_address=None),
        ACCOUNT_RECORD.changed(first_name=None),
    ],
)
def test_account_information_needs_all_four_and_a_street_address_I8(record):
    assert not account_information_matches(record)


# rule I8
def test_empty_names_match_no_record_without_names_I8():
    assert not account_information_matches(ACCOUNT_RECORD.changed(first_name="", last_name=""), "")
