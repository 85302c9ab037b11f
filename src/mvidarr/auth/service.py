"""Sign-in and sessions: password sign-in, a session issued and refreshed, sign-out, a password change.

Password checks run before any transaction opens (argon2 takes ~100 ms and must not hold the
SQLite write lock), and failures are recorded in their own unit of work so that the audit event
and the failure count survive the error answer. Hence these flows take the `Database`, not the
request's session.

The parts: password sign-in, sessions issued and refreshed, sign-out and password change here; the first
admin in `auth.first_admin`, the signed-in user's account and sessions in `auth.account`, two-factor
authentication in `auth.two_factor`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth import repository
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.passwords import check_policy
from mvidarr.auth.schemas import LoginRequest, PasswordChange
from mvidarr.auth.tokens import new_csrf_token, new_refresh_token, new_session_id, sha256
from mvidarr.auth.two_factor import second_factor
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import CONFLICT, CONTENT, Forbidden, InvalidInput, TooManyRequests, Unauthorized
from mvidarr.models import RefreshToken, User
from mvidarr.models.user import Role
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.users import service as users

log = logging.getLogger("mvidarr.auth")
WRONG_CREDENTIALS = "wrong username or password"


class TotpRequired(Unauthorized):
    kind, title = "totp-required", "Two-factor code required"

    def __init__(self) -> None:
        super().__init__("this account uses two-factor authentication; send totp_code")


class AccountLocked(TooManyRequests):
    kind, title = "account-locked", "Account locked"


class PasswordSignInOff(Forbidden):
    kind, title = "password-sign-in-off", "Password sign-in is off"

    def __init__(self) -> None:
        super().__init__("password sign-in is off here; sign in with single sign-on")


async def _password_sign_in_allowed(db: Database, user: User) -> bool:
    """False while `auth.password_sign_in` is off, except for the break-glass admin (decision 0040)."""
    async with db.reader() as session:
        if await runtime_settings.get(session, setting_keys.PASSWORD_SIGN_IN):
            return True
        break_glass = await runtime_settings.get(session, setting_keys.BREAK_GLASS_ADMIN)
    if user.role != Role.ADMIN:
        return False
    return not break_glass or users.username_key(break_glass) == user.username_key


@dataclass(frozen=True, slots=True)
class Issued:
    """What a successful sign-in or refresh hands the client."""

    access_token: str
    refresh_token: str | None
    csrf_token: str | None
    expires_in: int
    must_change_password: bool
    cookie: bool


def start_session(
    session: AsyncSession,
    guard: Guard,
    user: User,
    *,
    cookie: bool,
    ip: str | None,
    agent: str | None,
    family: str | None = None,
    sso_provider_id: int | None = None,
) -> Issued:
    """Adds the session's next refresh token to `session` (the caller commits) and mints an access token."""
    family = family or new_session_id()
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family,
            token_hash=sha256(refresh),
            expires_at=utcnow() + guard.refresh_ttl,
            user_agent=agent,
            ip=ip,
            sso_provider_id=sso_provider_id,
        )
    )
    csrf = new_csrf_token() if cookie else None
    access = guard.signer.issue(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        session_id=family,
        must_change_password=user.must_change_password,
        csrf_token=csrf,
    )
    return Issued(access, refresh, csrf, guard.signer.ttl_s, user.must_change_password, cookie)


async def _record_failure(
    db: Database,
    guard: Guard,
    *,
    username: str,
    user_id: int | None,
    ip: str | None,
    reason: str,
) -> None:
    name = users.username_key(username)
    guard.by_pair.fail(_pair(ip, username))
    guard.by_ip.fail(ip or "unknown")
    # Never a lock: failures from anyone only slow this name's sign-ins down (see backoff_s), for
    # known and unknown names alike (no oracle), so strangers cannot lock an account's owner out.
    guard.by_name.fail(name)
    settings = guard.settings
    slowed = guard.by_name.count(name) == settings.lockout_threshold
    async with db.writer() as session:
        if user_id is not None:
            user = await session.get(User, user_id, with_for_update=True)
            if user is not None:
                user.failed_login_count += 1
        audit.record(
            session, "auth.login_failed", user_id=user_id, username=username[:64], ip=ip,
            details={"reason": reason},
        )  # fmt: skip
        if slowed:
            audit.record(
                session, "auth.login_backoff", user_id=user_id, username=username[:64], ip=ip,
                details={"failures": settings.lockout_threshold},
            )  # fmt: skip
        await session.commit()


def _pair(ip: str | None, username: str) -> str:
    return f"{ip or 'unknown'}\x00{users.username_key(username)}"


def backoff_s(settings: Settings, failures: int) -> float:
    """How long a sign-in to an account with `failures` consecutive failures is held: 0 below the
    threshold, then doubling from 0.5 s up to `login_backoff_max_s`."""
    excess = failures - settings.lockout_threshold
    if excess < 0:
        return 0.0
    return float(min(settings.login_backoff_max_s, 0.5 * 2 ** min(excess, 16)))


async def login(db: Database, guard: Guard, body: LoginRequest, *, ip: str | None, agent: str | None) -> Issued:
    key = users.username_key(body.username)
    pair = _pair(ip, body.username)
    wait = max(guard.by_pair.retry_after(pair), guard.by_ip.retry_after(ip or "unknown"))
    if wait:
        raise TooManyRequests("too many failed sign-ins; wait before trying again", retry_after_s=wait)
    async with db.reader() as session:
        user = await repository.user_by_key(session, key)
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        # Only a lock an earlier version set (sign-in failures no longer lock); an admin can unlock.
        seconds = int((user.locked_until - now).total_seconds()) + 1
        raise AccountLocked("this account is locked after repeated failed sign-ins", retry_after_s=seconds)
    delay = backoff_s(guard.settings, guard.by_name.count(key))
    if delay:
        await asyncio.sleep(delay)
    # Unknown names are checked against a dummy hash: same work, same answer, similar timing.
    matches = await guard.passwords.verify(user.password_hash if user else None, body.password)
    step: int | None = None
    recovery: str | None = None
    if user is None or not matches:
        await _record_failure(
            db, guard, username=body.username, user_id=user.id if user else None, ip=ip,
            reason="wrong password" if user else "unknown user",
        )  # fmt: skip
        raise Unauthorized(WRONG_CREDENTIALS)
    if not user.active:
        await _record_failure(db, guard, username=body.username, user_id=user.id, ip=ip, reason="deactivated")
        raise Forbidden("this account is deactivated; ask an admin")
    if not await _password_sign_in_allowed(db, user):
        # Checked after the password, so the answer says nothing about which names are admins.
        await _record_failure(db, guard, username=body.username, user_id=user.id, ip=ip, reason="passwords off")
        raise PasswordSignInOff()
    if user.totp_enabled:
        if not body.totp_code:
            raise TotpRequired()
        step, recovery = second_factor(guard, user, body.totp_code)
        if step is None and recovery is None:
            await _record_failure(db, guard, username=body.username, user_id=user.id, ip=ip, reason="wrong code")
            raise Unauthorized("wrong two-factor code")
    new_hash = await guard.passwords.hash(body.password) if guard.passwords.needs_rehash(user.password_hash) else None
    async with db.writer() as session:
        fresh = await session.get(User, user.id, with_for_update=True)
        # Re-checked under the lock: a concurrent sign-in may have used this code already.
        replayed = fresh is not None and (
            (step is not None and fresh.totp_last_step is not None and step <= fresh.totp_last_step)
            or (recovery is not None and recovery not in fresh.recovery_code_hashes)
        )
        if fresh is None or not fresh.active or replayed:
            await session.rollback()
            fresh = None
        else:
            fresh.failed_login_count = 0
            fresh.locked_until = None
            fresh.last_login_at = utcnow()
            if new_hash is not None:
                fresh.password_hash = new_hash
            if step is not None:
                fresh.totp_last_step = step
            if recovery is not None:
                fresh.recovery_code_hashes = [h for h in fresh.recovery_code_hashes if h != recovery]
            issued = start_session(session, guard, fresh, cookie=body.cookie, ip=ip, agent=agent)
            factor = "totp" if step is not None else "recovery_code" if recovery is not None else None
            audit.record(
                session, "auth.login", user_id=fresh.id, username=fresh.username, ip=ip,
                details={"cookie": body.cookie, "second_factor": factor},
            )  # fmt: skip
            await session.commit()
    if fresh is None:
        await _record_failure(db, guard, username=body.username, user_id=user.id, ip=ip, reason="code replayed")
        raise Unauthorized("wrong two-factor code")
    guard.by_pair.clear(pair)
    return issued


async def refresh(db: Database, guard: Guard, token: str, *, cookie: bool, ip: str | None, agent: str | None) -> Issued:
    """Rotates a refresh token. A token presented twice revokes its whole session (it leaked)."""
    now = utcnow()
    async with db.writer() as session:
        row = await repository.token_by_hash(session, sha256(token))
        if row is None:
            raise Unauthorized("refresh token invalid")
        if row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized("session ended; sign in again")
        if row.used_at is not None or not await repository.mark_used(session, row.id, now):
            await repository.revoke_families(session, now, family_id=row.family_id)
            audit.record(
                session, "auth.refresh_reuse", user_id=row.user_id, ip=ip, target_type="session",
                target_id=row.family_id, details={"user_agent": agent},
            )  # fmt: skip
            await guard.announce(session, [row.user_id])
            await session.commit()
            guard.revoke_sessions([row.family_id])
            raise Unauthorized("refresh token was already used; the session is revoked, sign in again")
        user = await session.get(User, row.user_id)
        if user is None or not user.active:
            await repository.revoke_families(session, now, family_id=row.family_id)
            await session.commit()
            raise Unauthorized("session ended; sign in again")
        issued = start_session(
            session, guard, user, cookie=cookie, ip=ip, agent=agent, family=row.family_id,
            sso_provider_id=row.sso_provider_id,
        )  # fmt: skip
        await session.commit()
    return issued


async def logout(session: AsyncSession, guard: Guard, principal: Principal, *, ip: str | None) -> None:
    """Ends the caller's session (its refresh token family); API-key calls have none to end."""
    if principal.session_id is not None:
        await repository.revoke_families(session, utcnow(), family_id=principal.session_id)
        guard.revoke_sessions([principal.session_id])
        await guard.announce(session, [principal.user_id])
    audit.record(session, "auth.logout", actor=principal, ip=ip, target_type="session", target_id=principal.session_id)


async def change_password(
    db: Database, guard: Guard, principal: Principal, body: PasswordChange, *, ip: str | None
) -> Issued:
    """Needs the current password; ends every other session and returns a fresh access token."""
    if principal.session_id is None:
        raise Forbidden("sign in with your password to change it (not with an API key)")
    async with db.reader() as session:
        user = await session.get(User, principal.user_id)
    if user is None or not user.active:
        raise Unauthorized("session ended; sign in again")
    wait = guard.by_username.retry_after(user.username_key)
    if wait:
        raise TooManyRequests("too many wrong passwords; wait before trying again", retry_after_s=wait)
    if not await guard.passwords.verify(user.password_hash, body.current_password):
        guard.by_username.fail(user.username_key)
        raise InvalidInput("current password is wrong", loc=("body", "current_password"), type_=CONTENT)
    check_policy(body.new_password, user.username)
    if body.new_password == body.current_password:
        raise InvalidInput(
            "the new password must differ from the current one", loc=("body", "new_password"), type_=CONFLICT
        )
    password_hash = await guard.passwords.hash(body.new_password)
    cookie = principal.via == "cookie"
    async with db.writer() as session:
        fresh = await session.get(User, principal.user_id)
        if fresh is None:
            raise Unauthorized("session ended; sign in again")
        fresh.password_hash = password_hash
        fresh.must_change_password = False
        others = await repository.revoke_families(session, utcnow(), user_id=fresh.id, keep_family=principal.session_id)
        audit.record(session, "auth.password_changed", actor=principal, ip=ip, details={"sessions_ended": len(others)})
        csrf = new_csrf_token() if cookie else None
        access = guard.signer.issue(
            user_id=fresh.id,
            username=fresh.username,
            role=Role(fresh.role),
            session_id=principal.session_id,
            csrf_token=csrf,
        )
        await guard.announce(session, [fresh.id])
        await session.commit()
    guard.revoke_sessions(others)
    return Issued(access, None, csrf, guard.signer.ttl_s, False, cookie)
