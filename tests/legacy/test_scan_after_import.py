"""A scan after the import probes the linked files and keeps them on the imported videos: it creates
no artist or video of its own (0.9.7's folder "AC_DC" must not become an artist)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.auth.passwords import Passwords
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import service as legacy
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.source import LegacySource
from mvidarr.models import Artist, MediaFile, Video
from mvidarr.network.policy import NetworkPolicy
from tests.fixtures.legacy097 import LegacyDatabase, Realistic
from tests.fixtures.media import ClipSpec, make_clip
from tests.library.conftest import scan_ok

pytestmark = pytest.mark.anyio
TINY = ClipSpec("tiny.mp4", "mp4", "libx264", "aac", 160, 90, seconds=0.5)


async def test_scan_after_import_links_not_doubles(
    client: httpx.AsyncClient,
    app: Any,
    db: Database,
    runner: Runner,
    settings: Settings,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path, TINY)
    for path in realistic.library.rglob("*.m*"):
        shutil.copyfile(clip, path)  # real videos the scan can probe, where 0.9.7 kept them
    added = await client.post("/api/v1/root-folders", json={"path": str(realistic.library)})
    assert added.status_code == 201, added.text
    root_id = added.json()["id"]
    source = LegacySource.parse(legacy_db.url)
    passwords = Passwords(settings)
    try:
        await legacy.import_legacy(
            db,
            source,
            address=source.host,
            path_maps=[PathMap.parse(f"data/musicvideos={realistic.library}")],
            dry_run=False,
            sealer=Sealer.from_secret(settings.resolve_secret_key()),
            hash_password=passwords.hash,
            policy=NetworkPolicy.allowing([]),
        )
    finally:
        passwords.close()
    async with db.reader() as session:
        artists = await session.scalar(select(func.count()).select_from(Artist))
        videos = await session.scalar(select(func.count()).select_from(Video))
    result = await scan_ok(client, db, root_id)
    assert result["matched"] == 4, result
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Artist)) == artists
        assert await session.scalar(select(func.count()).select_from(Video)) == videos
        probed = (await session.execute(select(MediaFile.video_id, MediaFile.width, MediaFile.is_current))).all()
    assert len(probed) == 4
    assert all(video_id is not None and width == 160 and current for video_id, width, current in probed)
