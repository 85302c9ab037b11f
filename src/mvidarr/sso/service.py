"""Single sign-on: OpenID Connect providers an admin configures, and the reverse proxy's user header.

Both end in an ordinary session (a refresh-token family, cookies, CSRF), so refresh, revocation,
audit and API keys work as after a password sign-in (decision 0040). Network calls to a provider
hold no transaction: the sign-in under way is consumed in one short unit of work, the provider is
asked, then the user is found or created in another.

One module past 400 lines on purpose, in marked sections: OpenID Connect and reverse-proxy
sign-in share user creation, role mapping and the failure throttle.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.service import Issued, start_session
from mvidarr.auth.service import logout as end_session
from mvidarr.auth.tokens import sha256
from mvidarr.db import Database, utcnow
from mvidarr.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from mvidarr.kit.sealing import SealError
from mvidarr.models import SsoLogin, SsoProvider, User, UserIdentity
from mvidarr.models.user import Role
from mvidarr.network.settings import policy_from_settings
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.sso import repository
from mvidarr.sso.oidc import OidcClient, SignInFailed

__all__ = ["SignInFailed"]
from mvidarr.sso.schemas import (
    IdentityLink,
    IdentityPublic,
    ProviderButton,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
    RoleRule,
    SignedOut,
    SignInOptions,
)
from mvidarr.users import repository as users_repository
from mvidarr.users import service as users

log = logging.getLogger("mvidarr.sso")
LOGIN_TTL = timedelta(minutes=10)
MAX_PENDING_LOGINS = 2000
NO_PASSWORD = "!sso"  # not an argon2 hash: no password matches it
API_PREFIX = "/api/v1/sso"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._@+-]+")


class ProviderNotFound(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"sign-in provider {slug!r} does not exist or is off")


class ProxySignInRefused(Forbidden):
    kind, title = "proxy-sign-in-refused", "Proxy sign-in refused"


# ----------------------------------------------------------------- providers (admin)


def redirect_uri(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}{API_PREFIX}/{slug}/callback"


def _public(provider: SsoProvider, base_url: str) -> ProviderPublic:
    return ProviderPublic(
        id=provider.id,
        slug=provider.slug,
        name=provider.name,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret_set=provider.client_secret is not None,
        scopes=provider.scopes,
        role_claim=provider.role_claim,
        role_mapping=[RoleRule.model_validate(rule) for rule in provider.role_mapping],
        default_role=Role(provider.default_role) if provider.default_role else None,
        create_users=provider.create_users,
        link_by_email=provider.link_by_email,
        enabled=provider.enabled,
        redirect_uri=redirect_uri(base_url, provider.slug),
        created_at=provider.created_at,
        updated_at=provider.updated_at,
    )


def _check_scopes(scopes: str) -> None:
    if "openid" not in scopes.split():
        raise InvalidInput("the scopes must include openid", loc=("body", "scopes"))


async def list_providers(session: AsyncSession, base_url: str) -> list[ProviderPublic]:
    return [_public(p, base_url) for p in await repository.providers(session)]


async def _provider(session: AsyncSession, provider_id: int) -> SsoProvider:
    provider = await session.get(SsoProvider, provider_id)
    if provider is None:
        raise NotFound(f"sign-in provider {provider_id} does not exist")
    return provider


async def read_provider(session: AsyncSession, provider_id: int, base_url: str) -> ProviderPublic:
    return _public(await _provider(session, provider_id), base_url)


async def create_provider(
    session: AsyncSession, guard: Guard, body: ProviderCreate, *, actor: Principal, ip: str | None, base_url: str
) -> ProviderPublic:
    _check_scopes(body.scopes)
    if await repository.provider_by_slug(session, body.slug) is not None:
        raise Conflict(f"a sign-in provider is already called {body.slug!r}")
    data = body.model_dump(exclude={"client_secret", "role_mapping", "default_role"})
    provider = SsoProvider(
        **data,
        client_secret=guard.sealer.seal(body.client_secret) if body.client_secret else None,
        role_mapping=[rule.model_dump(mode="json") for rule in body.role_mapping],
        default_role=body.default_role.value if body.default_role else None,
    )
    session.add(provider)
    await session.flush()
    audit.record(
        session, "sso.provider_created", actor=actor, ip=ip, target_type="sso_provider", target_id=provider.id,
        details={"slug": provider.slug, "issuer": provider.issuer},
    )  # fmt: skip
    return _public(provider, base_url)


async def update_provider(
    session: AsyncSession,
    client: OidcClient,
    guard: Guard,
    provider_id: int,
    body: ProviderUpdate,
    *,
    actor: Principal,
    ip: str | None,
    base_url: str,
) -> ProviderPublic:
    provider = await _provider(session, provider_id)
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "issuer", "client_id", "scopes", "create_users", "link_by_email", "enabled"):
        if required in changes and changes[required] is None:
            raise InvalidInput(f"{required} cannot be null", loc=("body", required))
    if "scopes" in changes:
        _check_scopes(changes["scopes"])
    client.forget(provider.issuer)
    for key, value in changes.items():
        if key == "client_secret":
            provider.client_secret = guard.sealer.seal(value) if value else None
        elif key == "role_mapping":
            provider.role_mapping = [RoleRule.model_validate(rule).model_dump(mode="json") for rule in value or []]
        elif key == "default_role":
            provider.default_role = value.value if isinstance(value, Role) else value
        else:
            setattr(provider, key, value)
    await session.flush()
    audit.record(
        session, "sso.provider_updated", actor=actor, ip=ip, target_type="sso_provider", target_id=provider.id,
        details={"changed": sorted(changes)},
    )  # fmt: skip
    return _public(provider, base_url)


async def delete_provider(
    session: AsyncSession, client: OidcClient, provider_id: int, *, actor: Principal, ip: str | None
) -> None:
    provider = await _provider(session, provider_id)
    client.forget(provider.issuer)
    audit.record(
        session, "sso.provider_deleted", actor=actor, ip=ip, target_type="sso_provider", target_id=provider.id,
        details={"slug": provider.slug},
    )  # fmt: skip
    await session.delete(provider)
    await session.flush()


async def sign_in_options(session: AsyncSession) -> SignInOptions:
    providers = [p for p in await repository.providers(session) if p.enabled]
    return SignInOptions(
        password=await runtime_settings.get(session, setting_keys.PASSWORD_SIGN_IN),
        providers=[
            ProviderButton(slug=p.slug, name=p.name, start_url=f"{API_PREFIX}/{p.slug}/start") for p in providers
        ],
        proxy=await runtime_settings.get(session, setting_keys.PROXY_SIGN_IN),
    )


# ----------------------------------------------------------------- roles and accounts


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


def _username_from(*candidates: str | None) -> str:
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


async def _apply_role(session: AsyncSession, guard: Guard, user: User, role: Role | None) -> None:
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


async def _new_user(
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


@dataclass(frozen=True, slots=True)
class SignedIn:
    issued: Issued
    next_path: str


# ----------------------------------------------------------------- OpenID Connect sign-in


async def start(db: Database, client: OidcClient, slug: str, *, next_path: str, base_url: str) -> tuple[str, str]:
    """(The provider's authorization URL, the state to bind to this browser)."""
    async with db.reader() as session:
        provider = await repository.provider_by_slug(session, slug)
        if provider is None or not provider.enabled:
            raise ProviderNotFound(slug)
        policy = await policy_from_settings(session)
    discovery = await client.discover(policy, provider.issuer)
    callback = redirect_uri(base_url, slug)
    authorization = client.authorization(
        discovery, client_id=provider.client_id, redirect_uri=callback, scopes=provider.scopes
    )
    async with db.writer() as session:
        await repository.drop_expired_logins(session, utcnow())
        if await repository.pending_logins(session) >= MAX_PENDING_LOGINS:
            # Starting a sign-in needs no credentials; this bounds what strangers can make MVidarr store.
            raise TooManyRequests("too many sign-ins under way; try again in a few minutes", retry_after_s=60)
        session.add(
            SsoLogin(
                state_hash=sha256(authorization.state),
                provider_id=provider.id,
                nonce=authorization.nonce,
                code_verifier=authorization.code_verifier,
                next_path=next_path,
                redirect_uri=callback,
                expires_at=utcnow() + LOGIN_TTL,
            )
        )
        await session.commit()
    return authorization.url, authorization.state


async def callback(
    db: Database,
    guard: Guard,
    client: OidcClient,
    slug: str,
    *,
    code: str,
    state: str,
    bound_state: str | None,
    iss: str | None = None,
    ip: str | None,
    agent: str | None,
) -> SignedIn:
    """Finishes a sign-in: the state must be this browser's and unused, the code is exchanged (with the
    PKCE verifier) and the ID token checked; then the user is found, linked or created."""
    if not bound_state or not secrets.compare_digest(bound_state, state):
        raise SignInFailed("this sign-in was not started in this browser (state does not match); start again")
    async with db.writer() as session:
        pending = await repository.take_login(session, sha256(state))
        await session.commit()
    if pending is None or pending.expires_at <= utcnow():
        raise SignInFailed("this sign-in expired or was already used; start again")
    async with db.reader() as session:
        provider = await session.get(SsoProvider, pending.provider_id)
        if provider is None or provider.slug != slug or not provider.enabled:
            raise ProviderNotFound(slug)
        policy = await policy_from_settings(session)
    try:
        secret = guard.sealer.open(provider.client_secret) if provider.client_secret else None
    except SealError:
        raise SignInFailed("the provider's client secret cannot be opened; was the app secret changed?") from None
    discovery = await client.discover(policy, provider.issuer)
    if iss is not None and iss != discovery.issuer:
        # RFC 9207: the answer names its issuer; another one means a mix-up between providers.
        raise SignInFailed(f"the answer came from {iss!r}, not from {discovery.issuer!r}")
    id_token, access_token = await client.exchange(
        policy, discovery, code=code, redirect_uri=pending.redirect_uri, code_verifier=pending.code_verifier,
        client_id=provider.client_id, client_secret=secret,
    )  # fmt: skip
    claims = await client.verify_id_token(
        policy, discovery, id_token, client_id=provider.client_id, nonce=pending.nonce
    )
    claims = await client.user_info(policy, discovery, access_token, claims)
    async with db.writer() as session:
        user = await _oidc_user(session, guard, provider, claims, ip=ip)
        issued = start_session(session, guard, user, cookie=True, ip=ip, agent=agent, sso_provider_id=provider.id)
        audit.record(
            session, "auth.login", user_id=user.id, username=user.username, ip=ip,
            details={"cookie": True, "sso": provider.slug},
        )  # fmt: skip
        await session.commit()
    return SignedIn(issued, pending.next_path)


async def _oidc_user(
    session: AsyncSession, guard: Guard, provider: SsoProvider, claims: dict[str, Any], *, ip: str | None
) -> User:
    subject = str(claims["sub"])
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    verified = claims.get("email_verified") is True
    role: Role | None = None
    if provider.role_claim:
        rules = [(str(r["value"]), Role(r["role"])) for r in provider.role_mapping]
        default = Role(provider.default_role) if provider.default_role else None
        role = mapped_role(claim_values(claims.get(provider.role_claim)), rules, default)
        if role is None:
            raise SignInFailed(f"{provider.name} says you are in no group that may use MVidarr")
    identity = await repository.identity(session, provider.id, subject)
    user: User | None = None
    linked_by = "e-mail"
    if identity is not None:
        user = await session.get(User, identity.user_id, with_for_update=True)
    elif provider.link_by_email and email and verified:
        matches = await repository.users_by_email(session, email)
        if len(matches) > 1:
            raise SignInFailed("several accounts have this e-mail; ask an admin to link yours")
        user = matches[0] if matches else None
    if user is None and identity is None:
        linked_by = "new account"
        if not provider.create_users:
            raise SignInFailed(f"no MVidarr account is linked to your {provider.name} account; ask an admin")
        preferred = claims.get("preferred_username")
        user = await _new_user(
            session,
            username=_username_from(preferred if isinstance(preferred, str) else None, (email or "").split("@")[0],
                                    f"{provider.slug}-{subject[:12]}"),
            email=email if verified else None, role=role or Role(provider.default_role or Role.READONLY),
            source=f"sso:{provider.slug}", ip=ip,
        )  # fmt: skip
    if user is None:
        raise SignInFailed("the account linked to this sign-in no longer exists")
    if not user.active:
        raise SignInFailed("this account is deactivated; ask an admin")
    if identity is None:
        identity = UserIdentity(user_id=user.id, provider_id=provider.id, subject=subject, email=email)
        session.add(identity)
        audit.record(
            session, "sso.identity_linked", user_id=user.id, username=user.username, ip=ip, target_type="user",
            target_id=user.id, details={"provider": provider.slug, "by": linked_by},
        )  # fmt: skip
    identity.email = email
    identity.last_login_at = utcnow()
    await _apply_role(session, guard, user, role)
    user.last_login_at = utcnow()
    user.failed_login_count = 0
    await session.flush()
    return user


async def sign_out(
    session: AsyncSession, guard: Guard, client: OidcClient, principal: Principal, *, ip: str | None, base_url: str
) -> SignedOut:
    """Ends the local session, and answers the provider's sign-out URL for a session it made."""
    provider_id = await repository.session_provider(session, principal.session_id) if principal.session_id else None
    await end_session(session, guard, principal, ip=ip)
    if provider_id is None:
        return SignedOut(end_session_url=None)
    provider = await session.get(SsoProvider, provider_id)
    if provider is None:
        return SignedOut(end_session_url=None)
    try:
        discovery = await client.discover(await policy_from_settings(session), provider.issuer)
    except Exception as exc:  # the local session is ended; the provider's sign-out is a courtesy
        log.warning("cannot reach %s for its sign-out: %s", provider.issuer, exc)
        return SignedOut(end_session_url=None)
    url = client.end_session_url(
        discovery, client_id=provider.client_id, post_logout_redirect_uri=f"{base_url.rstrip('/')}/login"
    )
    return SignedOut(end_session_url=url)


# ----------------------------------------------------------------- identities (admin)


async def list_identities(session: AsyncSession, user_id: int) -> list[IdentityPublic]:
    await users.get_user(session, user_id)
    return [
        IdentityPublic(
            id=identity.id,
            provider=slug,
            subject=identity.subject,
            email=identity.email,
            created_at=identity.created_at,
            last_login_at=identity.last_login_at,
        )
        for identity, slug in await repository.identities_of(session, user_id)
    ]


async def link_identity(
    session: AsyncSession, user_id: int, body: IdentityLink, *, actor: Principal, ip: str | None
) -> IdentityPublic:
    user = await users.get_user(session, user_id)
    provider = await repository.provider_by_slug(session, body.provider)
    if provider is None:
        raise ProviderNotFound(body.provider)
    if await repository.identity(session, provider.id, body.subject) is not None:
        raise Conflict(f"that {provider.name} account is already linked")
    identity = UserIdentity(user_id=user.id, provider_id=provider.id, subject=body.subject)
    session.add(identity)
    await session.flush()
    audit.record(
        session, "sso.identity_linked", actor=actor, ip=ip, target_type="user", target_id=user.id,
        details={"provider": provider.slug, "by": "admin"},
    )  # fmt: skip
    return IdentityPublic(
        id=identity.id, provider=provider.slug, subject=identity.subject, email=None,
        created_at=identity.created_at, last_login_at=None,
    )  # fmt: skip


async def unlink_identity(
    session: AsyncSession, user_id: int, identity_id: int, *, actor: Principal, ip: str | None
) -> None:
    identity = await session.get(UserIdentity, identity_id)
    if identity is None or identity.user_id != user_id:
        raise NotFound(f"identity {identity_id} of user {user_id} does not exist")
    audit.record(
        session, "sso.identity_unlinked", actor=actor, ip=ip, target_type="user", target_id=user_id,
        details={"identity": identity_id},
    )  # fmt: skip
    await session.delete(identity)
    await session.flush()


# ----------------------------------------------------------------- reverse-proxy sign-in


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
            user = await _new_user(
                session, username=_username_from(username), email=email if email and "@" in email else None,
                role=role, source="proxy", ip=ip,
            )  # fmt: skip
        if not user.active:
            raise ProxySignInRefused("this account is deactivated; ask an admin")
        if rules:
            await _apply_role(session, guard, user, role)
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


class SignInThrottled(SignInFailed):
    def __init__(self) -> None:
        super().__init__("too many failed sign-ins from this address; wait a few minutes")


def check_throttle(guard: Guard, ip: str | None) -> None:
    """Failed provider sign-ins count with failed password sign-ins per address (decision 0029), so a
    stream of forged callbacks is refused before it reaches the database or the provider."""
    if guard.by_ip.retry_after(ip or "unknown"):
        raise SignInThrottled()


async def record_failure(db: Database, guard: Guard, slug: str, reason: str, *, ip: str | None) -> None:
    guard.by_ip.fail(ip or "unknown")
    async with db.writer() as session:
        audit.record(session, "auth.sso_failed", ip=ip, details={"provider": slug[:40], "reason": reason[:300]})
        await session.commit()
