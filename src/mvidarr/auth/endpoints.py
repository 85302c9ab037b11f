from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from mvidarr.auth import account, browser, first_admin, service, two_factor
from mvidarr.auth.dependencies import PUBLIC, GuardDep, Reader, SignedIn, client_ip, user_agent
from mvidarr.auth.guard import REFRESH_COOKIE
from mvidarr.auth.schemas import (
    LoginRequest,
    Me,
    PasswordChange,
    Preferences,
    PreferencesUpdate,
    RecoveryCodes,
    RefreshRequest,
    SessionPublic,
    SetupRequest,
    SetupStatus,
    TokenResult,
    TotpCode,
    TotpDisable,
    TotpSetup,
)
from mvidarr.db import SessionDep
from mvidarr.errors import Unauthorized, error_responses
from mvidarr.state import DatabaseDep

router = APIRouter(prefix="/auth", tags=["auth"])
SessionIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Session id.")]


@router.post(
    "/login",
    response_model=TokenResult,
    dependencies=[PUBLIC],
    summary="Sign in",
    description="Username and password (and `totp_code` when 2FA is on). Answers bearer tokens, or with "
    "`cookie: true` sets httpOnly cookies and answers the CSRF token. Failed attempts are throttled "
    "(429 with Retry-After) and repeated failures lock the account.",
    responses=error_responses(400, 401, 403, 422, 429),
)
async def login(
    request: Request, response: Response, db: DatabaseDep, guard: GuardDep, body: LoginRequest
) -> TokenResult:
    issued = await service.login(db, guard, body, ip=client_ip(request), agent=user_agent(request))
    return browser.deliver(request, response, guard, issued)


@router.get(
    "/setup",
    response_model=SetupStatus,
    dependencies=[PUBLIC],
    summary="Is first-run setup needed?",
    description="True while no user exists; the web app then shows the setup page.",
    responses=error_responses(),
)
async def setup_status(session: SessionDep) -> SetupStatus:
    return SetupStatus(needed=await first_admin.setup_needed(session))


@router.post(
    "/setup",
    response_model=TokenResult,
    status_code=status.HTTP_201_CREATED,
    dependencies=[PUBLIC],
    summary="Create the first admin",
    description="Accepted only while no user exists; creates an admin and signs them in.",
    responses=error_responses(400, 409, 422),
)
async def setup(
    request: Request, response: Response, db: DatabaseDep, guard: GuardDep, body: SetupRequest
) -> TokenResult:
    issued = await first_admin.setup(db, guard, body, ip=client_ip(request), agent=user_agent(request))
    return browser.deliver(request, response, guard, issued)


@router.post(
    "/refresh",
    response_model=TokenResult,
    dependencies=[PUBLIC],
    summary="Refresh the access token",
    description="Trades a refresh token (body, or the cookie plus `X-CSRF-Token`) for a new access token "
    "and a new refresh token. A refresh token works once; using one twice revokes the session.",
    responses=error_responses(400, 401, 403, 422),
)
async def refresh(
    request: Request, response: Response, db: DatabaseDep, guard: GuardDep, body: RefreshRequest | None = None
) -> TokenResult:
    token = body.refresh_token if body is not None else None
    cookie = False
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise Unauthorized("send refresh_token, or the refresh cookie")
        guard.check_csrf(request)
        cookie = True
    issued = await service.refresh(db, guard, token, cookie=cookie, ip=client_ip(request), agent=user_agent(request))
    return browser.deliver(request, response, guard, issued)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Sign out",
    description="Ends this session: its refresh tokens are revoked and its cookies cleared.",
    responses=error_responses(401, 403),
)
async def logout(request: Request, response: Response, session: SessionDep, guard: GuardDep, caller: SignedIn) -> None:
    await service.logout(session, guard, caller, ip=client_ip(request))
    browser.clear_cookies(response)


@router.get(
    "/me",
    response_model=Me,
    summary="Who am I",
    description="The signed-in account with its preferences, and how this request authenticated.",
    responses=error_responses(401, 403),
)
async def me(session: SessionDep, caller: SignedIn) -> Me:
    return await account.me(session, caller)


@router.get(
    "/me/preferences",
    response_model=Preferences,
    summary="Get my preferences",
    description="Theme and page sizes of the signed-in user.",
    responses=error_responses(401, 403),
)
async def get_preferences(session: SessionDep, caller: Reader) -> Preferences:
    return await account.get_preferences(session, caller)


@router.patch(
    "/me/preferences",
    response_model=Preferences,
    summary="Change my preferences",
    description="Sets the fields sent; page sizes are merged by page name (an empty object clears them).",
    responses=error_responses(400, 401, 403, 422),
)
async def update_preferences(session: SessionDep, caller: Reader, body: PreferencesUpdate) -> Preferences:
    return await account.update_preferences(session, caller, body)


@router.post(
    "/password",
    response_model=TokenResult,
    summary="Change my password",
    description="Needs the current password. Ends every other session; answers a fresh access token for "
    "this one (a cookie in cookie mode).",
    responses=error_responses(400, 401, 403, 422, 429),
)
async def change_password(
    request: Request, response: Response, db: DatabaseDep, guard: GuardDep, caller: SignedIn, body: PasswordChange
) -> TokenResult:
    issued = await service.change_password(db, guard, caller, body, ip=client_ip(request))
    return browser.deliver(request, response, guard, issued)


@router.get(
    "/sessions",
    response_model=list[SessionPublic],
    summary="List my sessions",
    description="Signed-in browsers and programs, with user agent, address and last use.",
    responses=error_responses(401, 403),
)
async def list_sessions(session: SessionDep, caller: Reader) -> list[SessionPublic]:
    return await account.list_sessions(session, caller)


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="End one of my sessions",
    description="Revokes the session; its access token stops working at once in this process.",
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_session(
    request: Request, session: SessionDep, guard: GuardDep, caller: Reader, session_id: SessionIdPath
) -> None:
    await account.revoke_session(session, guard, caller, session_id, ip=client_ip(request))


@router.post(
    "/totp/setup",
    response_model=TotpSetup,
    summary="Start two-factor set-up",
    description="A new TOTP secret with its otpauth URI and QR code; 2FA turns on after POST /auth/totp/enable.",
    responses=error_responses(401, 403, 409),
)
async def totp_setup(session: SessionDep, guard: GuardDep, caller: Reader) -> TotpSetup:
    return await two_factor.totp_setup(session, guard, caller)


@router.post(
    "/totp/enable",
    response_model=RecoveryCodes,
    summary="Turn two-factor authentication on",
    description="Confirms set-up with a current code; answers ten single-use recovery codes, shown only now.",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def totp_enable(
    request: Request, session: SessionDep, guard: GuardDep, caller: Reader, body: TotpCode
) -> RecoveryCodes:
    return await two_factor.totp_enable(session, guard, caller, body.code, ip=client_ip(request))


@router.post(
    "/totp/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Turn two-factor authentication off",
    description="Needs the password and a current code (or a recovery code).",
    responses=error_responses(400, 401, 403, 409, 422, 429),
)
async def totp_disable(request: Request, db: DatabaseDep, guard: GuardDep, caller: Reader, body: TotpDisable) -> None:
    await two_factor.totp_disable(db, guard, caller, body, ip=client_ip(request))
