"""Enriching one video: IMVDb for the video, MusicBrainz for the recording behind it, YouTube for
the known upload; artist and title swapped when nothing comes close. See `enrich` for the shape of
a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import utcnow
from mvidarr.library.titles import parse_title
from mvidarr.metadata import merge
from mvidarr.metadata.enrich import (
    ARTIST_GENRES,
    MAX_CANDIDATES,
    Asker,
    Note,
    Outcome,
    Writes,
    artist_genres_fallback,
    quiet,
    upsert_review,
)
from mvidarr.metadata.matching import (
    Verdict,
    VideoCandidate,
    VideoQuery,
    credited_names,
    judge_video,
    name_key,
    pick_video,
)
from mvidarr.models import Artist, MatchReview, MediaFile, Video
from mvidarr.providers.models import Capability, ProviderName, RecordingInfo, VideoInfo
from mvidarr.videos.service import derive_fields

if TYPE_CHECKING:
    pass

# Below this best confidence, artist and title are searched again the other way round.
SWAP_BELOW = 0.6
# Providers asked about videos, in this order (ids found early help later ones).
VIDEO_PROVIDERS: tuple[ProviderName, ...] = ("imvdb", "musicbrainz", "youtube")


@dataclass(frozen=True, slots=True)
class VideoSnapshot:
    id: int
    artist_id: int
    artist: str
    title: str
    duration_s: float | None
    imvdb_id: int | None
    musicbrainz_recording_id: str | None
    youtube_id: str | None
    locked: frozenset[str]
    version: str = ""
    kind: str = ""
    artist_mbid: str | None = None


async def _video_snapshot(session: AsyncSession, video_id: int) -> VideoSnapshot | None:
    row = (
        await session.execute(
            select(
                Video.id,
                Video.artist_id,
                Artist.name,
                Video.title,
                Video.duration_s,
                Video.imvdb_id,
                Video.musicbrainz_recording_id,
                Video.youtube_id,
                Video.locked_fields,
                Video.version,
                Video.kind,
                Artist.musicbrainz_id,
            )
            .join(Artist, Artist.id == Video.artist_id)
            .where(Video.id == video_id)
        )
    ).one_or_none()
    if row is None:
        return None
    duration = row.duration_s
    if duration is None:
        duration = await session.scalar(
            select(MediaFile.duration_s)
            .where(MediaFile.video_id == video_id, MediaFile.duration_s.is_not(None))
            .limit(1)
        )
    # Providers are asked for the song, not for "(Official Video) [4K]"; a version the title names counts.
    parsed = parse_title(row.title, artist=row.name)
    kind = str(row.kind or "")
    if kind in ("", "official") and parsed.kind != "official":
        kind = str(parsed.kind)
    return VideoSnapshot(
        id=row.id,
        artist_id=row.artist_id,
        artist=row.name,
        title=parsed.title or row.title,
        version="; ".join(v for v in dict.fromkeys((row.version or "", parsed.version)) if v),
        kind=kind,
        artist_mbid=row.musicbrainz_id,
        duration_s=duration,
        imvdb_id=row.imvdb_id,
        musicbrainz_recording_id=row.musicbrainz_recording_id,
        youtube_id=row.youtube_id,
        locked=frozenset(row.locked_fields or ()),
    )


def _comparable(info: VideoInfo | RecordingInfo) -> VideoCandidate:
    """What matching compares of a provider's video or recording."""
    if isinstance(info, RecordingInfo):
        return VideoCandidate(
            info.artist,
            info.title,
            info.duration_s,
            version=info.disambiguation or "",
            artists=(*info.artists, *info.featured_artists),
            recording=True,
            artist_mbids=tuple(info.artist_ids),
        )
    by_id = info.provider == "musicbrainz" and info.artist_provider_id
    return VideoCandidate(
        info.artist,
        info.title,
        info.duration_s,
        version=info.version or "",
        artists=(*info.artists, *info.featured_artists),
        artist_mbids=(info.artist_provider_id,) if by_id and info.artist_provider_id else (),
    )


def _featured(local_artist: str, info: VideoInfo | RecordingInfo) -> list[str]:
    """The candidate's other credited artists: its featured ones and co-credited main artists."""
    own = name_key(local_artist)
    parts = {name_key(n) for n in credited_names(local_artist)} | {own}
    names = [n for n in (*info.artists, *info.featured_artists) if name_key(n) not in parts]
    return list(dict.fromkeys(names))


def _candidate_json(info: VideoInfo | RecordingInfo, confidence: float, reason: str | None = None) -> dict[str, Any]:
    year = info.year
    return {
        "reason": reason,
        "provider": info.provider,
        "provider_id": info.provider_id,
        "artist": info.artist,
        "title": info.title,
        "year": year,
        "duration_s": info.duration_s,
        "confidence": confidence,
        "url": getattr(info, "url", None),
        "thumb": getattr(info, "thumb", None),
    }


class VideoEnricher(Writes):
    """Enriches one video at a time; build one per job (it keeps the policy and the provider hub).

    With a data dir, the chosen thumbnail is downloaded for a video that has none; with an event
    hub, changes are announced (`video.updated`, `library.changed`).
    """

    async def enrich(self, video_id: int, note: Note = quiet) -> Outcome:
        outcome = Outcome()
        async with self.sessions() as session:
            snap = await _video_snapshot(session, video_id)
        if snap is None:
            outcome.status = "gone"
            return outcome
        asker = Asker(self.providers, outcome, note)
        query = VideoQuery(
            artist=snap.artist,
            title=snap.title,
            duration_s=snap.duration_s,
            version=snap.version,
            kind=snap.kind,
            artist_mbid=snap.artist_mbid,
        )
        offers: dict[ProviderName, dict[str, Any]] = {}
        confidences: dict[ProviderName, float] = {}
        candidates: list[dict[str, Any]] = []

        async def consider(
            name: ProviderName,
            found: list[VideoInfo] | list[RecordingInfo],
            known: bool,
            asked: VideoQuery = query,
            why: str | None = None,
        ) -> None:
            if known:
                picked, verdicts = (0 if found else None), [Verdict(1.0) for _ in found]
            else:
                picked, verdicts = pick_video(asked, [_comparable(f) for f in found], self.policy.threshold)
            order = sorted(range(len(found)), key=lambda i: -verdicts[i].confidence)
            candidates.extend(
                _candidate_json(found[i], verdicts[i].confidence, why or verdicts[i].reason)
                for i in order[:MAX_CANDIDATES]
            )
            # A candidate of another version (or found only with artist and title swapped) is never applied.
            if picked is not None and why is None:
                best = found[picked]
                confidences[name] = verdicts[picked].confidence
                offers[name] = (
                    merge.recording_offer(best) if isinstance(best, RecordingInfo) else merge.video_offer(best)
                )
                offers[name]["featured_artists"] = _featured(snap.artist, best)

        # IMVDb: the video itself, by id when known.
        imvdb = await asker.client("imvdb", Capability.GET_VIDEO if snap.imvdb_id else Capability.SEARCH_VIDEOS)
        if imvdb is not None:
            if snap.imvdb_id:
                video = await asker.ask("imvdb", lambda: imvdb.get_video(str(snap.imvdb_id)))
                await consider("imvdb", [video] if video else [], known=True)
            else:
                found = await asker.ask("imvdb", lambda: imvdb.search_videos(snap.artist, snap.title))
                if found:
                    # A found IMVDb video only counts when it is confident; its detail carries the credits.
                    await consider("imvdb", found, known=False)
                    if "imvdb" in offers and not offers["imvdb"].get("directors"):
                        best_id = str(offers["imvdb"].get("imvdb_id") or "")
                        if best_id:
                            detail = await asker.ask("imvdb", lambda: imvdb.get_video(best_id))
                            if detail is not None:
                                offers["imvdb"] = merge.video_offer(detail)
                                offers["imvdb"]["featured_artists"] = _featured(snap.artist, detail)
        # MusicBrainz: the recording (song) behind the video, by its YouTube link when known.
        mb = await asker.client("musicbrainz", Capability.SEARCH_RECORDINGS)
        if mb is not None:
            recordings: list[RecordingInfo] | None = None
            if snap.youtube_id and mb.supports(Capability.RECORDING_FOR_URL):
                url = f"https://www.youtube.com/watch?v={snap.youtube_id}"
                recordings = await asker.ask("musicbrainz", lambda: mb.recording_for_url(url))
            if recordings:
                await consider("musicbrainz", recordings[:1], known=True)
            else:
                # Scoped by the artist's MusicBrainz id once known: namesakes' songs never come back.
                found_recordings = await asker.ask(
                    "musicbrainz",
                    lambda: mb.search_recordings(
                        snap.artist, snap.title, duration_s=snap.duration_s, artist_mbid=snap.artist_mbid
                    ),
                )
                await consider("musicbrainz", found_recordings or [], known=False)
                parts = credited_names(snap.artist)
                if "musicbrainz" not in offers and parts and not snap.artist_mbid:
                    # "A x B": the recording is credited to its artists, not to the joint name.
                    by_first = await asker.ask(
                        "musicbrainz", lambda: mb.search_recordings(parts[0], snap.title, duration_s=snap.duration_s)
                    )
                    await consider("musicbrainz", by_first or [], known=False)
        # Nothing close at all (a near miss or another version is not a swapped name): try swapped.
        closest = max((float(c["confidence"]) for c in candidates), default=0.0)
        if not offers and closest < SWAP_BELOW and not snap.imvdb_id and not snap.musicbrainz_recording_id:
            await self._swapped(asker, snap, query, consider)
        # YouTube: view counts and description of the known upload.
        if snap.youtube_id:
            youtube = await asker.client("youtube", Capability.GET_VIDEO)
            if youtube is not None:
                upload = await asker.ask("youtube", lambda: youtube.get_video(str(snap.youtube_id)))
                if upload is not None:
                    await consider("youtube", [upload], known=True)

        outcome.providers = sorted(offers)
        outcome.best_confidence = max((c["confidence"] for c in candidates), default=None)
        if not offers:
            outcome.status = "review" if candidates else ("failed" if outcome.failed_providers else "unmatched")
            if candidates:
                await self._to_review(snap, query, candidates)
            elif not outcome.failed_providers:
                await self._mark_enriched(snap.id)
            return outcome
        outcome.status = "matched"
        chosen = merge.merge(offers, confidences, self.policy.video_order)
        outcome.changed = await self._apply(snap, chosen)
        outcome.changed += await self._artwork("video", snap.id, chosen)
        return outcome

    async def _swapped(
        self,
        asker: Asker,
        snap: VideoSnapshot,
        query: VideoQuery,
        consider: Callable[..., Awaitable[None]],
    ) -> None:
        """Nothing confident: ask again with artist and title swapped ("Title - Artist" file names).

        What that finds goes to review with the reason: the video's artist is the wrong one,
        which a person fixes (renaming or moving the video), never enrichment on its own.
        """
        swapped = VideoQuery(
            artist=query.title, title=query.artist, duration_s=query.duration_s, version=query.version, kind=query.kind
        )
        why = "artist and title look swapped: found as '{artist} - {title}'"
        imvdb = await asker.client("imvdb", Capability.SEARCH_VIDEOS)
        if imvdb is not None:
            found = await asker.ask("imvdb", lambda: imvdb.search_videos(swapped.artist, swapped.title))
            threshold = self.policy.threshold
            confident = [f for f in found or [] if judge_video(swapped, _comparable(f)).confidence >= threshold]
            if confident:
                await consider("imvdb", confident, False, swapped, why.format(artist=snap.title, title=snap.artist))
        mb = await asker.client("musicbrainz", Capability.SEARCH_RECORDINGS)
        if mb is not None:
            recordings = await asker.ask(
                "musicbrainz",
                lambda: mb.search_recordings(swapped.artist, swapped.title, duration_s=snap.duration_s),
            )
            confident_r = [
                r for r in recordings or [] if judge_video(swapped, _comparable(r)).confidence >= self.policy.threshold
            ]
            if confident_r:
                await consider(
                    "musicbrainz", confident_r, False, swapped, why.format(artist=snap.title, title=snap.artist)
                )

    async def _apply(self, snap: VideoSnapshot, chosen: dict[str, merge.Chosen]) -> list[str]:
        now = utcnow()
        async with self.sessions() as session:
            video = await session.get(Video, snap.id)
            if video is None:
                return []
            locked = set(video.locked_fields or ())
            provenance = dict(video.field_provenance or {})
            changed = merge.apply(video, chosen, locked=locked, provenance=provenance, at=now)
            if "genres" in chosen and "genres" not in locked:
                await merge.apply_genres(session, video_id=video.id, pick=chosen["genres"])
                provenance["genres"] = chosen["genres"].provenance(now)
                changed.append("genres")
            elif "genres" not in locked and await artist_genres_fallback(session, video.id, video.artist_id):
                provenance["genres"] = {"provider": ARTIST_GENRES, "confidence": 1.0, "at": now.isoformat()}
                changed.append("genres")
            if {"title", "album", "featured_artists"} & set(changed):
                derive_fields(video)
            video.field_provenance = provenance
            video.last_enriched_at = now
            await session.execute(delete(MatchReview).where(MatchReview.video_id == video.id))
            await self._announce(session, "video", video.id, changed)
            await session.commit()
        return changed

    async def _mark_enriched(self, video_id: int) -> None:
        async with self.sessions() as session:
            video = await session.get(Video, video_id)
            if video is not None:
                video.last_enriched_at = utcnow()
                await session.commit()

    async def _to_review(self, snap: VideoSnapshot, query: VideoQuery, candidates: list[dict[str, Any]]) -> None:
        ranked = sorted(candidates, key=lambda c: -float(c["confidence"]))[:MAX_CANDIDATES]
        values = {
            "query": {
                "artist": query.artist,
                "title": query.title,
                "duration_s": query.duration_s,
                "version": query.version,
                "kind": query.kind,
            },
            "candidates": ranked,
            "best_confidence": float(ranked[0]["confidence"]),
            "provider": ranked[0]["provider"],
        }
        async with self.sessions() as session:
            await upsert_review(session, values, video_id=snap.id)
            video = await session.get(Video, snap.id)
            if video is not None:
                video.last_enriched_at = utcnow()
            await session.commit()
