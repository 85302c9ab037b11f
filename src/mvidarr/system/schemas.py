from __future__ import annotations

from typing import Literal

from pydantic import Field

from mvidarr.kit.schemas import Schema, UTCDatetime


class Liveness(Schema):
    status: Literal["ok"]
    version: str


class Check(Schema):
    name: str
    ok: bool
    reason: str = Field(description="Why the check passed or failed, in words.")
    degraded: bool = Field(
        default=False, description="Passed, but something optional is impaired (e.g. a metadata provider is down)."
    )


class Readiness(Schema):
    status: Literal["ready", "not_ready"]
    checks: list[Check]


class About(Schema):
    version: str = Field(description="MVidarr's version.")
    python: str
    platform: str
    yt_dlp: str | None = Field(description="yt-dlp's version; null when it is not installed.")
    pyav: str | None = Field(description="PyAV, which probes files and grabs frames.")
    ffmpeg_libraries: str | None = Field(description="The FFmpeg libraries PyAV was built with.")
    ffmpeg_binary: str = Field(description="The ffmpeg program used for remuxing and transcoding.")
    ffmpeg: str | None = Field(description="That program's version; null when it does not run.")
    database: str = Field(description="`sqlite` or `postgresql`.")
    database_version: str | None


class HealthWarning(Schema):
    source: str = Field(description="The check that found it (disk_space, root_folders, providers, yt_dlp, ...).")
    level: Literal["warning", "error"]
    message: str = Field(description="What is wrong, in words.")
    fix_url: str = Field(description="The page where it is fixed.")


class HealthWarnings(Schema):
    items: list[HealthWarning]
    checked_at: UTCDatetime
