"""Enrichment for the API: starting jobs, the review list, matching by hand, and artist lookup."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists.service import get_artist
from mvidarr.errors import REFERENCE, InvalidInput, VideoNotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.kit.text import identity_key
from mvidarr.metadata import repository
from mvidarr.metadata.matching import name_key, score_artist
from mvidarr.metadata.schemas import (
    ArtistCandidate,
    ArtistLookup,
    ArtistMatch,
    LibraryEnrichRequest,
    LookupIds,
    MatchApplied,
    ReviewItem,
    VideoMatch,
)
from mvidarr.metadata.tasks import (
    ARTIST_ENRICH,
    LIBRARY_ENRICH,
    VIDEO_ENRICH,
    ArtistEnrichParams,
    LibraryEnrichParams,
    VideoEnrichParams,
)
from mvidarr.models import Artist, Job, MatchReview, Video
from mvidarr.providers.errors import ProviderError
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ArtistInfo, Capability
from mvidarr.videos import repository as video_repository

LOOKUP_LIMIT = 10


async def enrich_video(
    session: AsyncSession, events: EventHub, clock: Clock, video_id: int, user_id: int | None
) -> Job:
    if await session.get(Video, video_id) is None:
        raise VideoNotFound(video_id)
    job, _created = await jobs.enqueue(
        session, events, VIDEO_ENRICH, VideoEnrichParams(video_ids=[video_id]), created_by=user_id, clock=clock
    )
    return job


async def enrich_artist(
    session: AsyncSession, events: EventHub, clock: Clock, artist_id: int, user_id: int | None
) -> Job:
    await get_artist(session, artist_id)
    job, _created = await jobs.enqueue(
        session, events, ARTIST_ENRICH, ArtistEnrichParams(artist_ids=[artist_id]), created_by=user_id, clock=clock
    )
    return job


async def enrich_library(
    session: AsyncSession, events: EventHub, clock: Clock, only_due: bool, user_id: int | None
) -> Job:
    job, _created = await jobs.enqueue(
        session, events, LIBRARY_ENRICH, LibraryEnrichParams(only_due=only_due), created_by=user_id, clock=clock
    )
    return job


async def enrich_request(
    session: AsyncSession, events: EventHub, clock: Clock, body: LibraryEnrichRequest, user_id: int | None
) -> Job:
    """`POST /metadata/enrich`: the whole library, the given videos (one job), or the videos a filter matches."""
    if body.video_ids is not None:
        ids = list(dict.fromkeys(body.video_ids))
        found = set(await video_repository.existing_ids(session, ids))
        missing = [i for i in ids if i not in found]
        if missing:
            raise InvalidInput(f"videos {missing[:10]} do not exist", loc=("body", "video_ids"), type_=REFERENCE)
        params: VideoEnrichParams | LibraryEnrichParams = VideoEnrichParams(video_ids=ids)
    elif body.filter is not None:
        through = await video_repository.newest_id(session)
        if not await video_repository.count_matching(session, body.filter.to_filter(), through_id=through):
            raise InvalidInput("no video matches the filter", loc=("body", "filter"), type_=REFERENCE)
        params = LibraryEnrichParams(only_due=False, artists=False, filter=body.filter, through_id=through)
    else:
        return await enrich_library(session, events, clock, body.only_due, user_id)
    kind = VIDEO_ENRICH if isinstance(params, VideoEnrichParams) else LIBRARY_ENRICH
    job, _created = await jobs.enqueue(session, events, kind, params, created_by=user_id, clock=clock)
    return job


# -- review ---------------------------------------------------------------------------------------


def _review_item(row: Any) -> ReviewItem:
    review: MatchReview = row[0]
    video = None
    if review.video_id is not None:
        video = {
            "id": review.video_id,
            "title": row.video_title,
            "artist": {"id": row.video_artist_id, "name": row.video_artist_name},
        }
    artist = {"id": review.artist_id, "name": row.artist_name} if review.artist_id is not None else None
    return ReviewItem.model_validate(
        {
            "id": review.id,
            "kind": "video" if review.video_id is not None else "artist",
            "video": video,
            "artist": artist,
            "query": review.query,
            "best_confidence": review.best_confidence,
            "candidates": review.candidates,
            "created_at": review.created_at,
            "updated_at": review.updated_at,
        }
    )


async def review_list(
    session: AsyncSession,
    kind: str | None,
    page: PageParams,
    *,
    video_id: int | None = None,
    artist_id: int | None = None,
) -> Page[ReviewItem]:
    rows, total = await repository.review_page(
        session,
        "video" if kind == "video" else "artist" if kind == "artist" else None,
        page.offset,
        page.page_size,
        video_id=video_id,
        artist_id=artist_id,
    )
    return Page(items=[_review_item(r) for r in rows], total=total, page=page.page, page_size=page.page_size)


# -- matching by hand -----------------------------------------------------------------------------

_VIDEO_ID_FIELD = {"imvdb": "imvdb_id", "musicbrainz": "musicbrainz_recording_id", "youtube": "youtube_id"}
_ARTIST_ID_FIELD = {
    "musicbrainz": "musicbrainz_id",
    "theaudiodb": "audiodb_id",
    "spotify": "spotify_id",
    "wikidata": "wikidata_id",
    "youtube": "youtube_channel_id",
}


async def _set_matched_id(
    session: AsyncSession, row: Video | Artist, field: str, value: Any, clock: Clock, review: ColumnElement[bool]
) -> None:
    """Set and lock the chosen id as the user's, and take the row off the review list."""
    setattr(row, field, value)
    row.locked_fields = sorted({*(row.locked_fields or ()), field})
    manual = {"provider": "user", "confidence": 1.0, "at": clock.now().isoformat()}
    row.field_provenance = {**(row.field_provenance or {}), field: manual}
    await session.execute(delete(MatchReview).where(review))
    await session.flush()


async def match_video(
    session: AsyncSession, events: EventHub, clock: Clock, video_id: int, body: VideoMatch, user_id: int | None
) -> MatchApplied:
    """Set (and lock) the chosen external id, leave the review list, and enrich from that record."""
    video = await session.get(Video, video_id)
    if video is None:
        raise VideoNotFound(video_id)
    field = _VIDEO_ID_FIELD[body.provider]
    value: Any = int(body.provider_id) if body.provider == "imvdb" else body.provider_id
    await _set_matched_id(session, video, field, value, clock, MatchReview.video_id == video_id)
    job = await enrich_video(session, events, clock, video_id, user_id)
    return MatchApplied(
        kind="video", id=video_id, provider=body.provider, provider_id=body.provider_id, field=field, job_id=job.id
    )


async def match_artist(
    session: AsyncSession, events: EventHub, clock: Clock, artist_id: int, body: ArtistMatch, user_id: int | None
) -> MatchApplied:
    artist = await get_artist(session, artist_id)
    if body.provider == "imvdb":
        field = "imvdb_id" if body.provider_id.isdigit() else "imvdb_slug"
        value: Any = int(body.provider_id) if body.provider_id.isdigit() else body.provider_id
    else:
        field, value = _ARTIST_ID_FIELD[body.provider], body.provider_id
    await _set_matched_id(session, artist, field, value, clock, MatchReview.artist_id == artist_id)
    job = await enrich_artist(session, events, clock, artist_id, user_id)
    return MatchApplied(
        kind="artist", id=artist_id, provider=body.provider, provider_id=body.provider_id, field=field, job_id=job.id
    )


# -- artist lookup --------------------------------------------------------------------------------


class _Group:
    """One artist as several providers describe it."""

    def __init__(self, first: ArtistInfo) -> None:
        self.infos = [first]

    def ids(self) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(LookupIds.model_fields)
        for info in self.infos:
            for key, value in info.ids.model_dump().items():
                if key in found and value and not found[key]:
                    found[key] = value
            own = {"musicbrainz": "musicbrainz", "imvdb": "imvdb", "spotify": "spotify", "theaudiodb": "audiodb"}
            if info.provider in own:
                found[own[info.provider]] = found[own[info.provider]] or info.provider_id
            if info.provider == "wikidata":
                found["wikidata"] = found["wikidata"] or info.provider_id
        return found

    def first(self, attribute: str) -> Any:
        for info in self.infos:
            value = getattr(info, attribute)
            if value:
                return value
        return None

    def joins(self, info: ArtistInfo) -> bool:
        mine = self.ids()
        theirs = info.ids.model_dump()
        if info.provider == "musicbrainz":
            theirs["musicbrainz"] = info.provider_id
        shared = [k for k in ("musicbrainz", "wikidata", "spotify", "audiodb") if mine.get(k) and theirs.get(k)]
        if shared:
            return all(mine[k] == theirs[k] for k in shared)
        return False


def _group(results: list[list[ArtistInfo]]) -> list[_Group]:
    """Join records that share an id; records with no shared id join a lone namesake group."""
    groups: list[_Group] = []
    pending: list[ArtistInfo] = []
    for infos in results:
        for info in infos:
            for group in groups:
                if group.joins(info):
                    group.infos.append(info)
                    break
            else:
                if info.provider == "musicbrainz" or info.ids.musicbrainz:
                    groups.append(_Group(info))
                else:
                    pending.append(info)
    for info in pending:
        namesakes = [g for g in groups if name_key(g.infos[0].name) == name_key(info.name)]
        if len(namesakes) == 1 and all(i.provider != info.provider for i in namesakes[0].infos):
            namesakes[0].infos.append(info)
        else:
            groups.append(_Group(info))
    return groups


async def lookup_artists(session: AsyncSession, providers: ProviderHub, q: str) -> ArtistLookup:
    """Search every enabled provider that finds artists; merge the answers into candidates."""
    clients = await providers.clients(Capability.SEARCH_ARTISTS)
    failed: dict[str, str] = {}

    async def search(client: Any) -> list[ArtistInfo]:
        try:
            return list(await client.search_artists(q, limit=LOOKUP_LIMIT))
        except ProviderError as exc:
            failed[client.name] = exc.reason[:300]
            return []

    # MusicBrainz first: its ids are what the others are joined on.
    clients.sort(key=lambda c: c.name != "musicbrainz")
    results = await asyncio.gather(*(search(c) for c in clients))
    groups = _group(list(results))
    mbids = [g.ids()["musicbrainz"] for g in groups if g.ids()["musicbrainz"]]
    known: dict[str, int] = {}
    if mbids:
        rows = await session.execute(select(Artist.musicbrainz_id, Artist.id).where(Artist.musicbrainz_id.in_(mbids)))
        known = {mbid: artist_id for mbid, artist_id in rows.all() if mbid}
    items: list[ArtistCandidate] = []
    for group in groups:
        ids = group.ids()
        name = group.infos[0].name
        artist_id = known.get(ids["musicbrainz"] or "")
        if artist_id is None:
            artist_id = (
                await session.scalar(
                    select(Artist.id)
                    .where(Artist.name_key == identity_key(name), Artist.disambiguation_key == "")
                    .limit(1)
                )
                if not group.first("disambiguation")
                else None
            )
        imvdb = next((i for i in group.infos if i.provider == "imvdb"), None)
        items.append(
            ArtistCandidate(
                name=name,
                disambiguation=group.first("disambiguation"),
                country=group.first("country"),
                begin_year=group.first("begin_year"),
                end_year=group.first("end_year"),
                image=next((i.images.thumb for i in group.infos if i.images.thumb), None),
                ids=LookupIds(**ids),
                video_count=imvdb.video_count if imvdb is not None else group.first("video_count"),
                providers=sorted({i.provider for i in group.infos}),
                confidence=score_artist(q, name),
                artist_id=artist_id,
            )
        )
    items.sort(key=lambda c: (-c.confidence, -len(c.providers)))
    return ArtistLookup(items=items[: LOOKUP_LIMIT * 2], failed_providers=failed)
