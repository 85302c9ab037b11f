"""Enriching one video or one artist: ask the providers, match, merge, apply, or queue for review.

Each unit of work reads a snapshot in a short session, talks to the providers with no session
open (provider calls wait on rate limits), then writes in another short session. A provider
that fails is logged and skipped: the next provider in the field order fills in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.db import utcnow
from mvidarr.events.hub import Event
from mvidarr.library.titles import parse_title
from mvidarr.metadata import artwork, merge
from mvidarr.metadata import settings as metadata_settings
from mvidarr.metadata.matching import (
    Verdict,
    VideoCandidate,
    VideoQuery,
    credited_names,
    judge_video,
    name_key,
    natural_sort_name,
    pick_video,
    score_artist,
)
from mvidarr.metadata.settings import DEFAULT_ARTIST_ORDER, DEFAULT_VIDEO_ORDER
from mvidarr.models import Artist, ArtistGenre, MatchReview, MediaFile, Video, VideoGenre
from mvidarr.providers.base import ProviderClient
from mvidarr.providers.errors import (
    ProviderCredentialsError,
    ProviderError,
    ProviderNotConfigured,
    ProviderNotFound,
    ProviderUnavailable,
    ProviderUnsupported,
)
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, ProviderName, RecordingInfo, VideoInfo
from mvidarr.settings import service as runtime_settings
from mvidarr.videos.service import derive_fields

if TYPE_CHECKING:
    from mvidarr.events.hub import EventHub

log = logging.getLogger("mvidarr.metadata")
# The genre source of genres a video takes from its artist when no provider gives the video's own.
ARTIST_GENRES = "artist"
T = TypeVar("T")
Note = Callable[[str], Awaitable[None]]
MAX_CANDIDATES = 10
# Below this best confidence, artist and title are searched again the other way round.
SWAP_BELOW = 0.6
# Providers asked about videos, and about artists, in this order (ids found early help later ones).
VIDEO_PROVIDERS: tuple[ProviderName, ...] = ("imvdb", "musicbrainz", "youtube")
ARTIST_PROVIDERS: tuple[ProviderName, ...] = (
    "musicbrainz",
    "imvdb",
    "theaudiodb",
    "spotify",
    "lastfm",
    "wikidata",
    "wikipedia",
)


async def _quiet(_message: str) -> None:
    return None


@dataclass(slots=True)
class Outcome:
    """What enriching one video or artist did."""

    status: str = "unmatched"
    """`matched`, `review` (best candidate below the threshold), `unmatched` (no candidate), `failed`."""
    changed: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    failed_providers: dict[str, str] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)
    """Providers called at all (answering or not): none means nothing could be looked up."""
    best_confidence: float | None = None
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    threshold: float
    video_order: dict[str, merge.Order]
    artist_order: dict[str, merge.Order]


async def load_policy(session: AsyncSession) -> Policy:
    return Policy(
        threshold=await runtime_settings.get(session, metadata_settings.MATCH_THRESHOLD),
        video_order=merge.orders(
            await runtime_settings.get(session, metadata_settings.VIDEO_FIELD_PROVIDERS), DEFAULT_VIDEO_ORDER
        ),
        artist_order=merge.orders(
            await runtime_settings.get(session, metadata_settings.ARTIST_FIELD_PROVIDERS), DEFAULT_ARTIST_ORDER
        ),
    )


class Asker:
    """Calls providers for one unit of work: failures are recorded, never raised."""

    def __init__(self, providers: ProviderHub, outcome: Outcome, note: Note) -> None:
        self.providers = providers
        self.outcome = outcome
        self.note = note
        self._clients: dict[ProviderName, ProviderClient | None] = {}

    async def client(self, name: ProviderName, capability: Capability) -> ProviderClient | None:
        if name not in self._clients:
            try:
                self._clients[name] = await self.providers.client(name)
            except ProviderNotConfigured:
                self._clients[name] = None
        found = self._clients[name]
        return found if found is not None and found.supports(capability) else None

    async def ask(self, name: ProviderName, call: Callable[[], Awaitable[T]]) -> T | None:
        if name in self.outcome.failed_providers:
            return None  # failed once in this unit of work: do not wait on it again
        await self.note(f"calling {name}")
        self.outcome.asked.add(name)
        try:
            return await call()
        except ProviderNotFound:
            return None
        except ProviderUnsupported:
            return None
        except ProviderError as exc:
            # Unavailable (down, paused, rate limited), refused credentials, or a bad answer:
            # the next provider in the order takes over.
            self.outcome.failed_providers[name] = exc.reason[:300]
            if isinstance(exc, ProviderUnavailable):
                self.outcome.retryable = True
            if isinstance(exc, ProviderCredentialsError):
                log.warning("provider %s refused the credentials: %s", name, exc)
            return None


# -- videos ---------------------------------------------------------------------------------------


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
        )
    return VideoCandidate(
        info.artist,
        info.title,
        info.duration_s,
        version=info.version or "",
        artists=(*info.artists, *info.featured_artists),
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


class _Writes:
    """What enrichers share: the data dir artwork goes to and the hub that hears of changes."""

    sessions: async_sessionmaker[AsyncSession]
    data_dir: Path | None
    events: EventHub | None

    async def _announce(
        self, session: AsyncSession, kind: Literal["video", "artist"], key: int, changed: list[str]
    ) -> None:
        """`video.updated` / `artist.updated` (and `library.changed`) after `session` commits."""
        if self.events is None or not changed:
            return
        await self.events.emit(
            session,
            Event(type=f"{kind}.updated", data={"id": key, "changed": sorted(set(changed))}, ref=(kind, key)),
            Event(type="library.changed", data={kind: key, "reason": "enriched"}),
        )

    async def _artwork(self, kind: Literal["video", "artist"], key: int, chosen: dict[str, merge.Chosen]) -> list[str]:
        if self.data_dir is None:
            return []
        wanted = [
            artwork.Wanted(slot=slot, url=str(pick.value), provider=pick.provider)
            for slot in ("image", "fanart", "thumbnail")
            if (pick := chosen.get(slot)) is not None and isinstance(pick.value, str)
        ]
        if not wanted:
            return []
        changed = await artwork.download(self.sessions, self.data_dir, kind, key, wanted)
        if changed and self.events is not None:
            await self.events.publish(
                Event(type=f"{kind}.updated", data={"id": key, "changed": changed}, ref=(kind, key))
            )
        return changed


class VideoEnricher(_Writes):
    """Enriches one video at a time; build one per job (it keeps the policy and the provider hub).

    With a data dir, the chosen thumbnail is downloaded for a video that has none; with an event
    hub, changes are announced (`video.updated`, `library.changed`).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        providers: ProviderHub,
        policy: Policy,
        *,
        data_dir: Path | None = None,
        events: EventHub | None = None,
    ) -> None:
        self.sessions = sessions
        self.providers = providers
        self.policy = policy
        self.data_dir = data_dir
        self.events = events

    async def enrich(self, video_id: int, note: Note = _quiet) -> Outcome:
        outcome = Outcome()
        async with self.sessions() as session:
            snap = await _video_snapshot(session, video_id)
        if snap is None:
            outcome.status = "gone"
            return outcome
        asker = Asker(self.providers, outcome, note)
        query = VideoQuery(
            artist=snap.artist, title=snap.title, duration_s=snap.duration_s, version=snap.version, kind=snap.kind
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
            elif "genres" not in locked and await _artist_genres_fallback(session, video.id, video.artist_id):
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
            await _upsert_review(session, values, video_id=snap.id)
            video = await session.get(Video, snap.id)
            if video is not None:
                video.last_enriched_at = utcnow()
            await session.commit()


async def _artist_genres_fallback(session: AsyncSession, video_id: int, artist_id: int) -> bool:
    """Give the video its artist's genres when it has none of its own; True when they changed.

    Genres taken this way carry the source `artist`, so they follow the artist's until a
    provider (or the user) gives the video genres of its own.
    """
    own = (
        await session.execute(select(VideoGenre.genre_id, VideoGenre.source).where(VideoGenre.video_id == video_id))
    ).all()
    if any(row.source != ARTIST_GENRES for row in own):
        return False
    artist_ids = set(
        (await session.execute(select(ArtistGenre.genre_id).where(ArtistGenre.artist_id == artist_id))).scalars()
    )
    if artist_ids == {row.genre_id for row in own}:
        return False
    await session.execute(delete(VideoGenre).where(VideoGenre.video_id == video_id))
    if artist_ids:
        await session.execute(
            insert(VideoGenre),
            [{"video_id": video_id, "genre_id": gid, "source": ARTIST_GENRES} for gid in sorted(artist_ids)],
        )
    return True


async def _upsert_review(
    session: AsyncSession, values: dict[str, Any], *, video_id: int | None = None, artist_id: int | None = None
) -> None:
    column = MatchReview.video_id if video_id is not None else MatchReview.artist_id
    key = video_id if video_id is not None else artist_id
    row = (await session.execute(select(MatchReview).where(column == key))).scalar_one_or_none()
    if row is None:
        session.add(MatchReview(video_id=video_id, artist_id=artist_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()


# -- artists --------------------------------------------------------------------------------------

_ARTIST_ID_FIELD: dict[ProviderName, str] = {
    "musicbrainz": "musicbrainz_id",
    "theaudiodb": "audiodb_id",
    "spotify": "spotify_id",
    "wikidata": "wikidata_id",
    "youtube": "youtube_channel_id",
}


@dataclass(frozen=True, slots=True)
class ArtistSnapshot:
    id: int
    name: str
    disambiguation: str
    ids: dict[str, Any]
    locked: frozenset[str]


def known_artist_id(name: ProviderName, ids: dict[str, Any], found: ExternalIds) -> str | None:
    """The artist's id at provider `name`, from the row or from what other providers said."""
    if name == "imvdb":
        value = ids.get("imvdb_id") or ids.get("imvdb_slug") or found.imvdb
    elif name == "wikipedia":
        value = found.wikipedia  # "en:Title", from Wikidata's site links
    elif name == "lastfm":
        value = None  # looked up by name: Last.fm corrects spellings
    else:
        field_name = _ARTIST_ID_FIELD.get(name)
        value = ids.get(field_name) if field_name else None
        value = value or getattr(found, "audiodb" if name == "theaudiodb" else name, None)
    return str(value) if value else None


class ArtistEnricher(_Writes):
    """Enriches one artist at a time; with a data dir its image and fanart are downloaded too."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        providers: ProviderHub,
        policy: Policy,
        *,
        data_dir: Path | None = None,
        events: EventHub | None = None,
    ) -> None:
        self.sessions = sessions
        self.providers = providers
        self.policy = policy
        self.data_dir = data_dir
        self.events = events

    async def enrich(self, artist_id: int, note: Note = _quiet) -> Outcome:
        outcome = Outcome()
        async with self.sessions() as session:
            artist = await session.get(Artist, artist_id)
            if artist is None:
                outcome.status = "gone"
                return outcome
            snap = ArtistSnapshot(
                id=artist.id,
                name=artist.name,
                disambiguation=artist.disambiguation,
                ids={f: getattr(artist, f) for f in (*_ARTIST_ID_FIELD.values(), "imvdb_slug", "imvdb_id")},
                locked=frozenset(artist.locked_fields or ()),
            )
        asker = Asker(self.providers, outcome, note)
        offers: dict[ProviderName, dict[str, Any]] = {}
        confidences: dict[ProviderName, float] = {}
        candidates: list[dict[str, Any]] = []
        found_ids = ExternalIds()
        for name in ARTIST_PROVIDERS:
            info, confidence = await self._one(asker, name, snap, found_ids, candidates)
            if info is None:
                continue
            offers[name] = merge.artist_offer(info)
            confidences[name] = confidence
            found_ids = found_ids.merged(info.ids)
        outcome.providers = sorted(offers)
        outcome.best_confidence = max([*confidences.values(), *(c["confidence"] for c in candidates)], default=None)
        if not offers:
            outcome.status = "review" if candidates else ("failed" if outcome.failed_providers else "unmatched")
            await self._finish_unmatched(snap, candidates, mark=not outcome.failed_providers or bool(candidates))
            return outcome
        outcome.status = "matched"
        chosen = merge.merge(offers, confidences, self.policy.artist_order)
        outcome.changed = await self._apply(snap, chosen)
        outcome.changed += await self._artwork("artist", snap.id, chosen)
        return outcome

    async def _one(
        self,
        asker: Asker,
        name: ProviderName,
        snap: ArtistSnapshot,
        found_ids: ExternalIds,
        candidates: list[dict[str, Any]],
    ) -> tuple[ArtistInfo | None, float]:
        if name == "lastfm":
            named = await asker.client(name, Capability.GET_ARTIST)
            if named is None:
                return None, 0.0
            info = await asker.ask(name, lambda: named.get_artist(snap.name))
            confidence = score_artist(snap.name, info.name) if info is not None else 0.0
            return (info, confidence) if confidence >= self.policy.threshold else (None, 0.0)
        known = known_artist_id(name, snap.ids, found_ids)
        if known:
            getter = await asker.client(name, Capability.GET_ARTIST)
            if getter is None:
                return None, 0.0
            by_id = await asker.ask(name, lambda: getter.get_artist(known))
            if by_id is not None or name in asker.outcome.failed_providers:
                return by_id, 1.0
            # A stale or unknown id (say, a slug no entity has any more): said, then searched by name.
            log.info("artist %s: %s has no artist %r; searching by name", snap.id, name, known)
            await asker.note(f"{name} has no artist {known!r}; searching by name")
        client = await asker.client(name, Capability.SEARCH_ARTISTS)
        if client is None:
            return None, 0.0
        found = await asker.ask(name, lambda: client.search_artists(snap.name, limit=5)) or []
        scored = sorted(
            (
                (
                    score_artist(
                        snap.name,
                        info.name,
                        disambiguation_hint=snap.disambiguation,
                        candidate_detail=info.disambiguation or "",
                        aliases=[*info.aliases, *([natural_sort_name(info.sort_name)] if info.sort_name else [])],
                    ),
                    info,
                )
                for info in found
            ),
            key=lambda pair: -pair[0],
        )
        # Two equally good namesakes: a person has to choose.
        tied = len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.01 and not snap.disambiguation
        parts = {name_key(part): part for part in credited_names(snap.name)}
        candidates.extend(
            {
                "provider": info.provider,
                "provider_id": info.provider_id,
                "name": info.name,
                "disambiguation": info.disambiguation,
                "country": info.country,
                "confidence": conf,
                # "A & B" searched, A found: the provider knows A, not "A & B" as one artist.
                "reason": (
                    f"'{snap.name}' looks like a joint credit: {part} is one of its artists"
                    if conf < self.policy.threshold and (part := parts.get(name_key(info.name)))
                    else None
                ),
            }
            for conf, info in scored[:MAX_CANDIDATES]
        )
        if not scored or scored[0][0] < self.policy.threshold or tied:
            return None, 0.0
        confidence, best = scored[0]
        if client.supports(Capability.GET_ARTIST):
            detail = await asker.ask(name, lambda: client.get_artist(best.provider_id))
            best = detail or best
        return best, confidence

    async def _apply(self, snap: ArtistSnapshot, chosen: dict[str, merge.Chosen]) -> list[str]:
        now = utcnow()
        async with self.sessions() as session:
            artist = await session.get(Artist, snap.id)
            if artist is None:
                return []
            locked = set(artist.locked_fields or ())
            provenance = dict(artist.field_provenance or {})
            # Identity fields stay as the user named the artist; ids the unique index does not cover are safe.
            changed = merge.apply(
                artist, chosen, locked=locked, provenance=provenance, at=now, skip=("sort_name", "disambiguation")
            )
            for art in merge.ARTWORK:
                if art in chosen:
                    kept = {k: v for k, v in (provenance.get(art) or {}).items() if k == "stored_url"}
                    provenance[art] = {**chosen[art].provenance(now), "url": chosen[art].value, **kept}
            if "genres" in chosen and "genres" not in locked:
                await merge.apply_genres(session, artist_id=artist.id, pick=chosen["genres"])
                provenance["genres"] = chosen["genres"].provenance(now)
                changed.append("genres")
            artist.field_provenance = provenance
            artist.last_enriched_at = now
            await session.execute(delete(MatchReview).where(MatchReview.artist_id == artist.id))
            await self._announce(session, "artist", artist.id, changed)
            await session.commit()
        return changed

    async def _finish_unmatched(self, snap: ArtistSnapshot, candidates: list[dict[str, Any]], *, mark: bool) -> None:
        async with self.sessions() as session:
            if candidates:
                ranked = sorted(candidates, key=lambda c: -float(c["confidence"]))[:MAX_CANDIDATES]
                values = {
                    "query": {"name": snap.name, "disambiguation": snap.disambiguation},
                    "candidates": ranked,
                    "best_confidence": float(ranked[0]["confidence"]),
                    "provider": ranked[0]["provider"],
                }
                await _upsert_review(session, values, artist_id=snap.id)
            artist = await session.get(Artist, snap.id)
            if artist is not None and mark:
                artist.last_enriched_at = utcnow()
            await session.commit()
