"""Access tokens (JWT, HS256, verified in memory; see jws.py), and the opaque secrets: refresh tokens,
API keys, CSRF tokens and recovery codes, of which only hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from mvidarr.auth import jws
from mvidarr.kit.sealing import derive_key
from mvidarr.models.user import Role

ISSUER = "mvidarr"
AUDIENCE = "mvidarr:api"
API_KEY_PREFIX = "mvk_"
_REQUIRED = ["exp", "iat", "nbf", "sub", "aud", "iss"]
_CACHE_MAX = 8192


class TokenInvalid(Exception):
    """The token cannot be used; the message says why, in words fit for the 401 detail."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    username: str
    role: Role
    session_id: str
    issued_at: float
    expires_at: float
    must_change_password: bool
    csrf_hash: str | None


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def csrf_hash(csrf_token: str) -> str:
    return sha256(csrf_token)[:32]


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(16)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def new_api_key() -> tuple[str, str]:
    """A fresh API key and its visible prefix (the first characters, shown in lists)."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", f"{API_KEY_PREFIX}{prefix}"


class TokenSigner:
    """Mints and verifies access tokens with a key derived from the app secret.

    Verified tokens are remembered (bounded) so a repeated token costs a dict lookup; expiry is
    checked on every use all the same.
    """

    def __init__(self, secret: str, ttl_s: int) -> None:
        self._key = derive_key(secret, "jwt:access")
        self._hmac_key = derive_key(secret, "hmac:codes")
        self.ttl_s = ttl_s
        self._verified: dict[str, AccessClaims] = {}

    def issue(
        self,
        *,
        user_id: int,
        username: str,
        role: Role,
        session_id: str,
        must_change_password: bool = False,
        csrf_token: str | None = None,
        now: float | None = None,
    ) -> str:
        issued = time.time() if now is None else now
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "name": username,
            "role": role.value,
            "sid": session_id,
            "typ": "access",
            "iat": issued,
            "nbf": int(issued),
            "exp": int(issued) + self.ttl_s,
        }
        if must_change_password:
            claims["mcp"] = True
        if csrf_token is not None:
            claims["csf"] = csrf_hash(csrf_token)
        return jws.encode(claims, self._key)

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        now = time.time()
        if claims is not None:
            if claims.expires_at <= now:
                raise TokenInvalid("access token expired")
            return claims
        try:
            raw = jws.decode(token, self._key, now=now, audience=AUDIENCE, issuer=ISSUER, required=_REQUIRED)
        except jws.Expired:
            raise TokenInvalid("access token expired") from None
        except jws.NotYetValid:
            raise TokenInvalid("access token not valid yet") from None
        except jws.JWTError:
            raise TokenInvalid("access token invalid") from None
        try:
            if raw.get("typ") != "access":
                raise ValueError("not an access token")
            claims = AccessClaims(
                user_id=int(raw["sub"]),
                username=str(raw["name"]),
                role=Role(raw["role"]),
                session_id=str(raw["sid"]),
                issued_at=float(raw["iat"]),
                expires_at=float(raw["exp"]),
                must_change_password=bool(raw.get("mcp", False)),
                csrf_hash=str(raw["csf"]) if "csf" in raw else None,
            )
        except (KeyError, ValueError, TypeError):
            raise TokenInvalid("access token invalid") from None
        if len(self._verified) >= _CACHE_MAX:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def code_hash(self, code: str) -> str:
        """Keyed hash of a high-entropy one-time code (recovery codes)."""
        return hmac.new(self._hmac_key, code.encode(), hashlib.sha256).hexdigest()
