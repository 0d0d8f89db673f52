"""Password hashing admits a bounded number of hashes so other requests never starve."""

from __future__ import annotations

import threading

import pytest

from services.identity.errors import HashingBusy
from services.identity.hashing import PasswordHashing
from services.identity.settings import IdentitySettings

ONE_AT_A_TIME = IdentitySettings(
    argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1, max_admitted_hashes=1
)


class _HeldHasher:
    """Stands in for argon2's CPU time: a hash that lasts until the test lets it finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.finish = threading.Event()

    def hash(self, password: str) -> str:
        self.started.set()
        self.finish.wait(5)
        return "held"


def test_hash_beyond_the_admitted_number_is_refused_at_once():
    hashing = PasswordHashing(ONE_AT_A_TIME)
    held = _HeldHasher()
    hashing._hasher = held  # type: ignore[assignment]
    first = threading.Thread(target=hashing.hash, args=("correct horse battery",))
    first.start()
    held.started.wait(5)
    with pytest.raises(HashingBusy) as refused:
        hashing.hash("another long password")
    held.finish.set()
    first.join(5)
    assert refused.value.retry_after is not None


def test_admission_is_returned_after_each_hash():
    hashing = PasswordHashing(ONE_AT_A_TIME)
    hashing.hash("correct horse battery")
    assert hashing.verify(hashing.hash("correct horse battery"), "correct horse battery").matches
