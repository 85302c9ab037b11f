"""0.9.7 downloads that finished, as download history."""

from __future__ import annotations

from typing import Any

from mvidarr.legacy import shapes
from mvidarr.legacy.importer import BATCH, Importer
from mvidarr.models import Download


async def import_downloads(importer: Importer) -> None:
    for start in range(0, len(importer.data.rows("downloads")), BATCH):
        values: list[dict[str, Any]] = []
        keys: list[Any] = []
        for row in importer.data.rows("downloads")[start : start + BATCH]:
            legacy_id, title = row["id"], str(row.get("title") or "")
            done, _ = importer.linked("download", legacy_id)
            if done:
                importer.count("downloads", "unchanged")
                continue
            status = str(row.get("status") or "pending").strip().lower()
            outcome = {"completed": "succeeded", "failed": "failed"}.get(status)
            if outcome is None:
                importer.count(
                    "downloads", "skipped", legacy_id, title, f"{status} in 0.9.7, never finished: not history"
                )
                importer.link("download", legacy_id, None)
                continue
            _known_video, video_id = importer.linked("video", row.get("video_id"))
            known_artist, _ = importer.linked("artist", row.get("artist_id"))
            if video_id is None and not known_artist:
                importer.count("downloads", "skipped", legacy_id, title, "its 0.9.7 artist does not exist")
                importer.link("download", legacy_id, None)
                continue
            when = shapes.utc(row.get("download_date") or row.get("created_at") or row.get("updated_at"))
            values.append(
                {
                    "video_id": video_id,
                    "status": outcome,
                    "phase": "done",
                    "source_url": shapes.clean_text(row.get("original_url"), 2048),
                    "source_title": shapes.clean_text(title, 500),
                    "reason": shapes.clean_text(row.get("error_message"), 5000),
                    "quality_label": shapes.clean_text(row.get("quality"), 8),
                    "size": shapes.count(row.get("file_size")),
                    "candidates": [],
                    "failures": [],
                    # Every row has the same keys (one executemany); no date in 0.9.7: the import's.
                    "started_at": when or importer.now,
                    "finished_at": when or importer.now,
                }
            )
            keys.append(legacy_id)
            reason = None if video_id is not None or not row.get("video_id") else "its video is not here"
            importer.count("downloads", "imported", legacy_id, title, reason)
        if values:
            for key, new_id in zip(keys, await importer.insert(Download, values), strict=True):
                importer.link("download", key, new_id)
