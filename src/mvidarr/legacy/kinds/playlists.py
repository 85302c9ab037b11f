"""0.9.7 playlists of their owner, and their entries in 0.9.7's order."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import insert, select, update

from mvidarr.db import utcnow
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.importer import FOLLOWED, Importer, getter
from mvidarr.models import Playlist, PlaylistItem


async def import_playlists(importer: Importer) -> None:
    entries: dict[Any, list[dict[str, Any]]] = {}
    for entry in importer.data.rows("playlist_entries"):
        entries.setdefault(entry.get("playlist_id"), []).append(entry)
    known_playlists = {row["id"] for row in importer.data.rows("playlists")}
    for playlist_id, orphans in entries.items():
        if playlist_id not in known_playlists:
            for entry in orphans:
                if not importer.linked("playlist_entry", entry["id"])[0]:
                    importer.count("playlist_entries", "skipped", entry["id"], "", "its 0.9.7 playlist does not exist")
                    importer.link("playlist_entry", entry["id"], None)
                else:
                    importer.count("playlist_entries", "unchanged")
    for row in importer.data.rows("playlists"):
        legacy_id, name = row["id"], " ".join(str(row.get("name") or "").split())[:255]
        done, target = importer.linked("playlist", legacy_id)
        source_values = {
            "name": name,
            "description": shapes.clean_text(row.get("description"), 5000),
            "public": shapes.flag(row.get("is_public"), False),
        }
        if done and target is not None and name:
            await importer.follow_row(
                "playlist",
                "playlists",
                row,
                name,
                functools.partial(dict, source_values),
                getter(importer.session, Playlist, target),
                importer.update_plain,
            )
        elif done:
            importer.count("playlists", "unchanged")
        else:
            _, owner = importer.linked("user", row.get("user_id"))
            if owner is None or not name:
                reason = "its owner is not a user here" if name else "no name"
                importer.count("playlists", "skipped", legacy_id, name, reason)
                importer.link("playlist", legacy_id, None)
            else:
                playlist = Playlist(owner_id=owner, rule=None, **source_values)
                importer.session.add(playlist)
                await importer.session.flush()
                target = playlist.id
                importer.count("playlists", "imported", legacy_id, name)
                importer.link("playlist", legacy_id, target, follow.recorded(row, source_values, FOLLOWED["playlist"]))
        await _playlist_entries(importer, target, entries.get(legacy_id, []))


async def _playlist_entries(importer: Importer, playlist_id: int | None, entries: list[dict[str, Any]]) -> None:
    # The order 0.9.7 showed: by position as the browser sent it (gaps, repeats), then by id.
    ordered = sorted(entries, key=lambda e: (shapes.legacy_int(e.get("position")) or 0, e["id"]))
    legacy_videos = {row["id"] for row in importer.data.rows("videos")}
    present: set[int] = set()
    next_position = 0
    if playlist_id is not None:
        items = (
            await importer.session.execute(
                select(PlaylistItem.video_id, PlaylistItem.position).where(PlaylistItem.playlist_id == playlist_id)
            )
        ).all()
        present = {video for video, _ in items}
        next_position = max((position for _, position in items), default=-1) + 1
    rows: list[dict[str, Any]] = []
    for entry in ordered:
        legacy_id = entry["id"]
        if importer.linked("playlist_entry", legacy_id)[0]:
            importer.count("playlist_entries", "unchanged")
            continue
        _, video_id = importer.linked("video", entry.get("video_id"))
        if playlist_id is None:
            reason = "its playlist was not brought across"
        elif entry.get("video_id") not in legacy_videos:
            reason = "its video does not exist in 0.9.7"
        elif video_id is None:
            reason = "its video was not brought across"
        else:
            reason = None
        if reason is not None:
            importer.count("playlist_entries", "skipped", legacy_id, "", reason)
            importer.link("playlist_entry", legacy_id, None)
            continue
        assert video_id is not None
        assert playlist_id is not None
        if video_id in present:
            importer.count("playlist_entries", "merged", legacy_id, "", "the video is in this playlist already")
            importer.link("playlist_entry", legacy_id, None)
            continue
        present.add(video_id)
        rows.append(
            {
                "playlist_id": playlist_id,
                "video_id": video_id,
                "position": next_position,
                "note": shapes.clean_text(entry.get("notes"), 1000),
                "added_at": shapes.utc(entry.get("added_at")) or importer.now,
            }
        )
        next_position += 1
        importer.count("playlist_entries", "imported", legacy_id)
        importer.link("playlist_entry", legacy_id, None)
    if rows:
        await importer.session.execute(insert(PlaylistItem), rows)
        await importer.session.execute(update(Playlist).where(Playlist.id == playlist_id).values(updated_at=utcnow()))
