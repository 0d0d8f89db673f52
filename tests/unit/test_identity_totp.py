"""Authenticator codes, recovery codes and the staff sign-in steps, without a server (I4, S2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from services.identity import totp
from services.identity.domain import StaffStep, next_staff_step

NOW = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)
SECRET = totp.new_secret()


def _code(seconds_from_now: int) -> str:
    return pyotp.TOTP(SECRET).at(NOW + timedelta(seconds=seconds_from_now))


# rule I4
@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_a_code_of_the_current_or_a_neighbouring_step_is_accepted_I4(offset):
    assert totp.accepted_step(SECRET, _code(offset), now=NOW, last_step=None) is not None


# rule I4
@pytest.mark.parametrize("offset", [-90, 90])
def test_a_code_two_steps_away_is_refused_I4(offset):
    code = _code(offset)
    if code in {_code(-30), _code(0), _code(30)}:
        pytest.skip("the random secret gave the same code to two steps")
    assert totp.accepted_step(SECRET, code, now=NOW, last_step=None) is None


# rule I4, I11
def test_a_code_of_a_step_already_used_is_refused_I4_I11():
    step = totp.accepted_step(SECRET, _code(0), now=NOW, last_step=None)
    assert totp.accepted_step(SECRET, _code(0), now=NOW, last_step=step) is None
    assert totp.accepted_step(SECRET, _code(-30), now=NOW, last_step=step) is None
    assert totp.accepted_step(SECRET, _code(30), now=NOW, last_step=step) == step + 1


def test_codes_that_are_not_six_digits_are_refused():
    assert totp.accepted_step(SECRET, "12345", now=NOW, last_step=None) is None
    assert totp.accepted_step(SECRET, "abcdef", now=NOW, last_step=None) is None


# rule I4
def test_recovery_codes_are_distinct_and_typed_in_any_case_or_spacing_I4():
    codes = totp.new_recovery_codes(10)
    assert len(set(codes)) == 10
    assert totp.normalize_recovery_code(f" {codes[0].upper()} ") == codes[0].replace("-", "")


# rule S1, S2
@pytest.mark.parametrize(
    ("change", "enrolled", "required", "step"),
    [
        (True, True, True, StaffStep.CHANGE_PASSWORD),
        (False, True, False, StaffStep.SECOND_FACTOR),
        (False, False, True, StaffStep.ENROLL_SECOND_FACTOR),
        (False, False, False, StaffStep.SESSION),
    ],
)
def test_the_next_staff_sign_in_step_S1_S2(change, enrolled, required, step):
    assert (
        next_staff_step(
            password_change_required=change,
            second_factor_enrolled=enrolled,
            second_factor_required=required,
        )
        is step
    )
