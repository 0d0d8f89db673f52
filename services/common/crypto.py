"""Random tokens, their hashes, keyed code hashes and sealed payloads: the crypto plumbing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token with `nbytes` bytes (256 bits by default) of randomness."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest a high-entropy token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_numeric_code(digits: int) -> str:
    """A uniformly random code of `digits` decimal digits."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _derive(secret_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )


class Keyring:
    """Keys derived from the service's secret key, one per purpose.

    `previous` are the secret keys before this one, newest first, kept while a rotation is under
    way: what they sealed still opens and the codes they hashed still match, while everything
    new is sealed and hashed with the current key only.
    """

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        keys = (secret_key, *previous)
        self._code_keys = tuple(_derive(key, b"vestibule code hash v1") for key in keys)
        self._fernets = [
            Fernet(base64.urlsafe_b64encode(_derive(key, b"vestibule seal v1"))) for key in keys
        ]
        self._fernet = MultiFernet(self._fernets)
        # Newest first; the audit chain verifies records made under an older key (audit.py).
        self.audit_keys = tuple(_derive(key, b"vestibule audit v1") for key in keys)
        self.audit_key = self.audit_keys[0]

    def code_hash(self, subject: str, code: str) -> str:
        """A keyed hash of a short code, bound to its subject, so a stolen table cannot be
        brute-forced offline."""
        return _keyed(self._code_keys[0], subject, code)

    def codes_match(self, subject: str, code: str, stored_hash: str) -> bool:
        return any(
            hmac.compare_digest(_keyed(key, subject, code), stored_hash) for key in self._code_keys
        )

    def seal(self, payload: bytes) -> bytes:
        """Encrypts and authenticates a payload kept at rest only until it is delivered."""
        return self._fernet.encrypt(payload)

    def unseal(self, sealed: bytes) -> bytes:
        """The payload; InvalidToken when no key of the ring sealed it or it was altered."""
        return self._fernet.decrypt(sealed)

    def reseal(self, sealed: bytes) -> bytes | None:
        """The same payload sealed with the current key, or None when it already is (a
        rotation's re-encryption); InvalidToken when no key of the ring sealed it."""
        try:
            self._fernets[0].decrypt(sealed)
            return None
        except InvalidToken:
            return self._fernet.rotate(sealed)


def _keyed(key: bytes, subject: str, code: str) -> str:
    return hmac.new(key, f"{subject}:{code}".encode(), hashlib.sha256).hexdigest()
