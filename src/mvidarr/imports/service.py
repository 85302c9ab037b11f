"""Import lists: read a list of artists, match it against the library, add the new ones (monitored per
setting) and start their enrichment."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import service as artists
from mvidarr.artists.schemas import ArtistCreate
from mvidarr.discovery.settings import IMPORT_MONITORED
from mvidarr.events.hub import EventHub
from mvidarr.imports.schemas import ArtistImport, ImportedArtist, ImportResult, ListedArtist
from mvidarr.jobs import registry
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.text import identity_key
from mvidarr.models import Artist
from mvidarr.settings import service as runtime_settings

ENRICH = "artist.enrich"
_MBID_LENGTH = 36


async def _existing(session: AsyncSession, listed: ListedArtist) -> int | None:
    checks: list[ColumnElement[bool]] = [
        (Artist.name_key == identity_key(listed.name)) & (Artist.disambiguation_key == "")
    ]
    if listed.musicbrainz_id:
        checks.append(Artist.musicbrainz_id == listed.musicbrainz_id)
    if listed.spotify_id:
        checks.append(Artist.spotify_id == listed.spotify_id)
    return await session.scalar(select(Artist.id).where(or_(*checks)).order_by(Artist.id).limit(1))


def _create(listed: ListedArtist, monitored: bool) -> ArtistCreate | None:
    mbid = listed.musicbrainz_id if listed.musicbrainz_id and len(listed.musicbrainz_id) == _MBID_LENGTH else None
    try:
        return ArtistCreate(name=listed.name, musicbrainz_id=mbid, spotify_id=listed.spotify_id, monitored=monitored)
    except ValidationError:
        return None  # a name or id the library cannot hold (empty, too long): skipped


async def import_artists(
    session: AsyncSession,
    events: EventHub,
    clock: Clock,
    body: ArtistImport,
    listed: list[ListedArtist],
    user_id: int | None,
) -> ImportResult:
    monitored = await runtime_settings.get(session, IMPORT_MONITORED)
    result: list[ImportedArtist] = []
    seen: set[str] = set()
    added: list[int] = []
    for entry in listed:
        key = identity_key(entry.name)
        if not key or key in seen:
            continue
        seen.add(key)
        existing = await _existing(session, entry)
        if existing is not None:
            result.append(ImportedArtist(**entry.model_dump(), action="existing", artist_id=existing))
            continue
        data = _create(entry, monitored)
        if data is None:
            continue
        artist_id = None
        if not body.dry_run:
            artist_id = (await artists.create_artist(session, data)).id
            added.append(artist_id)
        result.append(ImportedArtist(**entry.model_dump(), action="add", artist_id=artist_id))
    enrich_job_id = None
    if added and ENRICH in registry.REGISTRY:
        job, _created = await jobs.enqueue(
            session, events, ENRICH, {"artist_ids": added[:1000]}, created_by=user_id, clock=clock
        )
        enrich_job_id = job.id
    return ImportResult(
        source=body.source,
        dry_run=body.dry_run,
        added=sum(1 for a in result if a.action == "add"),
        existing=sum(1 for a in result if a.action == "existing"),
        artists=result,
        enrich_job_id=enrich_job_id,
    )
