"""Who is calling: credentials from a request turned into a Principal.

An access token is checked against the database: its user (name, role, active) and its session
(the refresh-token family: not revoked, not expired), through a short bounded cache
(`session_check_s`). Revocations (logout, session revoke, password change, deactivation, deletion,
role change) evict this process's cache at once and are announced as an `auth.revoked` event, which
on PostgreSQL reaches every process through LISTEN/NOTIFY; without it (SQLite with several
processes) the cache lifetime bounds how long another process trusts what it saw (decision 0028).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from mvidarr.auth import repository
from mvidarr.auth.passwords import Passwords
from mvidarr.auth.throttle import FailureWindow
from mvidarr.auth.tokens import API_KEY_PREFIX, AccessClaims, TokenInvalid, TokenSigner, csrf_hash, sha256
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.events.hub import Event, EventHub
from mvidarr.kit.sealing import Sealer
from mvidarr.models import ApiKey, User
from mvidarr.models.user import Role

ACCESS_COOKIE = "mvidarr_access"
REFRESH_COOKIE = "mvidarr_refresh"
CSRF_COOKIE = "mvidarr_csrf"
CSRF_HEADER = "x-csrf-token"
API_KEY_HEADER = "x-api-key"
API_KEY_QUERY = "api_key"
# Media players given a URL (an exported M3U8, a stream link) and calendar apps given a feed URL
# cannot send headers: these GETs also accept the API key as `?api_key=` (request paths are logged
# without their query).
QUERY_KEY_PATHS = ("/stream", "/export", "/calendar.ics")
API_KEY_TOUCH_S = 60.0  # last_used_at is written at most this often per key
REVOKED_EVENT = "auth.revoked"
_SESSIONS_MAX = 8192


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


@dataclass(frozen=True, slots=True)
class _SessionEntry:
    """What the database said about one session (refresh family) and its user, and when."""

    user_id: int
    username: str
    role: Role
    active: bool
    live: bool
    must_change_password: bool
    checked_at: float


@dataclass
class Guard:
    """The app's identity machinery, kept on `app.state.auth` for the life of the app."""

    settings: Settings
    db: Database | None
    signer: TokenSigner
    passwords: Passwords
    sealer: Sealer
    by_username: FailureWindow
    """Failed password checks of a signed-in user (password change, 2FA disable)."""
    by_pair: FailureWindow
    """Failed sign-ins per (client address, username): an address cannot throttle anyone else."""
    by_ip: FailureWindow
    by_name: FailureWindow
    """Failed sign-ins per username from any address: they slow that name's sign-ins, never refuse them."""
    revoked_users: dict[int, float] = field(default_factory=dict)
    revoked_sessions: dict[str, float] = field(default_factory=dict)
    events: EventHub | None = None
    _keys: dict[str, _KeyEntry] = field(default_factory=dict)
    _sessions: dict[str, _SessionEntry] = field(default_factory=dict)

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
            by_pair=FailureWindow(settings.login_max_failures_per_username, window),
            by_ip=FailureWindow(settings.login_max_failures_per_ip, window),
            by_name=FailureWindow(max(64, settings.lockout_threshold * 4), window),
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
            self._sessions.pop(session_id, None)

    def forget_api_keys(self) -> None:
        self._keys.clear()

    def forget_users(self, user_ids: list[int]) -> None:
        """Drop what this process cached about these users' sessions and keys: the next request reads again."""
        users = set(user_ids)
        for key in [k for k, entry in self._sessions.items() if entry.user_id in users]:
            self._sessions.pop(key, None)
        self.forget_api_keys()

    async def announce(self, session: AsyncSession, user_ids: list[int]) -> None:
        """Tell every process that these users' sessions, roles or keys changed (with `session`'s commit)."""
        self.forget_users(user_ids)
        if self.events is not None and user_ids:
            await self.events.emit(session, Event(REVOKED_EVENT, {"user_ids": sorted(set(user_ids))}))

    def on_event(self, event: Event) -> None:
        """Event-hub listener: a revocation announced by any process."""
        if event.type == REVOKED_EVENT:
            self.forget_users([int(u) for u in event.data.get("user_ids", [])])
        elif event.type == "events.reconnected":
            # Announcements may have been missed while the listener was away.
            self._sessions.clear()
            self.forget_api_keys()

    # ----------------------------------------------------------------- authentication

    async def _from_claims(self, claims: AccessClaims, via: Literal["bearer", "cookie"]) -> Principal:
        revoked = self.revoked_users.get(claims.user_id)
        if (revoked is not None and claims.issued_at <= revoked) or claims.session_id in self.revoked_sessions:
            raise Unauthorized("session revoked; sign in again")
        state = await self._session(claims.user_id, claims.session_id)
        if state is None or not state.active:
            raise Unauthorized("this account no longer exists or is deactivated")
        if not state.live:
            raise Unauthorized("session ended; sign in again")
        if state.role != claims.role:
            # A token carries the role it was minted with; after a role change it ends (a refresh mints
            # one with the new role), in every process, as soon as the cached state is read again.
            raise Unauthorized("the account's role changed; refresh the session or sign in again")
        return Principal(
            user_id=claims.user_id,
            username=state.username,
            role=state.role,
            via=via,
            session_id=claims.session_id,
            must_change_password=state.must_change_password,
            csrf_hash=claims.csrf_hash,
        )

    async def _session(self, user_id: int, session_id: str) -> _SessionEntry | None:
        now = time.monotonic()
        entry = self._sessions.get(session_id)
        if entry is not None and entry.user_id == user_id and now - entry.checked_at < self.settings.session_check_s:
            return entry
        assert self.db is not None
        async with self.db.reader() as session:
            row = await repository.session_state(session, user_id, session_id, utcnow())
        if row is None:
            self._sessions.pop(session_id, None)
            return None
        username, role, active, must_change, live = row
        entry = _SessionEntry(
            user_id=user_id,
            username=username,
            role=Role(role),
            active=bool(active),
            live=bool(live),
            must_change_password=bool(must_change),
            checked_at=now,
        )
        if len(self._sessions) >= _SESSIONS_MAX:
            self._sessions.clear()
        self._sessions[session_id] = entry
        return entry

    async def still_valid(self, principal: Principal, opened_at: float, api_key: str | None = None) -> bool:
        """Whether a long-lived connection opened as `principal` at `opened_at` (time.time()) may go on:
        its session not ended or revoked, its user active with the same role; or, opened with `api_key`,
        the key not revoked. The token's own expiry does not end it (the browser refreshes the session,
        not the socket)."""
        if principal.session_id is not None:
            revoked = self.revoked_users.get(principal.user_id)
            if principal.session_id in self.revoked_sessions or (revoked is not None and revoked >= opened_at):
                entry = None
            else:
                entry = await self._session(principal.user_id, principal.session_id)
            return bool(
                entry is not None
                and entry.active
                and entry.live
                and entry.role == principal.role
                and not entry.must_change_password
            )
        if api_key is not None:
            try:
                current = await self.from_api_key(api_key)
            except Unauthorized:
                return False
            return current.role == principal.role and not current.must_change_password
        return True

    async def from_token(self, token: str, via: Literal["bearer", "cookie"] = "bearer") -> Principal:
        try:
            claims = self.signer.verify(token)
        except TokenInvalid as exc:
            raise Unauthorized(str(exc)) from None
        return await self._from_claims(claims, via)

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
            return await self.from_token(token, "bearer")
        api_key = headers.get(API_KEY_HEADER)
        if api_key is not None:
            return await self.from_api_key(api_key.strip())
        if conn.scope.get("method") in ("GET", "HEAD") and conn.scope["path"].endswith(QUERY_KEY_PATHS):
            query_key = conn.query_params.get(API_KEY_QUERY)
            if query_key is not None:
                return await self.from_api_key(query_key.strip())
        if "cookie" in headers:
            cookie = conn.cookies.get(ACCESS_COOKIE)
            if cookie:
                return await self.from_token(cookie, "cookie")
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
