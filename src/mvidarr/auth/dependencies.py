"""The rule every route declares: `Depends(require(Role.X))`, the typed aliases built on it,
or `PUBLIC` for the few routes anyone may call. `tests/auth/test_route_rules.py` walks the app
and fails on a route without exactly one rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from mvidarr.auth.guard import Guard, Principal
from mvidarr.db import SAFE_METHODS
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.models.user import Role


class PasswordChangeRequired(Forbidden):
    kind, title = "password-change-required", "Password change required"

    def __init__(self) -> None:
        super().__init__("change your password first (POST /api/v1/auth/password)")


class AccessRule:
    """A route's access rule; FastAPI calls it as the route's dependency.

    `role=None` marks a public route; with `identify=True` credentials, if any, are read (so the
    route can show more to a signed-in caller) but never required.
    """

    __slots__ = ("allow_password_change", "identify", "role")

    def __init__(self, role: Role | None, *, allow_password_change: bool = False, identify: bool = False) -> None:
        self.role = role
        self.allow_password_change = allow_password_change
        self.identify = identify

    def __repr__(self) -> str:
        return f"AccessRule({self.role.value if self.role else 'public'})"

    async def __call__(self, request: Request) -> Principal | None:
        if self.role is None and not self.identify:
            return None
        guard: Guard = request.app.state.auth
        if self.role is None:
            try:
                return await guard.authenticate(request)
            except Unauthorized:
                return None
        principal = await guard.authenticate(request)
        if principal is None:
            raise Unauthorized("sign in, or send a bearer token or an X-Api-Key")
        if principal.via == "cookie" and request.method not in SAFE_METHODS:
            guard.check_csrf(request, principal)
        if principal.must_change_password and not self.allow_password_change:
            raise PasswordChangeRequired()
        if not principal.role.at_least(self.role):
            raise Forbidden(f"this needs the {self.role.value} role; you are {principal.role.value}")
        return principal


_RULES: dict[tuple[Role | None, bool], AccessRule] = {}


def require(role: Role | None, *, allow_password_change: bool = False) -> AccessRule:
    """The (shared) rule object for `role`; use as `Depends(require(Role.MANAGER))`."""
    key = (role, allow_password_change)
    if key not in _RULES:
        _RULES[key] = AccessRule(role, allow_password_change=allow_password_change)
    return _RULES[key]


public = require(None)
optional_identity = AccessRule(None, identify=True)
PUBLIC: DependsParam = Depends(public)
"""For `dependencies=[PUBLIC]`: anyone may call the route."""

READONLY: DependsParam = Depends(require(Role.READONLY))
MANAGER: DependsParam = Depends(require(Role.MANAGER))
ADMIN: DependsParam = Depends(require(Role.ADMIN))

Reader = Annotated[Principal, Depends(require(Role.READONLY))]
"""Any signed-in user (read the library)."""
Member = Annotated[Principal, Depends(require(Role.USER))]
Manager = Annotated[Principal, Depends(require(Role.MANAGER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
SignedIn = Annotated[Principal, Depends(require(Role.READONLY, allow_password_change=True))]
"""Any signed-in user, even one who must change the password first."""
MaybeSignedIn = Annotated[Principal | None, Depends(optional_identity)]
"""A public route that shows more to a signed-in caller."""


async def _guard(request: Request) -> Guard:
    guard: Guard = request.app.state.auth
    return guard


GuardDep = Annotated[Guard, Depends(_guard)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    agent = request.headers.get("user-agent")
    return agent[:255] if agent else None
