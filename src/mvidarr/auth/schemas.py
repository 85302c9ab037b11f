from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime
from mvidarr.themes.schemas import ThemeChoice
from mvidarr.users.schemas import Email, NewPassword, Password, Username, UserPublic

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=6, max_length=16, pattern=r"^\s*[!-~]{6,16}\s*$")
]
PageName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class LoginRequest(InputSchema):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    password: Password
    totp_code: Code | None = Field(default=None, description="The authenticator's code, or a recovery code.")
    cookie: bool = Field(
        default=False,
        description="Browser sign-in: set httpOnly cookies and answer a CSRF token instead of the tokens.",
    )


class SetupRequest(InputSchema):
    username: Username
    password: NewPassword
    email: Email | None = None
    cookie: bool = False


class RefreshRequest(InputSchema):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Omit when the refresh cookie is sent (browser)."
    )


class TokenResult(Schema):
    token_type: Literal["bearer", "cookie"]
    access_token: str | None = Field(description="JWT for `Authorization: Bearer`; null in cookie mode.")
    refresh_token: str | None = Field(description="Opaque, single use; null in cookie mode or when unchanged.")
    expires_in: int = Field(description="Seconds until the access token expires.")
    csrf_token: str | None = Field(description="Cookie mode: echo in `X-CSRF-Token` on unsafe methods.")
    must_change_password: bool


class SetupStatus(Schema):
    needed: bool = Field(description="True while no user exists: POST /auth/setup creates the first admin.")


class PasswordChange(InputSchema):
    current_password: Password
    new_password: NewPassword


class TotpSetup(Schema):
    secret: str = Field(description="Base32 secret, for typing into an authenticator by hand.")
    otpauth_uri: str
    qr_code: str = Field(description="The otpauth URI as a QR code (an SVG data URI).")


class TotpCode(InputSchema):
    code: Code


class TotpDisable(InputSchema):
    password: Password
    code: Code


class RecoveryCodes(Schema):
    codes: list[str] = Field(description="Ten single-use codes; shown once. Each replaces a TOTP code once.")


class SessionPublic(Schema):
    id: str = Field(description="Session (refresh token family) id.")
    created_at: UTCDatetime
    last_used_at: UTCDatetime
    expires_at: UTCDatetime
    user_agent: str | None
    ip: str | None
    current: bool = Field(description="The session of this request.")


class Preferences(Schema):
    theme: ThemeChoice | None = Field(default=None, description="null follows the server's default theme.")
    page_sizes: dict[str, int] = Field(default_factory=dict, description="Items per page, by page name.")


class PreferencesUpdate(InputSchema):
    theme: ThemeChoice | None = Field(default=None, description="A theme id from GET /themes; null for the default.")
    page_sizes: (
        Annotated[
            dict[PageName, Annotated[int, Field(ge=10, le=500)]],
            Field(max_length=30, json_schema_extra={"additionalProperties": False}),
        ]
        | None
    ) = None


class Me(UserPublic):
    preferences: Preferences
    via: Literal["bearer", "cookie", "api_key"] = Field(description="How this request was authenticated.")
