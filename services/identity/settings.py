"""Identity's own settings (environment variables `VESTIBULE_IDENTITY_*`)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.identity.domain import LockoutRule, PrincipalKind


class IdentitySettings(BaseSettings):
    """Password hashing cost and session lifetimes.

    The argon2id defaults (3 passes over 64 MiB, one lane) follow RFC 9106 and exceed the OWASP
    minimum; tests pass cheap values as keywords.
    """

    model_config = SettingsConfigDict(env_prefix="VESTIBULE_IDENTITY_", frozen=True, extra="ignore")

    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(1, ge=1)
    # Hashes admitted at once (running or waiting for a core); more are refused with
    # RESOURCE_EXHAUSTED so a burst of sign-ins never holds every server thread (see
    # docs/server-model.md). Keep it well under the server's max_workers.
    max_admitted_hashes: int = Field(8, ge=1)
    # Hashes that run at once; unset, one per CPU of the machine. In a container set it to the
    # CPU limit in whole cores: the machine's count can be far higher, and each running hash
    # holds `argon2_memory_kib` of memory.
    concurrent_hashes: int | None = Field(None, ge=1)
    account_session_hours: float = Field(12, gt=0)
    staff_session_hours: float = Field(8, gt=0)
    # A session unused this long ends, whatever its absolute lifetime (I10).
    session_idle_minutes: float = Field(15, gt=0)
    # Wrong passwords or codes in a row that lock sign-in, and for how long (I11).
    lockout_failures: int = Field(10, ge=4, le=100)
    lockout_minutes: int = Field(15, ge=1, le=24 * 60)
    # At most one forgotten-username email per address in this many minutes (I7).
    username_reminder_minutes: int = Field(15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _memory_covers_lanes(self) -> IdentitySettings:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError("VESTIBULE_IDENTITY_ARGON2_MEMORY_KIB must be at least 8 per lane")
        return self

    @property
    def session_idle(self) -> timedelta:
        """How long a session may go unused before it ends (I10)."""
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def lockout(self) -> LockoutRule:
        """How wrong passwords and codes slow down, then lock (I11)."""
        return LockoutRule(
            failures=self.lockout_failures, lock=timedelta(minutes=self.lockout_minutes)
        )

    def session_lifetime(self, kind: PrincipalKind) -> timedelta:
        """How long a new session of an account or a staff member lasts."""
        if kind is PrincipalKind.STAFF:
            return timedelta(hours=self.staff_session_hours)
        return timedelta(hours=self.account_session_hours)
