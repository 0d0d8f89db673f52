"""Lockout (I11) and hashing: five wrong passwords lock for a while; hashes are argon2id."""

from __future__ import annotations

from datetime import timedelta

from services.common.db import utcnow
from services.identity import domain
from services.identity.hashing import PasswordHashing
from services.identity.settings import IdentitySettings

CHEAP = IdentitySettings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)


# rule I11
def test_fifth_wrong_password_locks_for_fifteen_minutes_I11():
    now = utcnow()
    count = domain.FailureCount(0, None)
    for _ in range(4):
        count = domain.after_wrong_password(count.failed, now)
        assert count.locked_until is None
    locked = domain.after_wrong_password(count.failed, now)
    assert locked == domain.FailureCount(0, now + timedelta(minutes=15))


# rule I11
def test_a_lock_ends_I11():
    now = utcnow()
    assert domain.is_locked(now + timedelta(seconds=1), now)
    assert not domain.is_locked(now, now)
    assert not domain.is_locked(None, now)


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
