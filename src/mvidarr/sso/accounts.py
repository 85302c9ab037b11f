"""The MVidarr account behind a single sign-on (OpenID Connect or the reverse proxy): its role mapped from
the provider's groups, a free username, the account created when the provider may create one.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Guard
from mvidarr.models import User
from mvidarr.models.user import Role
from mvidarr.users import repository as users_repository
from mvidarr.users import service as users

log = logging.getLogger("mvidarr.sso")
NO_PASSWORD = "!sso"  # not an argon2 hash: no password matches it
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._@+-]+")


def mapped_role(values: list[str], rules: list[tuple[str, Role]], default: Role | None) -> Role | None:
    """The highest role any of `values` maps to; `default` when none does."""
    matched = [role for value, role in rules if value in values]
    return max(matched, key=lambda r: r.rank) if matched else default


def claim_values(raw: object) -> list[str]:
    """A groups/roles claim as a list of strings (a list, or a comma- or space-separated string)."""
    if isinstance(raw, list):
        return [str(v).strip() for v in raw if isinstance(v, str | int) and str(v).strip()]
    if isinstance(raw, str):
        return [v.strip() for v in re.split(r"[,\s]+", raw) if v.strip()]
    return []


def username_from(*candidates: str | None) -> str:
    for candidate in candidates:
        if not candidate:
            continue
        name = _NAME_CHARS.sub("-", candidate.strip()).strip("-._@+")[:64]
        if len(name) >= 2:
            return name
    return "user"


async def _free_username(session: AsyncSession, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... when taken (a provider's name never takes over a local account)."""
    name = wanted
    suffix = 1
    while await users_repository.by_key(session, users.username_key(name)) is not None:
        suffix += 1
        name = f"{wanted[: 64 - len(str(suffix)) - 1]}-{suffix}"
    return name


async def apply_role(session: AsyncSession, guard: Guard, user: User, role: Role | None) -> None:
    """Syncs the user's role with the provider's groups; the last active admin is never demoted."""
    if role is None or role.value == user.role:
        return
    if user.role == Role.ADMIN and user.active and await users_repository.count_active_admins(session) <= 1:
        log.warning("not demoting %s, the last active admin, to %s from single sign-on", user.username, role)
        return
    audit.record(
        session, "user.updated", user_id=user.id, username=user.username, target_type="user", target_id=user.id,
        details={"role": {"from": user.role, "to": role.value}, "source": "sso"},
    )  # fmt: skip
    user.role = role.value
    await guard.announce(session, [user.id])


async def new_user(
    session: AsyncSession, *, username: str, email: str | None, role: Role, source: str, ip: str | None
) -> User:
    user = await users.create_user(
        session, username=await _free_username(session, username), password_hash=NO_PASSWORD, role=role, email=email
    )
    audit.record(
        session, "user.created", user_id=user.id, username=user.username, ip=ip, target_type="user",
        target_id=user.id, details={"role": role.value, "source": source},
    )  # fmt: skip
    return user
