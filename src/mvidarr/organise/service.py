"""Organising: the naming template in force, plans from the database, and the naming preview.

Applying a plan is `mvidarr.organise.moves`, crash recovery `mvidarr.organise.recovery`, placing a
new file `mvidarr.organise.placement`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from mvidarr.errors import CONTENT, InvalidInput, VideoNotFound
from mvidarr.library.walk import absolute_path
from mvidarr.models import Artist, MediaFile, RootFolder, Video, VideoKind
from mvidarr.organise.naming import (
    BRACKET_RULE,
    TOKENS,
    NamingFields,
    Template,
    TemplateError,
    parse_template,
    sample_fields,
)
from mvidarr.organise.plan import Candidate, Plan, plan_moves
from mvidarr.organise.schemas import NamingExample, NamingPreview
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.videos import repository as video_repository
from mvidarr.videos.repository import VideoFilter

log = logging.getLogger("mvidarr.organise")
Sessions = async_sessionmaker[AsyncSession]
LOAD_PAGE = 2000


async def current_template(session: AsyncSession) -> Template:
    """The saved naming template, parsed."""
    source = await runtime_settings.get(session, setting_keys.NAMING_TEMPLATE, refuse_stale=True)
    try:
        return parse_template(source)
    except TemplateError as exc:
        # The setting is validated when saved; a bad stored value is still a user-fixable problem.
        raise InvalidInput(f"library.naming_template: {exc}", loc=("library.naming_template",), type_=CONTENT) from None


# What the naming template can use of a video and its artist (the file's quality and codec aside):
# the one query behind planning, placing and the preview.
NAMING_COLUMNS = (
    Video.title,
    Video.version,
    Video.year,
    Video.album,
    Video.kind,
    Video.imvdb_id,
    Video.youtube_id,
    Artist.name.label("artist_name"),
    Artist.sort_name.label("artist_sort"),
)
# The file's part, with MediaFile joined (planning, preview).
FILE_NAMING_COLUMNS = (MediaFile.quality_label, MediaFile.video_codec)


def naming_fields(row: Any) -> NamingFields:
    """The template's fields from a row selected with `NAMING_COLUMNS` (and maybe `FILE_NAMING_COLUMNS`)."""
    mapping = row._mapping
    return NamingFields(
        artist=row.artist_name,
        artist_sort=row.artist_sort,
        title=row.title,
        version=row.version or "",
        year=row.year,
        album=row.album,
        kind=row.kind or "",
        quality=mapping.get("quality_label"),
        video_codec=mapping.get("video_codec"),
        imvdb_id=row.imvdb_id,
        youtube_id=row.youtube_id,
    )


async def load_candidates(
    session: AsyncSession,
    *,
    video_ids: Sequence[int] | None = None,
    artist_ids: Sequence[int] | None = None,
    root_folder_id: int | None = None,
    flt: VideoFilter | None = None,
) -> list[Candidate]:
    """The current, present file of every selected video (all videos when no selection), read in pages."""
    target = aliased(RootFolder)
    where: list[ColumnElement[bool]] = [
        MediaFile.is_current.is_(True),
        MediaFile.video_id.is_not(None),
        MediaFile.missing_at.is_(None),
    ]
    if video_ids is not None:
        where.append(MediaFile.video_id.in_(list(video_ids)))
    if artist_ids is not None:
        where.append(Video.artist_id.in_(list(artist_ids)))
    if root_folder_id is not None:
        where.append(MediaFile.root_folder_id == root_folder_id)
    query = (
        select(
            MediaFile.id,
            MediaFile.video_id,
            MediaFile.root_folder_id,
            MediaFile.relative_path,
            MediaFile.relative_path_bytes,
            RootFolder.path.label("root_path"),
            target.id.label("target_id"),
            target.path.label("target_path"),
            *NAMING_COLUMNS,
            *FILE_NAMING_COLUMNS,
        )
        .join(Video, Video.id == MediaFile.video_id)
        .join(Artist, Artist.id == Video.artist_id)
        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
        .outerjoin(target, target.id == Artist.root_folder_id)
        .where(*where)
        .order_by(MediaFile.id)
        .limit(LOAD_PAGE)
    )
    if flt is not None:
        query = video_repository.matching(query, flt, file_joined=True)
    out: list[Candidate] = []
    last = 0
    while True:
        rows = (await session.execute(query.where(MediaFile.id > last))).all()
        for row in rows:
            path = absolute_path(row.root_path, row.relative_path, row.relative_path_bytes)
            out.append(
                Candidate(
                    media_file_id=row.id,
                    video_id=row.video_id,
                    root_folder_id=row.root_folder_id,
                    root_path=row.root_path,
                    path=path,
                    target_root_id=row.target_id if row.target_id is not None else row.root_folder_id,
                    target_root_path=row.target_path if row.target_id is not None else row.root_path,
                    fields=naming_fields(row),
                )
            )
        if len(rows) < LOAD_PAGE:
            return out
        last = rows[-1].id


async def make_plan(
    reader: Sessions,
    *,
    video_ids: Sequence[int] | None = None,
    artist_ids: Sequence[int] | None = None,
    root_folder_id: int | None = None,
    flt: VideoFilter | None = None,
) -> Plan:
    """The organise plan for a selection (everything when no selection), from the saved template."""
    async with reader() as session:
        template = await current_template(session)
        candidates = await load_candidates(
            session, video_ids=video_ids, artist_ids=artist_ids, root_folder_id=root_folder_id, flt=flt
        )
    return await asyncio.to_thread(plan_moves, template, candidates)


async def preview_naming(session: AsyncSession, source: str | None, video_ids: Sequence[int] | None) -> NamingPreview:
    """What a template (or the saved one) gives for some videos; an invalid template is a precise 422."""
    if source is None:
        source = await runtime_settings.get(session, setting_keys.NAMING_TEMPLATE, refuse_stale=True)
    try:
        template = parse_template(source)
    except TemplateError as exc:
        raise InvalidInput(str(exc), loc=("body", "template"), type_=CONTENT) from None
    examples: list[NamingExample] = []
    chosen = list(video_ids or []) or await _preview_video_ids(session)
    if chosen:
        rows = (
            await session.execute(
                select(Video.id, *NAMING_COLUMNS, *FILE_NAMING_COLUMNS)
                .join(Artist, Artist.id == Video.artist_id)
                .outerjoin(MediaFile, (MediaFile.video_id == Video.id) & MediaFile.is_current.is_(True))
                .where(Video.id.in_(chosen))
                .order_by(Video.id)
            )
        ).all()
        found = {row.id for row in rows}
        missing = [v for v in chosen if v not in found]
        if missing:
            raise VideoNotFound(missing[0])
        for row in rows:
            fields = naming_fields(row)
            examples.append(
                NamingExample(
                    video_id=row.id, artist=fields.artist, title=fields.title, path=template.render_path(fields)
                )
            )
    else:
        examples = [
            NamingExample(video_id=None, artist=f.artist, title=f.title, path=template.render_path(f))
            for f in sample_fields()
        ]
    return NamingPreview(
        template=source,
        tokens=list(TOKENS),
        examples=examples,
        examples_from="library" if chosen else "samples",
        bracket_rule=BRACKET_RULE,
    )


PREVIEW_VIDEOS = 8


async def _preview_video_ids(session: AsyncSession) -> list[int]:
    """Some of the user's own videos with a file, those a template can get wrong first: with a
    version, or a kind other than official."""
    plain = (Video.version.is_(None) | (Video.version == "")) & (Video.kind == VideoKind.OFFICIAL)
    has_file = select(MediaFile.id).where(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True)).exists()
    stmt = select(Video.id).where(has_file).order_by(plain, Video.id).limit(PREVIEW_VIDEOS)
    return list((await session.execute(stmt)).scalars())
