from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from mvidarr.auth import browser
from mvidarr.auth.browser import connecting_peer
from mvidarr.auth.dependencies import PUBLIC, Admin, GuardDep, SignedIn, client_ip, user_agent
from mvidarr.auth.schemas import TokenResult
from mvidarr.db import SessionDep
from mvidarr.errors import MvidarrError, error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.urls import safe_next
from mvidarr.sso import identities, providers, proxy, service
from mvidarr.sso.oidc import OidcClient
from mvidarr.sso.schemas import (
    IdentityLink,
    IdentityPublic,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
    SignedOut,
    SignInOptions,
    Slug,
)
from mvidarr.state import DatabaseDep

router = APIRouter(prefix="/sso", tags=["sso"])
STATE_COOKIE = "mvidarr_sso_state"
STATE_COOKIE_PATH = "/api/v1/sso"
ProviderIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Sign-in provider id.")]
UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="User id.")]
IdentityIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Linked identity id.")]
SlugPath = Annotated[Slug, Path(description="The provider's slug.")]


def _redirect(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        303: {
            "description": description,
            "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}},
        }
    }


def _client(request: Request) -> OidcClient:
    client: OidcClient = request.app.state.oidc
    return client


def _base_url(request: Request) -> str:
    return str(request.base_url)


@router.get(
    "/options",
    response_model=SignInOptions,
    dependencies=[PUBLIC],
    summary="How people may sign in",
    description="Whether password sign-in is on, the providers offered on the sign-in page, and whether "
    "the reverse proxy's user header is honoured.",
    responses=error_responses(),
)
async def options(session: SessionDep) -> SignInOptions:
    return await providers.sign_in_options(session)


@router.get(
    "/{slug}/start",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    dependencies=[PUBLIC],
    summary="Sign in with a provider",
    description="Redirects the browser to the provider's sign-in (authorization code flow with PKCE S256, "
    "a nonce and a state bound to this browser by a cookie). `next` is a same-site path to return to.",
    responses={**error_responses(401, 404, 422, 429, 502), **_redirect("To the provider's sign-in page.")},
)
async def start(
    request: Request,
    db: DatabaseDep,
    slug: SlugPath,
    next: Annotated[str | None, Query(max_length=2048, description="Same-site path to open after sign-in.")] = None,
) -> Response:
    url, state = await service.start(db, _client(request), slug, next_path=safe_next(next), base_url=_base_url(request))
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        STATE_COOKIE, state, max_age=int(service.LOGIN_TTL.total_seconds()), path=STATE_COOKIE_PATH,
        httponly=True, secure=request.url.scheme == "https", samesite="lax",
    )  # fmt: skip
    return response


@router.get(
    "/{slug}/callback",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    dependencies=[PUBLIC],
    summary="Provider sign-in callback",
    description="Where the provider sends the browser back. Checks the state, exchanges the code, verifies "
    "the ID token (signature, issuer, audience, expiry, nonce), signs the user in with cookies and "
    "redirects to `next`; any failure redirects to `/login?sso_error=...` and is audited.",
    responses={**error_responses(422), **_redirect("To `next` when signed in, or to `/login?sso_error=...`.")},
)
async def callback(
    request: Request,
    db: DatabaseDep,
    guard: GuardDep,
    slug: SlugPath,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
    iss: Annotated[str | None, Query(max_length=500, description="The provider's issuer (RFC 9207).")] = None,
) -> Response:
    ip = client_ip(request)
    try:
        service.check_throttle(guard, ip)
        if error is not None or not code or not state:
            reason = f"the provider answered {error}" if error else "the provider sent no code or state"
            raise service.SignInFailed(reason + (f": {error_description}" if error_description else ""))
        signed_in = await service.callback(
            db, guard, _client(request), slug, code=code, state=state,
            bound_state=request.cookies.get(STATE_COOKIE), iss=iss, ip=ip, agent=user_agent(request),
        )  # fmt: skip
    except MvidarrError as exc:
        message = exc.detail or exc.title
        if not isinstance(exc, service.SignInThrottled):
            await service.record_failure(db, guard, slug, message, ip=ip)
        failed = RedirectResponse(
            "/login?" + urlencode({"sso_error": message[:300]}), status_code=status.HTTP_303_SEE_OTHER
        )
        failed.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, httponly=True, samesite="lax")
        return failed
    response = RedirectResponse(signed_in.next_path, status_code=status.HTTP_303_SEE_OTHER)
    browser.deliver(request, response, guard, signed_in.issued)
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, httponly=True, samesite="lax")
    return response


@router.post(
    "/logout",
    response_model=SignedOut,
    summary="Sign out (here and at the provider)",
    description="Ends this session like POST /auth/logout; for a session a provider made, answers the "
    "provider's sign-out URL (RP-initiated logout) to send the browser to.",
    responses=error_responses(401, 403),
)
async def logout(
    request: Request, response: Response, session: SessionDep, guard: GuardDep, caller: SignedIn
) -> SignedOut:
    result = await service.sign_out(
        session, guard, _client(request), caller, ip=client_ip(request), base_url=_base_url(request)
    )
    browser.clear_cookies(response)
    return result


@router.post(
    "/proxy",
    response_model=TokenResult,
    dependencies=[PUBLIC],
    summary="Sign in as the reverse proxy's user",
    description="When `auth.proxy_sign_in` is on and the request comes straight from an address in "
    "MVIDARR_TRUSTED_PROXIES, signs in (cookies) the user named by the proxy's user header "
    "(default Remote-User), with a role from its groups header. From any other address the header is "
    "refused (403) and the attempt audited.",
    responses=error_responses(403, 404),
)
async def proxy_sign_in(request: Request, response: Response, db: DatabaseDep, guard: GuardDep) -> TokenResult:
    issued = await proxy.proxy_sign_in(
        db, guard, dict(request.headers), peer=connecting_peer(request.scope), ip=client_ip(request),
        agent=user_agent(request),
    )  # fmt: skip
    return browser.deliver(request, response, guard, issued)


# ----------------------------------------------------------------- admin


@router.get(
    "/providers",
    response_model=list[ProviderPublic],
    summary="List sign-in providers",
    description="The OpenID Connect providers configured, with the redirect URI to register at each.",
    responses=error_responses(401, 403),
)
async def list_providers(request: Request, session: SessionDep, admin: Admin) -> list[ProviderPublic]:
    return await providers.list_providers(session, _base_url(request))


@router.post(
    "/providers",
    response_model=ProviderPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a sign-in provider",
    description="An OpenID Connect provider (issuer URL, client id, optional client secret stored sealed and "
    "never shown again), with the claim whose values map to MVidarr roles.",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def create_provider(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, body: ProviderCreate
) -> ProviderPublic:
    return await providers.create_provider(
        session, guard, body, actor=admin, ip=client_ip(request), base_url=_base_url(request)
    )


@router.get(
    "/providers/{provider_id}",
    response_model=ProviderPublic,
    summary="Get a sign-in provider",
    description="One provider (the client secret is never shown).",
    responses=error_responses(401, 403, 404, 422),
)
async def get_provider(
    request: Request, session: SessionDep, admin: Admin, provider_id: ProviderIdPath
) -> ProviderPublic:
    return await providers.read_provider(session, provider_id, _base_url(request))


@router.patch(
    "/providers/{provider_id}",
    response_model=ProviderPublic,
    summary="Change a sign-in provider",
    description="Sets the fields sent; `client_secret` replaces the saved one (null removes it).",
    responses=error_responses(400, 401, 403, 404, 422),
)
async def update_provider(
    request: Request,
    session: SessionDep,
    guard: GuardDep,
    admin: Admin,
    provider_id: ProviderIdPath,
    body: ProviderUpdate,
) -> ProviderPublic:
    return await providers.update_provider(
        session, _client(request), guard, provider_id, body, actor=admin, ip=client_ip(request),
        base_url=_base_url(request),
    )  # fmt: skip


@router.delete(
    "/providers/{provider_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove a sign-in provider",
    description="Its linked identities go with it; accounts and their sessions stay.",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_provider(request: Request, session: SessionDep, admin: Admin, provider_id: ProviderIdPath) -> None:
    await providers.delete_provider(session, _client(request), provider_id, actor=admin, ip=client_ip(request))


@router.get(
    "/users/{user_id}/identities",
    response_model=list[IdentityPublic],
    summary="List a user's provider accounts",
    description="The provider accounts (subjects) linked to a user.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_identities(session: SessionDep, admin: Admin, user_id: UserIdPath) -> list[IdentityPublic]:
    return await identities.list_identities(session, user_id)


@router.post(
    "/users/{user_id}/identities",
    response_model=IdentityPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Link a provider account to a user",
    description="The person signing in with that provider account becomes this user.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
async def link_identity(
    request: Request, session: SessionDep, admin: Admin, user_id: UserIdPath, body: IdentityLink
) -> IdentityPublic:
    return await identities.link_identity(session, user_id, body, actor=admin, ip=client_ip(request))


@router.delete(
    "/users/{user_id}/identities/{identity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Unlink a provider account",
    description="That provider account no longer signs in as this user.",
    responses=error_responses(401, 403, 404, 422),
)
async def unlink_identity(
    request: Request, session: SessionDep, admin: Admin, user_id: UserIdPath, identity_id: IdentityIdPath
) -> None:
    await identities.unlink_identity(session, user_id, identity_id, actor=admin, ip=client_ip(request))
