"""Sign-in through the reverse proxy: the user its header names, honoured only from a trusted proxy
(MVIDARR_TRUSTED_PROXIES), the role mapped from its groups header.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Guard
from mvidarr.auth.service import Issued, start_session
from mvidarr.db import Database, utcnow
from mvidarr.errors import Forbidden, NotFound
from mvidarr.models.user import Role
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.sso.accounts import apply_role, claim_values, mapped_role, new_user, username_from
from mvidarr.users import repository as users_repository
from mvidarr.users import service as users


class ProxySignInRefused(Forbidden):
    kind, title = "proxy-sign-in-refused", "Proxy sign-in refused"


def trusted_peer(peer: str | None, proxies: list[str]) -> bool:
    """Whether the connecting address (not a forwarded one) is one of MVIDARR_TRUSTED_PROXIES."""
    if not peer or not proxies:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in proxies)


async def proxy_sign_in(
    db: Database,
    guard: Guard,
    headers: dict[str, str],
    *,
    peer: str | None,
    ip: str | None,
    agent: str | None,
) -> Issued:
    """A cookie session for the user the trusted reverse proxy names in its header."""
    async with db.reader() as session:
        proxy = await _proxy_settings(session)
    if not proxy.sign_in:
        raise NotFound("sign-in through the reverse proxy is off")
    username = headers.get(proxy.user_header.lower(), "").strip()
    if not trusted_peer(peer, guard.settings.trusted_proxies):
        async with db.writer() as session:
            audit.record(
                session, "auth.proxy_refused", username=username[:64] or None, ip=ip,
                details={"peer": peer, "reason": "not a trusted proxy"},
            )  # fmt: skip
            await session.commit()
        raise ProxySignInRefused(
            "this request did not come from a trusted proxy (MVIDARR_TRUSTED_PROXIES); its user header is ignored"
        )
    if not username:
        raise ProxySignInRefused(f"the proxy sent no {proxy.user_header} header")
    groups = claim_values(headers.get(proxy.groups_header.lower(), ""))
    email = headers.get(proxy.email_header.lower(), "").strip() or None
    rules: list[tuple[str, Role]] = []
    for entry in proxy.role_mapping:
        group, _, rule_role = entry.rpartition("=")
        rules.append((group, Role(rule_role)))
    default = Role(proxy.default_role) if proxy.default_role else None
    role = mapped_role(groups, rules, default)
    async with db.writer() as session:
        if role is None:
            raise ProxySignInRefused(f"{username} is in no group that may use MVidarr")
        user = await users_repository.by_key(session, users.username_key(username))
        if user is None:
            if not proxy.create_users:
                raise ProxySignInRefused(f"{username} has no MVidarr account; ask an admin")
            user = await new_user(
                session, username=username_from(username), email=email if email and "@" in email else None,
                role=role, source="proxy", ip=ip,
            )  # fmt: skip
        if not user.active:
            raise ProxySignInRefused("this account is deactivated; ask an admin")
        if rules:
            await apply_role(session, guard, user, role)
        user.last_login_at = utcnow()
        issued = start_session(session, guard, user, cookie=True, ip=ip, agent=agent)
        audit.record(
            session, "auth.login", user_id=user.id, username=user.username, ip=ip,
            details={"cookie": True, "proxy": peer},
        )  # fmt: skip
        await session.commit()
    return issued


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """The `auth.proxy_*` settings, read once per proxy sign-in."""

    sign_in: bool
    user_header: str
    groups_header: str
    email_header: str
    role_mapping: list[str]
    default_role: str | None
    create_users: bool


async def _proxy_settings(session: AsyncSession) -> ProxySettings:
    return ProxySettings(
        sign_in=await runtime_settings.get(session, setting_keys.PROXY_SIGN_IN),
        user_header=await runtime_settings.get(session, setting_keys.PROXY_USER_HEADER),
        groups_header=await runtime_settings.get(session, setting_keys.PROXY_GROUPS_HEADER),
        email_header=await runtime_settings.get(session, setting_keys.PROXY_EMAIL_HEADER),
        role_mapping=await runtime_settings.get(session, setting_keys.PROXY_ROLE_MAPPING),
        default_role=await runtime_settings.get(session, setting_keys.PROXY_DEFAULT_ROLE),
        create_users=await runtime_settings.get(session, setting_keys.PROXY_CREATE_USERS),
    )
