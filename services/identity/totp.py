"""Authenticator app codes (TOTP, RFC 6238; I4) and single-use recovery codes for staff."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Vestibule"
DIGITS = 6
# A code of the step before or after the current one is accepted too (clock drift).
DRIFT_STEPS = 1
# No 0/o, 1/l/i: a recovery code is read from paper and typed by hand.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_HALF = 5


def new_secret() -> str:
    """A new random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, login: str) -> str:
    """The otpauth:// URI an authenticator app adds the account from."""
    return pyotp.TOTP(secret, digits=DIGITS).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The URI as a QR code: an SVG image in a data: URI, ready for an <img src>."""
    return str(segno.make(uri, error="m", micro=False).svg_data_uri(scale=4))


def accepted_step(secret: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to when it is right for the current step or one next to it
    and newer than `last_step` (a code already used is refused); None otherwise."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int) -> list[str]:
    """`count` random recovery codes like "k7m2p-x9qrt" (about 50 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_HALF))
            for _ in range(2)
        )
        for _ in range(count)
    ]


def normalize_recovery_code(code: str) -> str:
    """The form a recovery code is hashed in: lower case, without dashes or spaces."""
    return "".join(char for char in code.lower() if char.isalnum())
