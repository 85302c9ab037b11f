"""Secrets at rest: keys derived from the app secret, and AES-GCM sealing of small values.

Every use of the app secret gets its own key (HKDF with a purpose label), so a token signing
key never doubles as an encryption key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "sealed:v1:"
_SALT = b"mvidarr"


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose, derived from the app secret: HKDF-SHA256 (RFC 5869), salt "mvidarr".

    Written with hmac so that signing tokens does not load `cryptography`; a test checks it
    against cryptography's HKDF.
    """
    if not 0 < length <= 255 * hashlib.sha256().digest_size:
        raise ValueError("HKDF-SHA256 gives 1 to 8160 bytes")
    prk = hmac.new(_SALT, secret.encode(), hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + purpose.encode() + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


class SealError(Exception):
    """A sealed value that cannot be opened: tampered with, or sealed under another secret."""


class Sealer:
    """Encrypts short strings with AES-256-GCM; the output is text, safe for JSON columns."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cipher: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        # Loaded on first use: most processes never open a sealed value.
        if self._cipher is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._cipher = AESGCM(self._key)
        return self._cipher

    @classmethod
    def from_secret(cls, secret: str, purpose: str = "settings") -> Sealer:
        return cls(derive_key(secret, f"seal:{purpose}"))

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes) -> Sealer:
        """A sealer keyed by a person's passphrase (scrypt, n=2^15, r=8, p=1: about 0.1 s), for
        what leaves the installation: the secret key in a backup, secrets in a settings export."""
        if not passphrase:
            raise ValueError("an empty passphrase seals nothing")
        return cls(hashlib.scrypt(passphrase.encode(), salt=salt, n=2**15, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32))

    def seal(self, plain: str) -> str:
        nonce = os.urandom(12)
        box = self._aead.encrypt(nonce, plain.encode(), None)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + box).decode("ascii")

    def open(self, sealed: str) -> str:
        from cryptography.exceptions import InvalidTag

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
