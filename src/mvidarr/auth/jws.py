"""Compact JWTs signed with HS256 (RFC 7519 over RFC 7515), the one kind MVidarr issues.

The standard library does it all (hmac, hashlib, base64, json), so the app does not load a JWT
library and, through it, the asymmetric half of `cryptography` (about 9 MB of resident memory)
for an algorithm it never accepts. Only HS256 is accepted; the signature is checked before the
payload is parsed; registered claims are checked as RFC 7519 says. PyJWT (a test dependency)
cross-checks the format in tests/auth.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

ALGORITHM = "HS256"
_HEADER = b'{"alg":"HS256","typ":"JWT"}'
_MAX_TOKEN = 8192


class JWTError(Exception):
    """The token is malformed, badly signed, or its claims do not hold."""


class Expired(JWTError):
    pass


class NotYetValid(JWTError):
    pass


def _b64encode(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _b64decode(part: str) -> bytes:
    if not part.isascii():
        raise JWTError("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise JWTError("not base64url") from None


def _sign(key: bytes, signing_input: bytes) -> bytes:
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def encode(claims: Mapping[str, Any], key: bytes) -> str:
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=True).encode()
    signing_input = _b64encode(_HEADER) + b"." + _b64encode(payload)
    return (signing_input + b"." + _b64encode(_sign(key, signing_input))).decode("ascii")


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise JWTError(f"{name} is not a finite number")
    return float(value)


def _no_constants(name: str) -> Any:
    """JSON has no NaN or Infinity (RFC 8259); Python's parser accepts them unless told not to."""
    raise ValueError(f"{name} is not JSON")


def decode(
    token: str,
    key: bytes,
    *,
    now: float,
    audience: str,
    issuer: str,
    required: Sequence[str] = (),
    leeway_s: float = 0.0,
) -> dict[str, Any]:
    """The claims of a valid token, else JWTError (Expired and NotYetValid for the time claims)."""
    if len(token) > _MAX_TOKEN or token.count(".") != 2:
        raise JWTError("not a compact JWS")
    header_part, payload_part, signature_part = token.split(".")
    signing_input = f"{header_part}.{payload_part}".encode("ascii", "replace")
    try:
        header = json.loads(_b64decode(header_part), parse_constant=_no_constants)
    except ValueError:
        raise JWTError("header is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM or "crit" in header:
        raise JWTError("only HS256 tokens are accepted")
    if not hmac.compare_digest(_b64decode(signature_part), _sign(key, signing_input)):
        raise JWTError("bad signature")
    try:
        claims = json.loads(_b64decode(payload_part), parse_constant=_no_constants)
    except ValueError:
        raise JWTError("payload is not JSON") from None
    if not isinstance(claims, dict):
        raise JWTError("payload is not a JSON object")
    missing = [name for name in required if name not in claims]
    if missing:
        raise JWTError(f"missing claims: {', '.join(missing)}")
    if "exp" in claims and _number(claims, "exp") <= now - leeway_s:
        raise Expired("expired")
    if "nbf" in claims and _number(claims, "nbf") > now + leeway_s:
        raise NotYetValid("not valid yet")
    if "iat" in claims and _number(claims, "iat") > now + leeway_s:
        raise NotYetValid("issued in the future")
    aud = claims.get("aud")
    if "aud" in claims and not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise JWTError("wrong audience")
    if "iss" in claims and claims["iss"] != issuer:
        raise JWTError("wrong issuer")
    return claims
