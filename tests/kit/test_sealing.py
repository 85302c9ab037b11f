"""Key derivation and sealing: the stdlib HKDF equals cryptography's, sealed values round-trip and
refuse tampering or another secret."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mvidarr.kit.sealing import SEALED_PREFIX, Sealer, SealError, derive_key

SECRET = "a test secret that is long enough, 40+ chars"


@pytest.mark.parametrize("purpose", ["jwt:access", "hmac:codes", "seal:settings", "ünïcode purpose", ""])
@pytest.mark.parametrize("length", [1, 16, 32, 33, 64, 100])
def test_derive_key_matches_cryptography_hkdf(purpose: str, length: int) -> None:
    reference = HKDF(algorithm=hashes.SHA256(), length=length, salt=b"mvidarr", info=purpose.encode())
    assert derive_key(SECRET, purpose, length) == reference.derive(SECRET.encode())


def test_derive_key_refuses_impossible_lengths() -> None:
    with pytest.raises(ValueError, match="HKDF"):
        derive_key(SECRET, "x", 0)
    with pytest.raises(ValueError, match="HKDF"):
        derive_key(SECRET, "x", 255 * 32 + 1)


def test_sealed_values_round_trip_and_refuse_tampering() -> None:
    sealer = Sealer.from_secret(SECRET)
    sealed = sealer.seal("api-key-ÿ")
    assert Sealer.is_sealed(sealed)
    assert "api-key" not in sealed
    assert sealer.open(sealed) == "api-key-ÿ"
    assert sealer.seal("same") != sealer.seal("same")  # a fresh nonce each time
    # One bit of the ciphertext flipped (editing the base64 text could touch only padding bits).
    raw = bytearray(base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX)))
    raw[20] ^= 0x01
    tampered = SEALED_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(SealError):
        sealer.open(tampered)
    with pytest.raises(SealError):
        Sealer.from_secret("another secret, also long enough to be used").open(sealed)
    with pytest.raises(SealError):
        sealer.open("sealed:v1:!!!")
    with pytest.raises(SealError):
        sealer.open("plain text")
