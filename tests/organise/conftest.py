"""Organise fixtures: a library of real files with rows for them, built straight in the database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.kit.text import fold, identity_key
from mvidarr.models import Artist, MediaFile, RootFolder, Video


@dataclass
class Library:
    db: Database
    root: Path
    root_id: int

    async def add(
        self,
        artist: str,
        title: str,
        relative: str,
        *,
        content: bytes | None = None,
        version: str = "",
        sidecars: tuple[str, ...] = (),
        artist_root_id: int | None = None,
    ) -> tuple[int, int]:
        """A video with a real file at `relative` (plus sidecar files by suffix); returns (video id, file id)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if content is not None else f"{artist}|{title}".encode())
        for suffix in sidecars:
            path.with_name(path.stem + suffix).write_text(f"sidecar {suffix} of {title}")
        async with self.db.writer() as session:
            row = (await session.execute(select(Artist).where(Artist.name == artist))).scalar()
            if row is None:
                row = Artist(
                    name=artist,
                    sort_name=artist,
                    name_key=identity_key(artist),
                    search_text=fold(artist),
                    root_folder_id=artist_root_id,
                )
                session.add(row)
                await session.flush()
            video = Video(artist_id=row.id, title=title, sort_title=title, version=version, search_text=fold(title))
            session.add(video)
            await session.flush()
            stat = path.stat()
            media = MediaFile(
                video_id=video.id,
                root_folder_id=self.root_id,
                relative_path=relative,
                size=stat.st_size,
                mtime=stat.st_mtime,
                quality_label="1080p",
                video_codec="h264",
            )
            session.add(media)
            await session.commit()
            return video.id, media.id

    async def paths(self) -> dict[int, str]:
        """media file id -> relative path, as the database has it."""
        async with self.db.reader() as session:
            rows = (await session.execute(select(MediaFile.id, MediaFile.relative_path))).all()
        return {row.id: row.relative_path for row in rows}

    def files(self) -> set[str]:
        out: set[str] = set()
        for folder, _dirs, names in os.walk(self.root):
            for name in names:
                out.add(os.path.relpath(os.path.join(folder, name), self.root))
        return out


async def make_root(db: Database, path: Path) -> int:
    path.mkdir(parents=True, exist_ok=True)
    async with db.writer() as session:
        root = RootFolder(path=str(path), name=path.name)
        session.add(root)
        await session.commit()
        return root.id


@pytest.fixture
async def library(db: Database, tmp_path: Path) -> Library:
    root = tmp_path / "library"
    return Library(db, root, await make_root(db, root))
