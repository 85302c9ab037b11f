"""The OpenID Connect providers an admin configures, and the sign-in options the sign-in page offers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Guard, Principal
from mvidarr.errors import Conflict, InvalidInput, NotFound
from mvidarr.models import SsoProvider
from mvidarr.models.user import Role
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.sso import repository
from mvidarr.sso.oidc import OidcClient
from mvidarr.sso.schemas import ProviderButton, ProviderCreate, ProviderPublic, ProviderUpdate, RoleRule, SignInOptions

API_PREFIX = "/api/v1/sso"


class ProviderNotFound(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"sign-in provider {slug!r} does not exist or is off")


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
