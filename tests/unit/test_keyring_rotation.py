"""Rotating a service's secret key: while the earlier key is listed as previous, what it sealed
still opens and the codes it hashed still match; everything new uses the current key only."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken
from pydantic import ValidationError

from services.common.crypto import Keyring
from services.common.settings import Settings

OLD = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
NEW = "new-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def test_what_the_previous_key_sealed_still_opens_during_a_rotation():
    sealed = Keyring(OLD).seal(b"totp secret")
    assert Keyring(NEW, [OLD]).unseal(sealed) == b"totp secret"


def test_new_values_are_sealed_with_the_current_key_only():
    sealed = Keyring(NEW, [OLD]).seal(b"totp secret")
    assert Keyring(NEW).unseal(sealed) == b"totp secret"
    with pytest.raises(InvalidToken):
        Keyring(OLD).unseal(sealed)


def test_resealing_moves_a_value_to_the_current_key():
    rotating = Keyring(NEW, [OLD])
    fresh = rotating.reseal(Keyring(OLD).seal(b"totp secret"))
    assert fresh is not None and Keyring(NEW).unseal(fresh) == b"totp secret"
    assert rotating.reseal(fresh) is None  # already current: left alone


def test_a_code_hashed_with_the_previous_key_still_matches_during_a_rotation():
    stored = Keyring(OLD).code_hash("account-1", "123456")
    assert Keyring(NEW, [OLD]).codes_match("account-1", "123456", stored)
    assert not Keyring(NEW).codes_match("account-1", "123456", stored)


def test_a_short_previous_key_is_refused_without_quoting_it():
    with pytest.raises(ValidationError) as refused:
        Settings(secret_key=NEW, secret_key_previous=f"{OLD},too-short")  # type: ignore[arg-type,call-arg]
    assert "VESTIBULE_SECRET_KEY_PREVIOUS" in str(refused.value)
    assert "too-short" not in str(refused.value) and NEW not in str(refused.value)
