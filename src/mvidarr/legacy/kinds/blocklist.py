"""0.9.7's video blacklist as blocklist entries (URLs reduced to the YouTube id)."""

from __future__ import annotations

from sqlalchemy import select

from mvidarr.downloads.ranking import source_key, youtube_url
from mvidarr.legacy import shapes
from mvidarr.legacy.importer import Importer
from mvidarr.models import BlocklistEntry
from mvidarr.providers.parsing import youtube_id as parse_youtube_id


async def import_blocklist(importer: Importer) -> None:
    keys_here = dict(
        (
            await importer.session.execute(
                select(BlocklistEntry.source_key, BlocklistEntry.id).where(BlocklistEntry.video_id.is_(None))
            )
        ).all()
    )
    for row in importer.data.rows("video_blacklist"):
        raw = str(row.get("youtube_url") or "").strip()
        if importer.linked("blocklist", raw)[0]:
            importer.count("blocklist", "unchanged")
            continue
        url = blocked_url(raw)
        if url is None:
            importer.count("blocklist", "skipped", raw, raw, "not a video URL or YouTube id")
            importer.link("blocklist", raw, None)
            continue
        key = source_key(url)
        if key in keys_here:
            merged = keys_here[key] in importer.blocked_now
            reason = "the same video as another 0.9.7 entry" if merged else "blocklisted here already"
            importer.count("blocklist", "merged" if merged else "linked", raw, raw, reason)
            importer.link("blocklist", raw, keys_here[key])
            continue
        _, by = importer.linked("user", row.get("blacklisted_by"))
        entry = BlocklistEntry(
            video_id=None,
            source_key=key,
            source_url=url,
            artist_seen=shapes.clean_text(row.get("artist_name"), 500),
            title_seen=shapes.clean_text(row.get("title"), 500),
            reason="blacklisted in MVidarr 0.9.7",
            created_by=by,
            **({"created_at": shapes.utc(row["blacklisted_at"])} if row.get("blacklisted_at") else {}),
        )
        importer.session.add(entry)
        await importer.session.flush()
        keys_here[key] = entry.id
        importer.blocked_now.add(entry.id)
        importer.count("blocklist", "imported", raw, raw, None if url == raw else "URL written as " + url)
        importer.link("blocklist", raw, entry.id)


def blocked_url(raw: str) -> str | None:
    """A 0.9.7 blacklist key as a URL: a bare YouTube id, a URL without scheme, or a URL."""
    if not raw:
        return None
    if parse_youtube_id(raw) == raw:
        return youtube_url(raw)
    candidate = raw if "://" in raw else f"https://{raw}"
    found = parse_youtube_id(candidate)
    if found:
        return youtube_url(found)
    if candidate.startswith(("http://", "https://")) and "." in candidate.split("/")[2] and " " not in candidate:
        return candidate
    return None
