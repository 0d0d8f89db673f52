"""Password hashing with argon2id, bounded so that hashes never starve other requests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.crypto import new_token
from services.identity.errors import HashingBusy
from services.identity.settings import IdentitySettings


@dataclass(frozen=True)
class Verdict:
    """Whether a password matched, and its new hash when the stored one used weaker settings."""

    matches: bool
    new_hash: str | None = None


class PasswordHashing:
    """Hashes and verifies passwords (already NFKC-normalized).

    argon2 releases the GIL, so hashes run in the calling gRPC thread. At most
    `concurrent_hashes` (by default one per core) run at a time, and at most
    `max_admitted_hashes` are admitted (running or waiting); beyond that a call is refused at
    once (HashingBusy), so waiting hashes never hold every server thread while cheap requests
    queue behind them.
    """

    def __init__(self, settings: IdentitySettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._slots = threading.BoundedSemaphore(settings.concurrent_hashes or os.cpu_count() or 1)
        self._admitted = threading.BoundedSemaphore(settings.max_admitted_hashes)
        # Verified against when a login is unknown or locked, so the answer takes as long (X3).
        self._dummy_hash = self._hasher.hash(new_token())

    @contextmanager
    def _admission(self) -> Iterator[None]:
        if not self._admitted.acquire(blocking=False):
            raise HashingBusy()
        try:
            yield
        finally:
            self._admitted.release()

    def hash(self, password: str) -> str:
        """A salted argon2id hash of the password."""
        with self._admission():
            return self._hash(password)

    def _hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> Verdict:
        """Checks a password against its stored hash; with no hash (unknown or locked login) it
        verifies against a dummy and never matches, taking the same time."""
        with self._admission():
            with self._slots:
                try:
                    self._hasher.verify(stored_hash or self._dummy_hash, password)
                except (VerificationError, InvalidHashError):
                    return Verdict(matches=False)
                if stored_hash is None:
                    return Verdict(matches=False)
                needs_rehash = self._hasher.check_needs_rehash(stored_hash)
            return Verdict(matches=True, new_hash=self._hash(password) if needs_rehash else None)
