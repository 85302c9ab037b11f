from __future__ import annotations

from typing import Any

from pydantic import Field

from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime


class SettingPublic(Schema):
    key: str
    label: str = Field(description="The setting's name for people, e.g. 'Downloads at once'.")
    value: Any = Field(description="The value in force; secrets are masked as '********' when set.")
    default: Any
    is_set: bool = Field(description="Whether a value was saved (otherwise the default applies).")
    secret: bool = Field(description="Write-only: the value is never returned.")
    description: str = Field(description="Help text: what the setting does.")
    value_schema: dict[str, Any] = Field(description="JSON schema of accepted values.")
    updated_at: UTCDatetime | None


class SettingsDocument(Schema):
    """Runtime settings to move to another installation (`POST /settings/export`)."""

    format: int = Field(description="Document format, 1.")
    mvidarr_version: str
    exported_at: UTCDatetime
    settings: dict[str, Any] = Field(description="Saved values of non-secret settings by key.")
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Secret settings, each sealed with the export's passphrase."
    )
    secrets_salt: str | None = Field(default=None, description="Salt of the passphrase's key (base64).")
    secrets_left_out: list[str] = Field(
        default_factory=list, description="Secret settings not exported: no passphrase was given."
    )


class SettingsExportRequest(InputSchema):
    passphrase: str | None = Field(
        default=None,
        min_length=8,
        max_length=500,
        description="Seals the secret settings into the document; without it they are left out.",
    )


class SettingsImportRequest(InputSchema):
    document: SettingsDocument
    passphrase: str | None = Field(
        default=None, min_length=1, max_length=500, description="Opens the document's secrets."
    )


class SettingsImported(Schema):
    imported: list[str] = Field(description="Keys saved.")
    secrets_skipped: list[str] = Field(description="Secrets in the document not imported: no passphrase was given.")
    unknown: list[str] = Field(description="Keys this version does not know; ignored.")
    secrets_left_out: list[str] = Field(description="Secrets the export itself left out.")
