from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from mvidarr.auth.passwords import MAX_LENGTH, MIN_LENGTH
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime
from mvidarr.models.user import Role

Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$"),
    Clean,
]
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f]+"
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"),
    Clean,
]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
NewPassword = Annotated[
    str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, description=f"At least {MIN_LENGTH} characters.")
]


class UserPublic(Schema):
    id: int
    username: str
    email: str | None
    role: Role
    active: bool
    must_change_password: bool
    totp_enabled: bool
    locked_until: UTCDatetime | None
    last_login_at: UTCDatetime | None
    created_at: UTCDatetime
    updated_at: UTCDatetime


class UserCreate(InputSchema):
    username: Username
    password: NewPassword
    role: Role = Role.READONLY
    email: Email | None = None
    must_change_password: bool = Field(default=True, description="Ask for a new password at first sign-in.")


class UserUpdate(InputSchema):
    role: Role | None = None
    email: Email | None = None


class PasswordReset(InputSchema):
    password: NewPassword
