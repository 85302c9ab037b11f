from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime
from mvidarr.models.user import Role

Slug = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
HttpUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500, pattern=r"^https?://[^\s]+$")
]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Clean]
ClientSecret = Annotated[str, StringConstraints(min_length=1, max_length=500)]
ClaimName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Clean]
Scopes = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=6, max_length=255, pattern=r"^([!#-\[\]-~]+ )*[!#-\[\]-~]+$"),
]


class RoleRule(Schema):
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="A value of the role claim (a group or role name at the provider)."
    )
    role: Role


class ProviderBase(InputSchema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Clean] = Field(
        description="Shown on the sign-in button."
    )
    issuer: HttpUrl = Field(
        description="The issuer URL exactly as the provider's discovery document states it (no "
        "/.well-known suffix); fetched under the outbound-network policy."
    )
    client_id: ClientId
    scopes: Scopes = Field(default="openid profile email", description="Space-separated; must include openid.")
    role_claim: ClaimName | None = Field(
        default=None,
        description="The ID token claim listing groups or roles (e.g. groups); null: roles are not synced.",
    )
    role_mapping: list[RoleRule] = Field(default_factory=list, max_length=50)
    default_role: Role | None = Field(
        default=Role.READONLY,
        description="Role for someone matching no rule; null refuses them (only when role_claim is set).",
    )
    create_users: bool = Field(default=True, description="Create an account at first sign-in.")
    link_by_email: bool = Field(
        default=True, description="Link to the existing account with the same e-mail when the provider verified it."
    )
    enabled: bool = True


class ProviderCreate(ProviderBase):
    slug: Slug = Field(description="Its name in URLs (the redirect URI is /api/v1/sso/{slug}/callback).")
    client_secret: ClientSecret | None = Field(
        default=None, description="Write-only; stored sealed. Omit for a public client (PKCE only)."
    )


class ProviderUpdate(InputSchema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Clean] | None = None
    issuer: HttpUrl | None = None
    client_id: ClientId | None = None
    client_secret: ClientSecret | None = Field(
        default=None, description="Write-only; send to replace, null to remove; omit to keep."
    )
    scopes: Scopes | None = None
    role_claim: ClaimName | None = None
    role_mapping: Annotated[list[RoleRule], Field(max_length=50)] | None = None
    default_role: Role | None = None
    create_users: bool | None = None
    link_by_email: bool | None = None
    enabled: bool | None = None


class ProviderPublic(Schema):
    id: int
    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret_set: bool = Field(description="Whether a client secret is saved (it is never shown).")
    scopes: str
    role_claim: str | None
    role_mapping: list[RoleRule]
    default_role: Role | None
    create_users: bool
    link_by_email: bool
    enabled: bool
    redirect_uri: str = Field(description="Register this redirect URI at the provider.")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ProviderButton(Schema):
    slug: str
    name: str
    start_url: str = Field(description="Where the browser goes to sign in with this provider.")


class SignInOptions(Schema):
    password: bool = Field(description="Whether password sign-in is on (for everyone).")
    providers: list[ProviderButton]
    proxy: bool = Field(description="Whether sign-in through the reverse proxy's user header is on.")


class IdentityPublic(Schema):
    id: int
    provider: str = Field(description="The provider's slug.")
    subject: str
    email: str | None
    created_at: UTCDatetime
    last_login_at: UTCDatetime | None


class IdentityLink(InputSchema):
    provider: Slug
    subject: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="The person's `sub` at the provider."
    )


class SignedOut(Schema):
    end_session_url: str | None = Field(
        description="Send the browser here to sign out at the provider too (null when the session is not a "
        "provider's or the provider offers no sign-out)."
    )
