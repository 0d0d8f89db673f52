"""Lockout (I11) and hashing: wrong passwords slow down, then lock a while; hashes are argon2id."""

from __future__ import annotations

from datetime import timedelta

from services.common.db import utcnow
from services.identity import domain
from services.identity.hashing import PasswordHashing
from services.identity.settings import IdentitySettings

CHEAP = IdentitySettings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)


def _failures(rule: domain.LockoutRule, count: int, now) -> list[domain.Pause]:
    pauses, failed = [], 0
    for _ in range(count):
        pause = rule.after_failure(failed, now if pauses else None, now)
        pauses.append(pause)
        failed = pause.failed
    return pauses


# rule I11
def test_first_three_failures_cost_nothing_I11():
    now = utcnow()
    pauses = _failures(domain.LockoutRule(), 3, now)
    assert [pause.until for pause in pauses] == [None, None, None]


# rule I11
def test_each_failure_after_the_third_waits_twice_as_long_I11():
    now = utcnow()
    waits = [pause.until - now for pause in _failures(domain.LockoutRule(), 9, now)[3:]]
    assert waits == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16, 32)]


# rule I11
def test_tenth_failure_locks_for_fifteen_minutes_I11():
    now = utcnow()
    tenth = _failures(domain.LockoutRule(), 10, now)[-1]
    assert tenth == domain.Pause(0, now + timedelta(minutes=15), locked=True)


# rule I11
def test_count_starts_again_after_a_lock_so_a_lock_always_ends_I11():
    now = utcnow()
    eleventh = _failures(domain.LockoutRule(), 11, now)[-1]
    assert eleventh == domain.Pause(1, None)


# rule I11
def test_a_failure_long_after_the_last_starts_a_new_count_I11():
    rule, now = domain.LockoutRule(), utcnow()
    later = rule.after_failure(8, now, now + timedelta(hours=12))
    assert later == domain.Pause(1, None)


# rule I2
def test_hash_is_argon2id_and_verifies_I2():
    hashing = PasswordHashing(CHEAP)
    stored = hashing.hash("Blue-Otter-Sings-42")
    assert stored.startswith("$argon2id$")
    assert hashing.verify(stored, "Blue-Otter-Sings-42").matches
    assert not hashing.verify(stored, "blue-otter-sings-42").matches


# rule X3
def test_unknown_login_never_matches_the_dummy_hash_X3():
    assert not PasswordHashing(CHEAP).verify(None, "").matches


# rule I2
def test_weaker_hash_gets_a_new_one_on_verify_I2():
    old = PasswordHashing(CHEAP).hash("Blue-Otter-Sings-42")
    stronger = IdentitySettings(argon2_time_cost=2, argon2_memory_kib=16, argon2_parallelism=1)
    verdict = PasswordHashing(stronger).verify(old, "Blue-Otter-Sings-42")
    assert verdict.matches
    assert verdict.new_hash is not None and "m=16,t=2" in verdict.new_hash


# rule S1
def test_unknown_permissions_are_named_S1():
    assert domain.unknown_permissions(["view_patients", "root", "sudo"]) == ["root", "sudo"]
