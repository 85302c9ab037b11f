"""0.9.7 playlist monitors: the playlist URL checked against the network policy, keywords as include words."""

from __future__ import annotations

import functools

from sqlalchemy import select

from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.importer import FOLLOWED, Importer, getter
from mvidarr.models import Monitor


async def import_monitors(importer: Importer) -> None:
    urls_here = dict((await importer.session.execute(select(Monitor.url, Monitor.id))).all())
    for row in importer.data.rows("playlist_monitors"):
        legacy_id, name = row["id"], " ".join(str(row.get("name") or "").split())[:255]
        auto_download = shapes.flag(row.get("auto_download"), True)
        done, target = importer.linked("monitor", legacy_id)
        if done and target is not None and name:
            await importer.follow_row(
                "monitor",
                "monitors",
                row,
                name,
                functools.partial(dict, name=name, auto_download=auto_download),
                getter(importer.session, Monitor, target),
                importer.update_plain,
            )
            continue
        if done:
            importer.count("monitors", "unchanged")
            continue
        url = shapes.clean_text(row.get("playlist_url"), 2048)
        if not url and row.get("playlist_id"):
            url = f"https://www.youtube.com/playlist?list={row['playlist_id']}"
        if not url or not url.startswith(("http://", "https://")):
            importer.count("monitors", "skipped", legacy_id, name, "no playlist URL")
            importer.link("monitor", legacy_id, None)
            continue
        refused = await importer.refused(url)
        if refused is not None:
            importer.count("monitors", "skipped", legacy_id, name, f"its URL is refused: {refused}")
            importer.link("monitor", legacy_id, None)
            continue
        recorded = follow.recorded(row, {"name": name, "auto_download": auto_download}, FOLLOWED["monitor"])
        if url in urls_here:
            importer.count("monitors", "linked", legacy_id, name, "a monitor of this URL is here")
            importer.link("monitor", legacy_id, urls_here[url], recorded)
            continue
        words = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
        filters = DiscoveryFilters(include_words=words).model_dump(mode="json") if words else None
        monitor = Monitor(
            name=name or url[:255],
            url=url,
            artist_id=None,
            filters=filters,
            auto_download=auto_download,
            enabled=True,
        )
        importer.session.add(monitor)
        await importer.session.flush()
        urls_here[url] = monitor.id
        importer.count("monitors", "imported", legacy_id, name)
        importer.link("monitor", legacy_id, monitor.id, recorded)
