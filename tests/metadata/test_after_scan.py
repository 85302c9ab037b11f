"""Enrichment after a scan, when `metadata.enrich_after_scan` is on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.models import Job
from tests.fixtures.media import make_clip
from tests.library.conftest import TINY, put
from tests.metadata.conftest import finished, set_settings

pytestmark = pytest.mark.anyio


async def test_a_scan_that_finds_videos_enriches_them(
    client: httpx.AsyncClient, db: Database, runner: Any, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clips", TINY)
    library = tmp_path / "library"
    put(library, "Daft Punk/Daft Punk - Around the World (Official Video).mp4", clip)
    root = (await client.post("/api/v1/root-folders", json={"path": str(library)})).json()
    await set_settings(client, **{"metadata.enrich_after_scan": True})
    scan = await finished(db, await client.post("/api/v1/library/scan", json={"root_folder_id": root["id"]}), 90)
    async with db.reader() as session:
        children = (await session.scalars(select(Job.type).where(Job.parent_id == scan.id))).all()
    assert "library.enrich" in children
    videos = (await client.get("/api/v1/videos")).json()["items"]
    body = (await client.get(f"/api/v1/videos/{videos[0]['id']}")).json()
    assert body["directors"] == ["Michel Gondry"]
    assert body["last_enriched_at"] is not None

    # Off (the default), a scan enriches nothing.
    await set_settings(client, **{"metadata.enrich_after_scan": None})
    put(library, "Björk/Björk - All Is Full of Love.mp4", clip)
    again = await finished(db, await client.post("/api/v1/library/scan", json={"root_folder_id": root["id"]}), 90)
    async with db.reader() as session:
        assert (await session.scalars(select(Job.type).where(Job.parent_id == again.id))).all() == []
