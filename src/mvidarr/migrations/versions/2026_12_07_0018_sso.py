"""single sign-on: OpenID providers, linked identities, sign-ins under way

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-07 19:40:00

Decision 0040: `sso_provider` (an admin's OpenID Connect providers, client secret sealed),
`user_identity` (a provider's subject linked to a user), `sso_login` (state, nonce and PKCE
verifier of a sign-in under way, consumed once), and the provider a session was signed in with
(`refresh_token.sso_provider_id`, for its sign-out at the provider).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("role_claim", sa.String(length=100), nullable=True),
        sa.Column(
            "role_mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("default_role", sa.String(length=16), nullable=True),
        sa.Column("create_users", sa.Boolean(), nullable=False),
        sa.Column("link_by_email", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_provider")),
        sa.UniqueConstraint("slug", name=op.f("uq_sso_provider_slug")),
    )
    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["sso_provider.id"],
            name=op.f("fk_user_identity_provider_id_sso_provider"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_identity_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identity")),
        sa.UniqueConstraint("provider_id", "subject", name=op.f("uq_user_identity_provider_id_subject")),
    )
    with op.batch_alter_table("user_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_identity_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sso_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("expires_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["sso_provider.id"],
            name=op.f("fk_sso_login_provider_id_sso_provider"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_login")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_sso_login_state_hash")),
    )
    with op.batch_alter_table("sso_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_login_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sso_login_provider_id"), ["provider_id"], unique=False)
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sso_provider_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_refresh_token_sso_provider_id_sso_provider"), "sso_provider", ["sso_provider_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_refresh_token_sso_provider_id_sso_provider"), type_="foreignkey")
        batch_op.drop_column("sso_provider_id")
    with op.batch_alter_table("sso_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_login_provider_id"))
        batch_op.drop_index(batch_op.f("ix_sso_login_expires_at"))
    op.drop_table("sso_login")
    with op.batch_alter_table("user_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_identity_user_id"))
    op.drop_table("user_identity")
    op.drop_table("sso_provider")
