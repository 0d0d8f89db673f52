"""Random tokens, their hashes, keyed code hashes and sealed payloads: the crypto plumbing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet
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
    """Keys derived from the service's secret key, one per purpose."""

    def __init__(self, secret_key: str) -> None:
        self._code_key = _derive(secret_key, b"vestibule code hash v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, b"vestibule seal v1")))
        self.audit_key = _derive(secret_key, b"vestibule audit v1")

    def code_hash(self, subject: str, code: str) -> str:
        """A keyed hash of a short code, bound to its subject, so a stolen table cannot be
        brute-forced offline."""
        return hmac.new(self._code_key, f"{subject}:{code}".encode(), hashlib.sha256).hexdigest()

    def codes_match(self, subject: str, code: str, stored_hash: str) -> bool:
        return hmac.compare_digest(self.code_hash(subject, code), stored_hash)

    def seal(self, payload: bytes) -> bytes:
        """Encrypts and authenticates a payload kept at rest only until it is delivered."""
        return self._fernet.encrypt(payload)

    def unseal(self, sealed: bytes) -> bytes:
        return self._fernet.decrypt(sealed)
