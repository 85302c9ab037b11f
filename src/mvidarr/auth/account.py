"""The signed-in user's own account: who they are, their preferences, their sessions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth import repository
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.schemas import Me, Preferences, PreferencesUpdate, SessionPublic
from mvidarr.db import utcnow
from mvidarr.errors import CONFLICT, REFERENCE, InvalidInput, NotFound, Unauthorized
from mvidarr.models import User
from mvidarr.themes.palettes import CUSTOM_PREFIX
from mvidarr.themes.schemas import custom_id
from mvidarr.themes.service import stored_themes
from mvidarr.users.schemas import UserPublic


async def me_user(session: AsyncSession, principal: Principal) -> User:
    user = await session.get(User, principal.user_id)
    if user is None or not user.active:
        raise Unauthorized("this account no longer exists or is deactivated")
    return user


async def me(session: AsyncSession, principal: Principal) -> Me:
    user = await me_user(session, principal)
    public = UserPublic.model_validate(user).model_dump()
    # The effective role of this request (an API key may be capped below the account's role).
    public["role"] = principal.role
    return Me.model_validate({**public, "preferences": Preferences.model_validate(user.preferences or {}),
                              "via": principal.via})  # fmt: skip


async def get_preferences(session: AsyncSession, principal: Principal) -> Preferences:
    return Preferences.model_validate((await me_user(session, principal)).preferences or {})


async def update_preferences(session: AsyncSession, principal: Principal, body: PreferencesUpdate) -> Preferences:
    user = await me_user(session, principal)
    current = Preferences.model_validate(user.preferences or {})
    changes = body.model_dump(exclude_unset=True)
    if "theme" in changes:
        theme = changes["theme"]
        if (
            theme
            and theme.startswith(CUSTOM_PREFIX)
            and not any(custom_id(t.name) == theme for t in stored_themes(user.preferences or {}))
        ):
            raise InvalidInput(f"you have no custom theme {theme}", loc=("body", "theme"), type_=REFERENCE)
        current.theme = theme
    if "page_sizes" in changes:
        merged = {**current.page_sizes, **(changes["page_sizes"] or {})} if changes["page_sizes"] else {}
        if len(merged) > 30:
            raise InvalidInput("at most 30 page sizes", loc=("body", "page_sizes"), type_=CONFLICT)
        current.page_sizes = merged
    # Other keys (custom themes) are kept as they are.
    user.preferences = {**(user.preferences or {}), **current.model_dump()}
    await session.flush()
    return current


async def list_sessions(session: AsyncSession, principal: Principal) -> list[SessionPublic]:
    rows = await repository.live_sessions(session, principal.user_id, utcnow())
    return [
        SessionPublic(
            id=family,
            created_at=created,
            last_used_at=last_used,
            expires_at=expires,
            user_agent=agent,
            ip=ip,
            current=family == principal.session_id,
        )
        for family, created, last_used, expires, agent, ip in rows
    ]


async def revoke_session(
    session: AsyncSession, guard: Guard, principal: Principal, session_id: str, *, ip: str | None
) -> None:
    if await repository.family_owner(session, session_id) != principal.user_id:
        raise NotFound(f"session {session_id} does not exist")
    await repository.revoke_families(session, utcnow(), family_id=session_id)
    guard.revoke_sessions([session_id])
    await guard.announce(session, [principal.user_id])
    audit.record(session, "auth.session_revoked", actor=principal, ip=ip, target_type="session", target_id=session_id)
