"""0.9.7 artists: matched by IMVDb id or name, else created; their genres; a re-run follows their changes."""

from __future__ import annotations

import functools
import posixpath
from typing import Any

from sqlalchemy import select

from mvidarr.kit.text import fold, identity_key, sort_name
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.importer import FOLLOWED, Importer, getter, thumbnail
from mvidarr.models import Artist, ArtistGenre


async def import_artists(importer: Importer) -> None:
    by_imvdb = dict(
        (await importer.session.execute(select(Artist.imvdb_id, Artist.id).where(Artist.imvdb_id.is_not(None)))).all()
    )
    by_key = dict(
        (
            await importer.session.execute(select(Artist.name_key, Artist.id).where(Artist.disambiguation_key == ""))
        ).all()
    )
    genre_rows: list[tuple[int, list[str]]] = []
    for row in importer.data.rows("artists"):
        legacy_id = row["id"]
        name = " ".join(str(row.get("name") or "").split())[:255]
        done, here_id = importer.linked("artist", legacy_id)
        if done and here_id is not None and name:
            await importer.follow_row(
                "artist",
                "artists",
                row,
                name,
                functools.partial(_artist_source, row, name),
                getter(importer.session, Artist, here_id),
                functools.partial(_update_artist, importer),
            )
            continue
        if done:
            importer.count("artists", "unchanged")
            continue
        if not name:
            importer.count("artists", "skipped", legacy_id, "", "no name")
            importer.link("artist", legacy_id, None)
            continue
        source_values = follow.recorded(row, _artist_source(row, name), FOLLOWED["artist"])
        imvdb_id = shapes.legacy_int(row.get("imvdb_id"))
        raw_imvdb = shapes.clean_text(row.get("imvdb_id"), 255)
        key = identity_key(name)
        target = by_imvdb.get(imvdb_id) if imvdb_id else None
        target = target or by_key.get(key)
        if target is not None:
            merged = target in importer.artists_this_run
            outcome = "merged" if merged else "linked"
            reason = "same artist as another 0.9.7 row" if merged else "an artist of this name or IMVDb id is here"
            await _fill_artist(importer, target, row, imvdb_id)
            importer.count("artists", outcome, legacy_id, name, reason)
            importer.link("artist", legacy_id, target, source_values)
            importer.artists_this_run.add(target)
            continue
        keywords = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
        folder = shapes.clean_text(row.get("folder_path"), 500)
        artist = Artist(
            name=name,
            sort_name=sort_name(name),
            sort_key=fold(sort_name(name))[:255],
            disambiguation="",
            name_key=key,
            disambiguation_key="",
            search_text=fold(f"{name} {sort_name(name)}")[:600],
            imvdb_id=imvdb_id,
            imvdb_slug=None if imvdb_id or raw_imvdb is None else raw_imvdb,
            spotify_id=shapes.clean_text(row.get("spotify_id"), 64),
            monitored=shapes.flag(row.get("monitored"), True),
            auto_download=shapes.flag(row.get("auto_download"), False),
            include_words=keywords,
            exclude_words=[],
            folder_name=posixpath.basename(folder.rstrip("/"))[:255] if folder else None,
            locked_fields=[],
            field_provenance={"legacy": {"provider": "MVidarr 0.9.7", "legacy_id": legacy_id, **thumbnail(row)}},
        )
        importer.session.add(artist)
        await importer.session.flush()
        reasons = []
        if raw_imvdb and not imvdb_id:
            reasons.append("IMVDb id was not a number: kept as the IMVDb slug")
        if thumbnail(row):
            importer.thumbnails += 1
        importer.count("artists", "imported", legacy_id, name, "; ".join(reasons) or None)
        importer.link("artist", legacy_id, artist.id, source_values)
        importer.artists_this_run.add(artist.id)
        by_key[key] = artist.id
        if imvdb_id:
            by_imvdb[imvdb_id] = artist.id
        genres = shapes.text_list(row.get("genres"), limit=20, max_length=100)
        if genres:
            genre_rows.append((artist.id, genres))
    await importer.genres(ArtistGenre, "artist_id", genre_rows)


async def _update_artist(importer: Importer, artist: Artist, found: follow.Changes) -> None:
    apply = found.apply
    if "name" in apply:
        name = str(apply.pop("name"))
        key = identity_key(name)
        clash = await importer.session.scalar(
            select(Artist.id).where(Artist.name_key == key, Artist.disambiguation_key == "", Artist.id != artist.id)
        )
        if clash is not None:
            found.kept["name"] = "another artist here has that name"
        else:
            artist.name, artist.sort_name, artist.name_key = name, sort_name(name), key
            artist.sort_key = fold(sort_name(name))[:255]
            artist.search_text = fold(f"{name} {sort_name(name)}")[:600]
            found.apply["name"] = name
    if apply.get("imvdb_id") is not None:
        clash = await importer.session.scalar(
            select(Artist.id).where(Artist.imvdb_id == apply["imvdb_id"], Artist.id != artist.id)
        )
        if clash is not None:
            del apply["imvdb_id"]
            found.kept["imvdb_id"] = "another artist here has that IMVDb id"
    for name, value in apply.items():
        if name != "name":
            setattr(artist, name, value)
    await importer.session.flush()


async def _fill_artist(importer: Importer, artist_id: int, row: dict[str, Any], imvdb_id: int | None) -> None:
    artist = await importer.session.get(Artist, artist_id)
    if artist is None:
        return
    if artist.imvdb_id is None and imvdb_id is not None:
        clash = await importer.session.scalar(select(Artist.id).where(Artist.imvdb_id == imvdb_id))
        if clash is None:
            artist.imvdb_id = imvdb_id
    if not artist.spotify_id:
        artist.spotify_id = shapes.clean_text(row.get("spotify_id"), 64)
    if not artist.include_words:
        artist.include_words = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
    await importer.session.flush()


def _artist_source(row: dict[str, Any], name: str) -> dict[str, Any]:
    """The followed values of a 0.9.7 artist row as the import takes them."""
    return {
        "name": name,
        "imvdb_id": shapes.legacy_int(row.get("imvdb_id")),
        "spotify_id": shapes.clean_text(row.get("spotify_id"), 64),
        "monitored": shapes.flag(row.get("monitored"), True),
        "auto_download": shapes.flag(row.get("auto_download"), False),
        "include_words": shapes.text_list(row.get("keywords"), limit=50, max_length=100),
    }
