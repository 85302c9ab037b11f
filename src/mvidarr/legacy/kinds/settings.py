"""0.9.7 settings as runtime settings here: provider keys sealed, the rest mapped, dropped or skipped with a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mvidarr.errors import InvalidInput
from mvidarr.legacy import shapes
from mvidarr.legacy.importer import Importer
from mvidarr.models import Setting
from mvidarr.settings import service as runtime_settings
from mvidarr.themes.palettes import BY_ID as BUILTIN_THEMES

SECRET_SETTINGS = {
    "imvdb_api_key": "providers.imvdb.api_key",
    "youtube_api_key": "providers.youtube.api_key",
    "spotify_client_id": "providers.spotify.client_id",
    "spotify_client_secret": "providers.spotify.client_secret",
    "lastfm_api_key": "providers.lastfm.api_key",
}
DROPPED_SETTINGS: dict[str, str] = {
    "simple_auth_username": "0.9.7's simple-auth sign-in: credentials are never carried",
    "simple_auth_password": "0.9.7's simple-auth sign-in: credentials are never carried",
    "require_authentication": "MVidarr always asks for sign-in",
    "spotify_access_token": "a 0.9.7 sign-in token: not carried",
    "spotify_refresh_token": "a 0.9.7 sign-in token: not carried",
    "spotify_token_expires": "a 0.9.7 sign-in token: not carried",
    "spotify_redirect_uri": "MVidarr uses Spotify's client-credentials flow (no redirect)",
    "lastfm_session_key": "a 0.9.7 sign-in token: not carried",
    "lastfm_api_secret": "MVidarr reads Last.fm with the API key only",
    "music_videos_path": "library folders are root folders here (use a path map)",
    "downloads_path": "library folders are root folders here (use a path map)",
    "thumbnails_path": "artwork lives in the data folder here",
    "metube_host": "0.9.7 downloaded through MeTube; MVidarr runs yt-dlp itself",
    "metube_port": "0.9.7 downloaded through MeTube; MVidarr runs yt-dlp itself",
    "auto_discovery_schedule_enabled": "folded into discovery.interval_hours",
    "auto_discovery_schedule_days": "folded into discovery.interval_hours",
}
PROCESS_PREFIXES = ("app_", "db_", "debug", "log_", "ssl_", "server_", "oauth_")
DISCOVERY_HOURS = {"hourly": 1, "twice_daily": 12, "daily": 24, "weekly": 168}


async def import_settings(importer: Importer) -> None:
    legacy = {str(r["key"]): r.get("value") for r in importer.data.rows("settings")}
    set_here = set((await importer.session.execute(select(Setting.key))).scalars())
    wanted: dict[str, tuple[str, Any]] = {}
    for key, raw in sorted(legacy.items()):
        value = raw.strip() if isinstance(raw, str) else raw
        done, _ = importer.linked("setting", key)
        if done:
            importer.count("settings", "unchanged")
            continue
        reason = _setting_dropped(key, value)
        if reason is not None:
            importer.count("settings", "skipped", key, key, reason)
            importer.link("setting", key, None)
            continue
        target, converted = _setting_target(key, str(value), legacy)
        if target is None:
            importer.count("settings", "skipped", key, key, "no equivalent setting here")
        elif target in set_here or target in {t for t, _ in wanted.values()}:
            importer.count("settings", "skipped", key, key, "already set here: kept")
        else:
            try:
                runtime_settings.validate_changes({target: converted})
            except InvalidInput:
                importer.count("settings", "skipped", key, key, "value not accepted here")
            else:
                wanted[key] = (target, converted)
                importer.count("settings", "imported", key, key, f"to {target}")
        importer.link("setting", key, None)
    if wanted:
        await runtime_settings.update_settings(
            importer.session, dict(wanted.values()), sealer=importer.sealer, actor=None
        )


def _setting_dropped(key: str, value: Any) -> str | None:
    if key in DROPPED_SETTINGS:
        return DROPPED_SETTINGS[key]
    if key.startswith(PROCESS_PREFIXES):
        return "a process setting here (MVIDARR_* environment variables)"
    if value is None or value == "":
        return "empty in 0.9.7"
    return None


def _setting_target(key: str, value: str, legacy: dict[str, Any]) -> tuple[str | None, Any]:
    if key in SECRET_SETTINGS:
        return SECRET_SETTINGS[key], value
    if key == "max_concurrent_downloads":
        return "downloads.max_concurrent", shapes.setting_int(value)
    if key == "auto_download_max_videos":
        enabled = shapes.setting_flag(legacy.get("auto_download_schedule_enabled"))
        limit = shapes.setting_int(value)
        return "downloads.auto_download_limit", 0 if enabled is False else limit
    if key == "download_subtitles":
        return "downloads.subtitles", shapes.setting_flag(value)
    if key == "subtitle_languages":
        return "downloads.subtitle_languages", shapes.text_list(value, limit=20, max_length=20)
    if key == "auto_discovery_schedule_time":
        enabled = shapes.setting_flag(legacy.get("auto_discovery_schedule_enabled"))
        days = str(legacy.get("auto_discovery_schedule_days") or "daily").strip().lower()
        return "discovery.interval_hours", 0 if enabled is False else DISCOVERY_HOURS.get(days, 24)
    if key == "ui_theme":
        return ("ui.default_theme", value) if value in BUILTIN_THEMES else (None, None)
    return None, None
