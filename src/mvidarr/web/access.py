"""Access rules for pages: the API's rules, but a browser without a session is sent to sign in
(or, before any account exists, to first-run setup) instead of getting a 401 document."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from mvidarr.auth import first_admin
from mvidarr.auth.dependencies import AccessRule, PasswordChangeRequired, optional_identity
from mvidarr.auth.guard import Principal
from mvidarr.db import Database
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.models.user import Role


class PageRedirect(Exception):
    """Answered as a 303 to `location` (a page, never another site)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageForbidden(Exception):
    """The signed-in user's role is below the page's rule; answered as an HTML 403 page."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def setup_needed(request: Request) -> bool:
    """True while no account exists. Once one does, remembered for the life of the process."""
    if getattr(request.app.state, "web_setup_done", False):
        return False
    db: Database = request.app.state.db
    async with db.reader() as session:
        needed = await first_admin.setup_needed(session)
    if not needed:
        request.app.state.web_setup_done = True
    return needed


def login_location(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login" if target == "/" else f"/login?next={quote(target, safe='')}"


class PageRule(AccessRule):
    """`require(role)` for a page route."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"PageRule({self.role.value if self.role else 'public'})"

    async def __call__(self, request: Request) -> Principal | None:
        try:
            return await super().__call__(request)
        except PasswordChangeRequired:
            raise PageRedirect("/login?step=password") from None
        except Unauthorized:
            if await setup_needed(request):
                raise PageRedirect("/setup") from None
            raise PageRedirect(login_location(request)) from None
        except Forbidden as exc:
            raise PageForbidden(exc.detail or "not allowed") from None


_PAGE_RULES: dict[Role, PageRule] = {}


def page_rule(role: Role) -> PageRule:
    if role not in _PAGE_RULES:
        _PAGE_RULES[role] = PageRule(role)
    return _PAGE_RULES[role]


PageReader = Annotated[Principal, Depends(page_rule(Role.READONLY))]
PageManager = Annotated[Principal, Depends(page_rule(Role.MANAGER))]
PageAdmin = Annotated[Principal, Depends(page_rule(Role.ADMIN))]
PageVisitor = Annotated[Principal | None, Depends(optional_identity)]
"""Public pages (sign-in, setup): the caller, if signed in, so they can be sent on."""
