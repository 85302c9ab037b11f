from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class RefreshToken(Base):
    """One refresh token of a session (family); only its SHA-256 is stored.

    Each use rotates it: the row is marked used and a new one joins the family. Presenting a
    used token again means it was stolen, and the whole family is revoked.
    """

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(64))
    # The OpenID provider the session was signed in with (for its sign-out), None for passwords.
    sso_provider_id: Mapped[int | None] = mapped_column(ForeignKey("sso_provider.id", ondelete="SET NULL"))
