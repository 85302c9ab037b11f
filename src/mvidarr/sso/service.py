"""Single sign-on: OpenID Connect providers an admin configures, and the reverse proxy's user header.

Both end in an ordinary session (a refresh-token family, cookies, CSRF), so refresh, revocation,
audit and API keys work as after a password sign-in (decision 0040). Network calls to a provider
hold no transaction: the sign-in under way is consumed in one short unit of work, the provider is
asked, then the user is found or created in another.

The parts: OpenID Connect sign-in and the failure throttle here; providers in `sso.providers`, the
account behind a sign-in in `sso.accounts`, linked identities in `sso.identities`, the reverse proxy's
user header in `sso.proxy`.
"""

from __future__ import annotations

import logging
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
from mvidarr.errors import TooManyRequests
from mvidarr.kit.sealing import SealError
from mvidarr.models import SsoLogin, SsoProvider, User, UserIdentity
from mvidarr.models.user import Role
from mvidarr.network.settings import policy_from_settings
from mvidarr.sso import repository
from mvidarr.sso.accounts import apply_role, claim_values, mapped_role, new_user, username_from
from mvidarr.sso.oidc import OidcClient, SignInFailed
from mvidarr.sso.providers import ProviderNotFound, redirect_uri
from mvidarr.sso.schemas import SignedOut

__all__ = ["SignInFailed"]

log = logging.getLogger("mvidarr.sso")
LOGIN_TTL = timedelta(minutes=10)
MAX_PENDING_LOGINS = 2000


@dataclass(frozen=True, slots=True)
class SignedIn:
    issued: Issued
    next_path: str


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
        user = await new_user(
            session,
            username=username_from(preferred if isinstance(preferred, str) else None, (email or "").split("@")[0],
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
    await apply_role(session, guard, user, role)
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
