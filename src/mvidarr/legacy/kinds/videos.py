"""0.9.7 videos and their files: the status mapped, matched by file, ids or title, written in batches with
their files in root folders; a re-run follows their changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from mvidarr.downloads.ranking import youtube_url
from mvidarr.kit.text import fold, sort_name
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.importer import BATCH, FOLLOWED, MAX_FILE_PROBLEMS, Importer, getter, thumbnail
from mvidarr.legacy.paths import Placement
from mvidarr.legacy.schemas import FileProblem
from mvidarr.models import MediaFile, Video, VideoGenre
from mvidarr.providers.parsing import youtube_id as parse_youtube_id

VIDEO_STATUS = {
    "WANTED": ("wanted", True, None),
    "DOWNLOADING": ("wanted", True, "DOWNLOADING in 0.9.7 (an unfinished download): wanted again"),
    "DOWNLOADED": ("downloaded", True, None),
    "IGNORED": ("ignored", True, None),
    "FAILED": ("failed", True, None),
    "MONITORED": ("wanted", False, "MONITORED in 0.9.7 (known, not wanted): wanted but not monitored"),
    None: ("wanted", True, "no status in 0.9.7: wanted"),
}


@dataclass
class _VideoPlan:
    legacy: dict[str, Any]
    artist_id: int
    values: dict[str, Any]
    genres: list[str]
    placement: Placement | None
    target_id: int | None = None
    merge_into: _VideoPlan | None = None
    outcome: str = "imported"
    reason: str | None = None


async def _guard_sources(importer: Importer, values: dict[str, Any]) -> None:
    """Drops the sources of a video whose URL the network policy refuses, counting why."""
    kept = []
    for source in values["sources"]:
        if await importer.refused(source["url"]) is None:
            kept.append(source)
        else:
            reasons = importer.report.kinds["videos"].reasons
            note = "a source URL refused by the network policy: not kept"
            reasons[note] = reasons.get(note, 0) + 1
    values["sources"] = kept


async def import_videos(importer: Importer) -> None:
    rows = importer.data.rows("videos")
    paths = [str(r["local_path"]) if r.get("local_path") else None for r in rows]
    placer = importer.options.placer
    placements: list[Placement | None] = await importer.to_thread(
        lambda: [placer.place(p) if p else None for p in paths]
    )
    existing = (
        await importer.session.execute(
            select(Video.id, Video.artist_id, Video.sort_key, Video.imvdb_id, Video.youtube_id)
        )
    ).all()
    # Targets: an id here, or the plan of a video this run creates (two 0.9.7 rows, one video).
    by_imvdb: dict[int, int | _VideoPlan] = {r.imvdb_id: r.id for r in existing if r.imvdb_id is not None}
    by_youtube: dict[str, int | _VideoPlan] = {r.youtube_id: r.id for r in existing if r.youtube_id}
    # By title only videos here without ids (a scan made them from file names).
    by_title = {(r.artist_id, r.sort_key): r.id for r in existing if r.imvdb_id is None and not r.youtube_id}
    files = {
        (r.root_folder_id, r.relative_path): (r.id, r.video_id)
        for r in (
            await importer.session.execute(
                select(MediaFile.root_folder_id, MediaFile.relative_path, MediaFile.id, MediaFile.video_id)
            )
        ).all()
    }
    plans: list[_VideoPlan] = []
    claimed: set[int] = set()
    for row, placement in zip(rows, placements, strict=True):
        legacy_id = row["id"]
        title = " ".join(str(row.get("title") or "").split())[:500]
        done, here_id = importer.linked("video", legacy_id)
        if done:
            if row.get("local_path"):
                importer.count("files", "unchanged")
            if here_id is None or not title:
                importer.count("videos", "unchanged")
                continue
            await importer.follow_row(
                "video",
                "videos",
                row,
                title,
                functools.partial(_video_values, row, title, placement),
                getter(importer.session, Video, here_id),
                functools.partial(_update_video, importer),
            )
            continue
        _, artist_id = importer.linked("artist", row.get("artist_id"))
        if artist_id is None:
            reason = (
                "its 0.9.7 artist does not exist"
                if not importer.linked("artist", row.get("artist_id"))[0]
                else ("its artist was not brought across")
            )
            importer.count("videos", "skipped", legacy_id, title, reason)
            if row.get("local_path"):
                importer.count("files", "skipped", legacy_id, title, "its video was not brought across")
            importer.link("video", legacy_id, None)
            continue
        if not title:
            importer.count("videos", "skipped", legacy_id, "", "no title")
            if row.get("local_path"):
                importer.count("files", "skipped", legacy_id, "", "its video was not brought across")
            importer.link("video", legacy_id, None)
            continue
        plan = _video_plan(row, title, artist_id, placement)
        values = plan.values
        await _guard_sources(importer, values)
        found_file = placement is not None and placement.exists and placement.root_id is not None
        target: int | _VideoPlan | None = None
        if found_file and placement is not None:
            known = files.get((placement.root_id or 0, placement.relative or ""))
            if known is not None and known[1] is not None:
                target = known[1]
        if target is None and values["imvdb_id"]:
            target = by_imvdb.get(values["imvdb_id"])
        if target is None and values["youtube_id"]:
            target = by_youtube.get(values["youtube_id"])
        if target is None:
            target = by_title.pop((artist_id, values["sort_key"]), None)
        if isinstance(target, _VideoPlan):
            plan.merge_into, plan.outcome, plan.reason = target, "merged", "same video as another 0.9.7 row"
        elif target is not None:
            plan.target_id = target
            plan.outcome = "merged" if target in claimed else "linked"
            plan.reason = "same video as another 0.9.7 row" if target in claimed else "this video is here already"
            claimed.add(target)
        else:
            if values["imvdb_id"]:
                by_imvdb[values["imvdb_id"]] = plan
            if values["youtube_id"]:
                by_youtube[values["youtube_id"]] = plan
        plans.append(plan)
    await _write_videos(importer, plans, files)


def _video_values(row: dict[str, Any], title: str, placement: Placement | None) -> dict[str, Any]:
    return _video_plan(row, title, 0, placement).values


def _video_plan(row: dict[str, Any], title: str, artist_id: int, placement: Placement | None) -> _VideoPlan:
    status_raw = row.get("status")
    status, monitored, status_note = VIDEO_STATUS.get(status_raw, VIDEO_STATUS[None])
    has_file = placement is not None and placement.exists and placement.root_id is not None
    if status == "downloaded" and not has_file:
        status = "missing"
    elif has_file and status != "downloaded":
        status_note = f"{status_raw or 'no status'} in 0.9.7 but its file is here: downloaded"
        status = "downloaded"
    metadata = shapes.json_object(row.get("video_metadata")) or {}
    imvdb_meta = shapes.json_object(row.get("imvdb_metadata")) or {}
    youtube = shapes.clean_text(row.get("youtube_id"), 32)
    youtube = parse_youtube_id(youtube) if youtube else None
    for url_column in ("youtube_url", "url"):
        youtube = youtube or parse_youtube_id(shapes.clean_text(row.get(url_column), 500))
    sources: list[dict[str, str]] = []
    if youtube:
        sources.append({"url": youtube_url(youtube), "kind": "youtube"})
    other = shapes.clean_text(row.get("url"), 2048)
    if other and other.startswith(("http://", "https://")) and not parse_youtube_id(other):
        sources.append({"url": other, "kind": "vimeo" if "vimeo.com" in other else "other"})
    album = shapes.clean_text(metadata.get("album") or imvdb_meta.get("album"), 500)
    label = shapes.clean_text(metadata.get("label") or metadata.get("record_label"), 255)
    year = shapes.year(row.get("year")) or shapes.year(imvdb_meta.get("year"))
    release = shapes.day(row.get("release_date"))
    description = shapes.clean_text(row.get("description"), 20000)
    values: dict[str, Any] = {
        "artist_id": artist_id,
        "title": title,
        "sort_title": sort_name(title),
        "sort_key": fold(sort_name(title))[:500],
        "version": "",
        "kind": "official",
        "status": status,
        "monitored": monitored,
        "year": year,
        "release_date": release,
        "duration_s": float(row["duration"]) if shapes.count(row.get("duration")) else None,
        "album": album,
        "label": label,
        "description": description,
        "featured_artists": [],
        "directors": shapes.text_list(row.get("directors"), limit=20),
        "producers": shapes.text_list(row.get("producers"), limit=20),
        "imvdb_id": shapes.legacy_int(row.get("imvdb_id")),
        "youtube_id": youtube,
        "sources": sources,
        "view_count": shapes.count(row.get("view_count")),
        "like_count": shapes.count(row.get("like_count")),
        "locked_fields": [],
        # 0.9.7's metadata JSON kept whole; shown on the video page as provided by MVidarr 0.9.7.
        "field_provenance": {
            "legacy": {
                "provider": "MVidarr 0.9.7",
                "legacy_id": row["id"],
                **({"metadata": metadata} if metadata else {}),
                **thumbnail(row),
            }
        },
        "search_text": fold(" ".join(w for w in (title, album or "") if w))[:1500],
        "discovered_at": shapes.utc(row.get("discovered_date")),
    }
    return _VideoPlan(
        legacy=row,
        artist_id=artist_id,
        values=values,
        genres=shapes.text_list(row.get("genres"), limit=20, max_length=100),
        placement=placement,
        reason=status_note,
    )


async def _write_videos(
    importer: Importer, plans: list[_VideoPlan], files: dict[tuple[int, str], tuple[int, int | None]]
) -> None:
    total = max(1, len(plans))
    for start in range(0, len(plans), BATCH):
        batch = plans[start : start + BATCH]
        new = [p for p in batch if p.target_id is None and p.merge_into is None]
        if new:
            for plan, new_id in zip(new, await importer.insert(Video, [p.values for p in new]), strict=True):
                plan.target_id = new_id
        for plan in batch:
            if plan.merge_into is not None:
                plan.target_id = plan.merge_into.target_id
            if plan.outcome != "imported":
                await _fill_video(importer, plan)
        tagged = [(p.target_id, p.genres) for p in batch if p.genres and p.outcome == "imported" and p.target_id]
        await importer.genres(VideoGenre, "video_id", tagged)
        media_rows: list[dict[str, Any]] = []
        for plan in batch:
            legacy_id, title = plan.legacy["id"], plan.values["title"]
            importer.count("videos", plan.outcome, legacy_id, title, plan.reason)
            importer.link(
                "video", legacy_id, plan.target_id, follow.recorded(plan.legacy, plan.values, FOLLOWED["video"])
            )
            if plan.outcome == "imported" and plan.values["field_provenance"]["legacy"].get("thumbnail_url"):
                importer.thumbnails += 1
            if plan.placement is not None:
                media_rows += _file(importer, plan, files)
        if media_rows:
            await importer.session.execute(insert(MediaFile), media_rows)
        await _link_known_files(importer)
        await importer.checkpoint()
        await importer.step(0.45 + 0.1 * min(1.0, (start + len(batch)) / total), f"videos {start + len(batch)}/{total}")


def _file(
    importer: Importer, plan: _VideoPlan, files: dict[tuple[int, str], tuple[int, int | None]]
) -> list[dict[str, Any]]:
    placement = plan.placement
    assert placement is not None
    assert plan.target_id is not None
    legacy_id, title = plan.legacy["id"], plan.values["title"]
    legacy_path = str(plan.legacy.get("local_path"))
    if not placement.exists or placement.root_id is None or placement.relative is None:
        problem = placement.problem or "no file at this path"
        importer.count("files", "skipped", legacy_id, title, problem)
        importer.report.files_not_found_total += 1
        if len(importer.report.files_not_found) < MAX_FILE_PROBLEMS:
            importer.report.files_not_found.append(
                FileProblem(
                    video_legacy_id=int(legacy_id),
                    title=title,
                    legacy_path=legacy_path,
                    looked_at=placement.absolute,
                    problem=problem,
                )
            )
        return []
    renamed = "found under the name 0.9.7's cleaner gave it" if placement.renamed_from else None
    if placement.renamed_from:
        importer.report.files_renamed += 1
    known = files.get((placement.root_id, placement.relative))
    importer.scan_roots.add(placement.root_id)
    if known is not None:
        # Already here (a scan found it): linked; a file that had no video gets this one.
        if known[1] is None:
            importer.pending_file_links.append((known[0], plan.target_id))
        importer.count("files", "linked", legacy_id, title, renamed or "the file is known here already")
        return []
    files[(placement.root_id, placement.relative)] = (0, plan.target_id)
    importer.count("files", "imported", legacy_id, title, renamed)
    return [
        {
            "video_id": plan.target_id,
            "root_folder_id": placement.root_id,
            "relative_path": placement.relative,
            "is_current": plan.outcome == "imported",
            "size": placement.size,
            # No modification time: the next scan sees the file as changed and probes it.
            "mtime": 0.0,
            "match_source": "legacy",
        }
    ]


async def _link_known_files(importer: Importer) -> None:
    """Files a scan found before the import, without a video: they get the imported one."""
    for media_id, video_id in importer.pending_file_links:
        await importer.session.execute(
            update(MediaFile).where(MediaFile.id == media_id, MediaFile.video_id.is_(None)).values(video_id=video_id)
        )
    importer.pending_file_links = []


async def _update_video(importer: Importer, video: Video, found: follow.Changes) -> None:
    apply = found.apply
    for column in ("imvdb_id", "youtube_id"):
        if apply.get(column) is not None:
            clash = await importer.session.scalar(
                select(Video.id).where(getattr(Video, column) == apply[column], Video.id != video.id)
            )
            if clash is not None:
                del apply[column]
                found.kept[column] = "another video here has it"
    for name, value in apply.items():
        # The value as the model takes it (a date, not its ISO text).
        setattr(video, name, date.fromisoformat(value) if name == "release_date" and value else value)
    if "title" in apply:
        video.sort_title = sort_name(video.title)
        video.sort_key = fold(video.sort_title)[:500]
    if "title" in apply or "album" in apply:
        video.search_text = fold(" ".join(w for w in (video.title, video.album or "") if w))[:1500]
    await importer.session.flush()


async def _fill_video(importer: Importer, plan: _VideoPlan) -> None:
    video = await importer.session.get(Video, plan.target_id)
    if video is None:
        return
    for column in ("year", "album", "label", "description", "view_count", "like_count", "release_date"):
        if getattr(video, column) in (None, "") and plan.values[column] not in (None, ""):
            setattr(video, column, plan.values[column])
    if video.imvdb_id is None and plan.values["imvdb_id"] is not None:
        clash = await importer.session.scalar(select(Video.id).where(Video.imvdb_id == plan.values["imvdb_id"]))
        if clash is None:
            video.imvdb_id = plan.values["imvdb_id"]
    if not video.youtube_id and plan.values["youtube_id"]:
        video.youtube_id = plan.values["youtube_id"]
    if not video.directors and plan.values["directors"]:
        video.directors = plan.values["directors"]
    if not video.producers and plan.values["producers"]:
        video.producers = plan.values["producers"]
    known = {s.get("url") for s in video.sources if isinstance(s, dict)}
    extra = [s for s in plan.values["sources"] if s["url"] not in known]
    if extra:
        video.sources = [*video.sources, *extra]
    await importer.session.flush()
