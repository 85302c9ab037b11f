"""Secrets at rest: keys derived from the app secret, and AES-GCM sealing of small values.

Every use of the app secret gets its own key (HKDF with a purpose label), so a token signing
key never doubles as an encryption key.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED_PREFIX = "sealed:v1:"


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose, derived from the app secret."""
    kdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=b"mvidarr", info=purpose.encode())
    return kdf.derive(secret.encode())


class SealError(Exception):
    """A sealed value that cannot be opened: tampered with, or sealed under another secret."""


class Sealer:
    """Encrypts short strings with AES-256-GCM; the output is text, safe for JSON columns."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str, purpose: str = "settings") -> Sealer:
        return cls(derive_key(secret, f"seal:{purpose}"))

    def seal(self, plain: str) -> str:
        nonce = os.urandom(12)
        box = self._aead.encrypt(nonce, plain.encode(), None)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + box).decode("ascii")

    def open(self, sealed: str) -> str:
        if not sealed.startswith(SEALED_PREFIX):
            raise SealError("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX))
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except (InvalidTag, ValueError) as exc:
            raise SealError("sealed value cannot be opened with this app secret") from exc

    @staticmethod
    def is_sealed(value: object) -> bool:
        return isinstance(value, str) and value.startswith(SEALED_PREFIX)
