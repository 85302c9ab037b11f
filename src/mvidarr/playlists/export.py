"""A playlist written out: M3U8 for media players (stream URLs carrying an API key when one is
given, since players cannot send headers) and JSON."""

from __future__ import annotations

from urllib.parse import quote

from mvidarr.db import utcnow
from mvidarr.models import Playlist
from mvidarr.playlists.schemas import ExportEntry, PlaylistEntry, PlaylistExport, SmartRule


def stream_url(base_url: str, video_id: int, api_key: str | None) -> str:
    url = f"{base_url.rstrip('/')}/api/v1/videos/{video_id}/stream"
    return f"{url}?api_key={quote(api_key, safe='')}" if api_key else url


def _line(text: str) -> str:
    """One M3U line: no line breaks can smuggle in a directive."""
    return " ".join(text.split())


def m3u8(playlist: Playlist, entries: list[PlaylistEntry], base_url: str, api_key: str | None) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{_line(playlist.name)}"]
    for entry in entries:
        video = entry.video
        duration = round(video.duration_s) if video.duration_s is not None else -1
        title = f"{video.artist.name} - {video.title}"
        if video.year is not None:
            title += f" ({video.year})"
        lines.append(f"#EXTINF:{duration},{_line(title)}")
        lines.append(stream_url(base_url, video.id, api_key))
    return "\n".join(lines) + "\n"


def document(playlist: Playlist, entries: list[PlaylistEntry], base_url: str, api_key: str | None) -> PlaylistExport:
    return PlaylistExport(
        name=playlist.name,
        description=playlist.description,
        smart=playlist.rule is not None,
        rule=None if playlist.rule is None else SmartRule.model_validate(playlist.rule),
        exported_at=utcnow(),
        entries=[
            ExportEntry(position=e.position, note=e.note, video=e.video,
                        stream_url=stream_url(base_url, e.video.id, api_key))
            for e in entries
        ],
    )  # fmt: skip
