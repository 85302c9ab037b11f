"""Who is calling: credentials from a request turned into a Principal, without a database
query for access tokens (API keys: one cached lookup).

Revocations made in this process (logout, deactivation, role or password changes) take effect
at once; other processes see them when the access token expires (`access_token_ttl_s`).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import select, update
from starlette.requests import HTTPConnection

from mvidarr.auth.passwords import Passwords
from mvidarr.auth.throttle import FailureWindow
from mvidarr.auth.tokens import API_KEY_PREFIX, AccessClaims, TokenInvalid, TokenSigner, csrf_hash, sha256
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.kit.sealing import Sealer
from mvidarr.models import ApiKey, User
from mvidarr.models.user import Role

ACCESS_COOKIE = "mvidarr_access"
REFRESH_COOKIE = "mvidarr_refresh"
CSRF_COOKIE = "mvidarr_csrf"
CSRF_HEADER = "x-csrf-token"
API_KEY_HEADER = "x-api-key"
API_KEY_TOUCH_S = 60.0  # last_used_at is written at most this often per key


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: int
    username: str
    role: Role
    via: Literal["bearer", "cookie", "api_key"]
    session_id: str | None = None
    api_key_id: int | None = None
    must_change_password: bool = False
    csrf_hash: str | None = None

    def at_least(self, role: Role) -> bool:
        return self.role.at_least(role)


@dataclass(slots=True)
class _KeyEntry:
    key_id: int
    user_id: int
    username: str
    role: Role  # the key's cap, already lowered to the owner's role
    active: bool
    must_change_password: bool
    checked_at: float
    touched_at: float | None


@dataclass
class Guard:
    """The app's identity machinery, kept on `app.state.auth` for the life of the app."""

    settings: Settings
    db: Database | None
    signer: TokenSigner
    passwords: Passwords
    sealer: Sealer
    by_username: FailureWindow
    by_ip: FailureWindow
    revoked_users: dict[int, float] = field(default_factory=dict)
    revoked_sessions: dict[str, float] = field(default_factory=dict)
    _keys: dict[str, _KeyEntry] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, secret: str) -> Guard:
        window = settings.login_throttle_window_s
        return cls(
            settings=settings,
            db=None,
            signer=TokenSigner(secret, settings.access_token_ttl_s),
            passwords=Passwords(settings),
            sealer=Sealer.from_secret(secret),
            by_username=FailureWindow(settings.login_max_failures_per_username, window),
            by_ip=FailureWindow(settings.login_max_failures_per_ip, window),
        )

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_ttl_days)

    # ----------------------------------------------------------------- revocation

    def _prune(self, table: dict[str, float] | dict[int, float]) -> None:
        horizon = time.time() - self.signer.ttl_s - 60
        for key in [k for k, at in table.items() if at < horizon]:
            del table[key]  # type: ignore[arg-type]

    def revoke_user(self, user_id: int) -> None:
        """Access tokens of this user issued until now stop working; API keys are re-checked."""
        self._prune(self.revoked_users)
        self.revoked_users[user_id] = time.time()
        self.forget_api_keys()

    def revoke_sessions(self, session_ids: list[str]) -> None:
        self._prune(self.revoked_sessions)
        now = time.time()
        for session_id in session_ids:
            self.revoked_sessions[session_id] = now

    def forget_api_keys(self) -> None:
        self._keys.clear()

    # ----------------------------------------------------------------- authentication

    def _from_claims(self, claims: AccessClaims, via: Literal["bearer", "cookie"]) -> Principal:
        revoked = self.revoked_users.get(claims.user_id)
        if (revoked is not None and claims.issued_at <= revoked) or claims.session_id in self.revoked_sessions:
            raise Unauthorized("session revoked; sign in again")
        return Principal(
            user_id=claims.user_id,
            username=claims.username,
            role=claims.role,
            via=via,
            session_id=claims.session_id,
            must_change_password=claims.must_change_password,
            csrf_hash=claims.csrf_hash,
        )

    def from_token(self, token: str, via: Literal["bearer", "cookie"] = "bearer") -> Principal:
        try:
            claims = self.signer.verify(token)
        except TokenInvalid as exc:
            raise Unauthorized(str(exc)) from None
        return self._from_claims(claims, via)

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        """The caller, or None without credentials; bad credentials are a 401."""
        headers = conn.headers
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Authorization must be 'Bearer <token>'")
            token = token.strip()
            if token.startswith(API_KEY_PREFIX):
                # Programs that can send only a bearer token (Prometheus scrapes) send the API key so.
                return await self.from_api_key(token)
            return self.from_token(token, "bearer")
        api_key = headers.get(API_KEY_HEADER)
        if api_key is not None:
            return await self.from_api_key(api_key.strip())
        if "cookie" in headers:
            cookie = conn.cookies.get(ACCESS_COOKIE)
            if cookie:
                return self.from_token(cookie, "cookie")
        return None

    async def from_api_key(self, key: str) -> Principal:
        if not key or len(key) > 200:
            raise Unauthorized("API key invalid")
        digest = sha256(key)
        now = time.monotonic()
        entry = self._keys.get(digest)
        if entry is None or now - entry.checked_at > self.settings.api_key_cache_s:
            entry = await self._load_key(digest, now)
        if entry is None or not entry.active:
            raise Unauthorized("API key invalid or revoked")
        if entry.touched_at is None or now - entry.touched_at >= API_KEY_TOUCH_S:
            entry.touched_at = now
            await self._touch_key(entry.key_id)
        return Principal(
            user_id=entry.user_id,
            username=entry.username,
            role=entry.role,
            via="api_key",
            api_key_id=entry.key_id,
            must_change_password=entry.must_change_password,
        )

    async def _load_key(self, digest: str, now: float) -> _KeyEntry | None:
        assert self.db is not None
        query = (
            select(
                ApiKey.id,
                ApiKey.user_id,
                ApiKey.role,
                ApiKey.revoked_at,
                User.username,
                User.role,
                User.active,
                User.must_change_password,
            )
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == digest)
        )
        async with self.db.reader() as session:
            row = (await session.execute(query)).first()
        if row is None:
            self._keys.pop(digest, None)
            return None
        key_id, user_id, cap, revoked_at, username, owner_role, active, must_change = row
        previous = self._keys.get(digest)
        role = min(Role(cap), Role(owner_role), key=lambda r: r.rank)
        entry = _KeyEntry(
            key_id=key_id,
            user_id=user_id,
            username=username,
            role=role,
            active=bool(active) and revoked_at is None,
            must_change_password=bool(must_change),
            checked_at=now,
            touched_at=previous.touched_at if previous is not None else None,
        )
        if len(self._keys) >= 4096:
            self._keys.clear()
        self._keys[digest] = entry
        return entry

    async def _touch_key(self, key_id: int) -> None:
        assert self.db is not None
        async with self.db.writer() as session:
            await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))
            await session.commit()

    # ----------------------------------------------------------------- CSRF

    @staticmethod
    def check_csrf(conn: HTTPConnection, principal: Principal | None = None) -> None:
        """Double submit: the header must equal the CSRF cookie (and match the session's token)."""
        header = conn.headers.get(CSRF_HEADER) or ""
        cookie = conn.cookies.get(CSRF_COOKIE) or ""
        if not header or not cookie or not hmac.compare_digest(header, cookie):
            raise Forbidden(f"missing or wrong {CSRF_HEADER.upper()} header; send the {CSRF_COOKIE} cookie's value")
        bound = principal.csrf_hash if principal is not None else None
        if bound is not None and not hmac.compare_digest(csrf_hash(header), bound):
            raise Forbidden("CSRF token does not belong to this session")

    def close(self) -> None:
        self.passwords.close()
