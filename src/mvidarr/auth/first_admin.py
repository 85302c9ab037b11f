"""The first admin: created by the set-up page once, or from MVIDARR_ADMIN_USERNAME at start."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth import repository
from mvidarr.auth.guard import Guard
from mvidarr.auth.passwords import check_policy, policy_problem
from mvidarr.auth.schemas import SetupRequest
from mvidarr.auth.service import Issued, start_session
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import ConfigError, Conflict
from mvidarr.models.user import Role
from mvidarr.users import service as users

log = logging.getLogger("mvidarr.auth")
_SETUP_LOCK = 7_302_240_411  # PostgreSQL advisory lock: one first-admin creation at a time


async def _lock_for_setup(session: AsyncSession) -> None:
    """Serialises first-admin creation (SQLite writers already hold the database lock)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})


async def setup_needed(session: AsyncSession) -> bool:
    return await repository.count_users(session) == 0


async def setup(db: Database, guard: Guard, body: SetupRequest, *, ip: str | None, agent: str | None) -> Issued:
    """Creates the first admin and signs them in; refused (409) once any user exists."""
    async with db.reader() as session:
        if not await setup_needed(session):
            raise Conflict("setup is done: a user exists; sign in instead")
    check_policy(body.password, body.username)
    password_hash = await guard.passwords.hash(body.password)
    async with db.writer() as session:
        await _lock_for_setup(session)
        if not await setup_needed(session):
            raise Conflict("setup is done: a user exists; sign in instead")
        user = await users.create_user(
            session, username=body.username, password_hash=password_hash, role=Role.ADMIN, email=body.email
        )
        user.last_login_at = utcnow()
        issued = start_session(session, guard, user, cookie=body.cookie, ip=ip, agent=agent)
        audit.record(
            session, "auth.setup", user_id=user.id, username=user.username, ip=ip, target_type="user",
            target_id=user.id,
        )  # fmt: skip
        await session.commit()
    return issued


async def ensure_initial_admin(db: Database, guard: Guard, settings: Settings) -> bool:
    """Creates MVIDARR_ADMIN_USERNAME with MVIDARR_ADMIN_PASSWORD when no user exists yet."""
    if not settings.admin_username or settings.admin_password is None:
        return False
    password = settings.admin_password.get_secret_value()
    problem = policy_problem(password, settings.admin_username)
    if problem:
        raise ConfigError(f"MVIDARR_ADMIN_PASSWORD is not acceptable: {problem}")
    async with db.reader() as session:
        if not await setup_needed(session):
            return False
    password_hash = await guard.passwords.hash(password)
    async with db.writer() as session:
        await _lock_for_setup(session)
        if not await setup_needed(session):
            return False
        user = await users.create_user(
            session, username=settings.admin_username, password_hash=password_hash, role=Role.ADMIN
        )
        audit.record(
            session, "user.created", user_id=user.id, username=user.username, target_type="user",
            target_id=user.id, details={"role": "admin", "source": "MVIDARR_ADMIN_USERNAME"},
        )  # fmt: skip
        await session.commit()
    log.info("created admin %s from MVIDARR_ADMIN_USERNAME", settings.admin_username)
    return True
