"""User accounts: create, change role, deactivate, unlock, reset, delete; the last active admin
is protected. Changes that take rights away revoke sessions, keys and access tokens."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth import repository as auth_repository
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.passwords import check_policy
from mvidarr.db import utcnow
from mvidarr.errors import Conflict, NotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.kit.text import fold
from mvidarr.models import User
from mvidarr.models.user import Role
from mvidarr.users import repository
from mvidarr.users.schemas import UserCreate, UserPublic, UserUpdate


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} does not exist")


class LastAdmin(Conflict):
    def __init__(self) -> None:
        super().__init__("this is the last active admin; make another user admin first")


def username_key(username: str) -> str:
    return fold(username)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password_hash: str,
    role: Role,
    email: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Insert a user whose password is already hashed; a taken name (any case) is a 409."""
    key = username_key(username)
    if await repository.by_key(session, key) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username,
        username_key=key,
        email=email,
        password_hash=password_hash,
        role=role.value,
        must_change_password=must_change_password,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"username {username!r} is taken") from None
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


async def add_user(
    session: AsyncSession, guard: Guard, data: UserCreate, *, actor: Principal, ip: str | None
) -> UserPublic:
    check_policy(data.password, data.username)
    # Hash before the first query: no transaction is held while argon2 runs.
    password_hash = await guard.passwords.hash(data.password)
    user = await create_user(
        session,
        username=data.username,
        password_hash=password_hash,
        role=data.role,
        email=data.email,
        must_change_password=data.must_change_password,
    )
    audit.record(
        session, "user.created", actor=actor, target_type="user", target_id=user.id, ip=ip,
        details={"username": user.username, "role": user.role},
    )  # fmt: skip
    return UserPublic.model_validate(user)


async def list_users(
    session: AsyncSession, page: PageParams, *, q: str | None, role: Role | None, active: bool | None
) -> Page[UserPublic]:
    rows, total = await repository.list_page(session, page, q=fold(q) if q else None, role=role, active=active)
    return Page(
        items=[UserPublic.model_validate(u) for u in rows], total=total, page=page.page, page_size=page.page_size
    )


async def read_user(session: AsyncSession, user_id: int) -> UserPublic:
    return UserPublic.model_validate(await get_user(session, user_id))


async def _ensure_not_last_admin(session: AsyncSession, user: User) -> None:
    if user.role == Role.ADMIN and user.active and await repository.count_active_admins(session) <= 1:
        raise LastAdmin()


async def _cut_off(session: AsyncSession, guard: Guard, user: User, *, keys: bool) -> None:
    """Ends the user's sessions (and keys): refresh families revoked, access tokens refused."""
    now = utcnow()
    families = await auth_repository.revoke_families(session, now, user_id=user.id)
    if keys:
        await repository.revoke_api_keys(session, user.id, now)
    guard.revoke_sessions(families)
    guard.revoke_user(user.id)
    await guard.announce(session, [user.id])


async def update_user(
    session: AsyncSession, guard: Guard, user_id: int, data: UserUpdate, *, actor: Principal, ip: str | None
) -> UserPublic:
    user = await get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    details: dict[str, object] = {}
    if "role" in changes and changes["role"] is not None and changes["role"] != user.role:
        new_role = Role(changes["role"])
        if user.role == Role.ADMIN:
            await _ensure_not_last_admin(session, user)
        details["role"] = {"from": user.role, "to": new_role.value}
        user.role = new_role.value
        # Tokens carrying the old role end in every process (the guard compares them with the database's).
        await guard.announce(session, [user.id])
    if "email" in changes and changes["email"] != user.email:
        details["email"] = "changed"
        user.email = changes["email"]
    if details:
        await session.flush()
        audit.record(
            session, "user.updated", actor=actor, target_type="user", target_id=user.id, ip=ip, details=details
        )
    return UserPublic.model_validate(user)


async def deactivate_user(
    session: AsyncSession, guard: Guard, user_id: int, *, actor: Principal, ip: str | None
) -> UserPublic:
    user = await get_user(session, user_id)
    if not user.active:
        return UserPublic.model_validate(user)
    await _ensure_not_last_admin(session, user)
    user.active = False
    await _cut_off(session, guard, user, keys=True)
    await session.flush()
    audit.record(session, "user.deactivated", actor=actor, target_type="user", target_id=user.id, ip=ip)
    return UserPublic.model_validate(user)


async def reactivate_user(session: AsyncSession, user_id: int, *, actor: Principal, ip: str | None) -> UserPublic:
    user = await get_user(session, user_id)
    if not user.active:
        user.active = True
        await session.flush()
        audit.record(session, "user.reactivated", actor=actor, target_type="user", target_id=user.id, ip=ip)
    return UserPublic.model_validate(user)


async def unlock_user(
    session: AsyncSession, guard: Guard, user_id: int, *, actor: Principal, ip: str | None
) -> UserPublic:
    user = await get_user(session, user_id)
    user.locked_until = None
    user.failed_login_count = 0
    guard.by_username.clear(user.username_key)
    await session.flush()
    audit.record(session, "user.unlocked", actor=actor, target_type="user", target_id=user.id, ip=ip)
    return UserPublic.model_validate(user)


async def reset_password(
    session: AsyncSession, guard: Guard, user_id: int, password: str, *, actor: Principal, ip: str | None
) -> UserPublic:
    """An admin sets a password; the user must change it at next sign-in and is signed out now."""
    # Hash before the first query (no transaction held meanwhile); the policy needs the name.
    password_hash = await guard.passwords.hash(password)
    user = await get_user(session, user_id)
    check_policy(password, user.username)
    user.password_hash = password_hash
    user.must_change_password = True
    user.failed_login_count = 0
    user.locked_until = None
    await _cut_off(session, guard, user, keys=False)
    await session.flush()
    audit.record(session, "user.password_reset", actor=actor, target_type="user", target_id=user.id, ip=ip)
    return UserPublic.model_validate(user)


async def reset_totp(session: AsyncSession, user_id: int, *, actor: Principal, ip: str | None) -> UserPublic:
    user = await get_user(session, user_id)
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_code_hashes = []
    await session.flush()
    audit.record(session, "user.totp_reset", actor=actor, target_type="user", target_id=user.id, ip=ip)
    return UserPublic.model_validate(user)


async def delete_user(session: AsyncSession, guard: Guard, user_id: int, *, actor: Principal, ip: str | None) -> None:
    user = await get_user(session, user_id)
    await _ensure_not_last_admin(session, user)
    await _cut_off(session, guard, user, keys=True)
    audit.record(
        session, "user.deleted", actor=actor, target_type="user", target_id=user.id, ip=ip,
        details={"username": user.username},
    )  # fmt: skip
    await session.delete(user)
    await session.flush()
