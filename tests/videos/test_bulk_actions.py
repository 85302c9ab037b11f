"""Bulk actions of the videos page through the API: a selection by ids or by the list's filters (the server
finds the videos) for delete to the trash, edit, enrich, download and organise. Small selections act in the
request; large ones (thousands of videos) run as jobs that carry the filter, never the ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import AuditEvent, Job, JobStatus, Role, TrashEntry, TrashState, Video, VideoRemoval
from mvidarr.providers.hub import ProviderHub
from tests.conftest import ClientAs
from tests.factories import make_artist, make_video
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake
from tests.jobs.helpers import wait_for
from tests.library.conftest import FAST
from tests.organise.conftest import Library, library

pytestmark = pytest.mark.anyio
__all__ = ["fake_upstream", "fake_upstream_server", "library", "provider_hub_on_fake"]  # fixtures, used by name


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


async def _start_runner(app: Any, db: Database, settings: Settings, providers: ProviderHub) -> Runner:
    worker = Runner(db, app.state.events, settings, providers=providers, slots=2, run_schedules=False)
    await worker.start()
    return worker


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = await _start_runner(app, db, settings, app.state.providers)
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


async def _many_videos(db: Database, artist_id: int, count: int, title: str = "Song") -> None:
    async with db.writer() as session:
        await session.execute(
            insert(Video),
            [
                {
                    "artist_id": artist_id,
                    "title": f"{title} {i}",
                    "sort_title": f"{title} {i}",
                    "search_text": f"{title.lower()} {i}",
                }
                for i in range(count)
            ],
        )
        await session.commit()


async def _count(db: Database, *where: Any) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Video).where(*where)) or 0)


async def _audit(db: Database, action: str) -> list[dict[str, Any]]:
    async with db.reader() as session:
        rows = await session.execute(select(AuditEvent.details).where(AuditEvent.action == action))
        return [dict(details or {}) for (details,) in rows]


# ----------------------------------------------------------------- delete to the trash


async def test_delete_by_ids_moves_files_to_the_trash(
    client: httpx.AsyncClient, db: Database, library: Library
) -> None:
    first, _ = await library.add("Björk", "Hyperballad", "Björk/Hyperballad.mkv", sidecars=(".nfo",))
    second, _ = await library.add("Björk", "Joga", "Björk/Joga.mkv")
    kept, _ = await library.add("Björk", "Bachelorette", "Björk/Bachelorette.mkv")
    artist_id = (await client.get(f"/api/v1/videos/{first}")).json()["artist"]["id"]
    wanted = await make_video(client, artist_id, "Army of Me")  # no file: only the row goes

    response = await client.post(
        "/api/v1/videos/delete", json={"ids": [first, second, wanted["id"], first, 999_999], "delete_files": True}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 3, "deleted": 3, "files": 2, "job": None}
    for video_id in (first, second, wanted["id"]):
        assert (await client.get(f"/api/v1/videos/{video_id}")).status_code == 404
    assert (await client.get(f"/api/v1/videos/{kept}")).status_code == 200
    assert library.files() - {p for p in library.files() if p.startswith(".mvidarr-trash/")} == {
        "Björk/Bachelorette.mkv"
    }
    trash = (await client.get("/api/v1/trash")).json()
    assert sorted(e["original_path"] for e in trash["items"]) == ["Björk/Hyperballad.mkv", "Björk/Joga.mkv"]
    assert {e["reason"] for e in trash["items"]} == {"video.deleted"}
    [details] = await _audit(db, "videos.bulk_deleted")
    assert (details["count"], details["trashed_files"]) == (3, 2)
    async with db.reader() as session:
        removed = set((await session.execute(select(VideoRemoval.title))).scalars())
    assert removed == {"Hyperballad", "Joga", "Army of Me"}, "discovery will not add them again"


async def test_delete_by_filter_keeps_files_unless_asked(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Moby")
    other = await make_artist(client, "Air")
    for title in ("Porcelain", "Natural Blues", "Honey"):
        await make_video(client, artist["id"], title, year=1999)
    await make_video(client, artist["id"], "Extreme Ways", year=2002)
    await make_video(client, other["id"], "Sexy Boy", year=1998)
    response = await client.post(
        "/api/v1/videos/delete", json={"filter": {"q": "moby", "year_min": 1995, "year_max": 2000}}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 3, "deleted": 3, "files": 0, "job": None}
    titles = {v["title"] for v in (await client.get("/api/v1/videos")).json()["items"]}
    assert titles == {"Extreme Ways", "Sexy Boy"}


async def test_a_large_delete_by_filter_is_a_job_up_to_the_newest_video_when_asked(
    app: Any, client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    artist = await make_artist(client, "Prolific")
    await _many_videos(db, artist["id"], 250)
    bystander = await make_video(client, (await make_artist(client, "Other"))["id"], "Song 1")
    response = await client.post("/api/v1/videos/delete", json={"filter": {"artist_id": artist["id"]}})
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["matched"], body["deleted"], body["files"]) == (250, None, None)
    assert body["job"]["type"] == "library.bulk_delete"
    assert "ids" not in body["job"]["params"] or body["job"]["params"]["ids"] == []
    assert body["job"]["params"]["filter"]["artist_id"] == artist["id"]
    late = await make_video(client, artist["id"], "Added after the request")
    worker = await _start_runner(app, db, settings, app.state.providers)
    try:
        job = await wait_for(db, body["job"]["id"], within_s=60)
    finally:
        await worker.stop(grace_s=2.0)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result == {"deleted": 250, "files": 0}
    assert await _count(db, Video.artist_id == artist["id"]) == 1
    assert (await client.get(f"/api/v1/videos/{late['id']}")).status_code == 200
    assert (await client.get(f"/api/v1/videos/{bystander['id']}")).status_code == 200
    assert [d["count"] for d in await _audit(db, "videos.bulk_deleted")] == [100, 100, 50], "a batch of 100 each"


async def test_a_large_delete_by_ids_moves_files_in_batches(
    client: httpx.AsyncClient, db: Database, library: Library, runner: Runner
) -> None:
    ids = [(await library.add("Daft Punk", f"Track {n}", f"dp/{n}.mkv"))[0] for n in range(105)]
    response = await client.post("/api/v1/videos/delete", json={"ids": ids, "delete_files": True})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["job"]["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result == {"deleted": 105, "files": 105}
    assert {p.split("/", 1)[0] for p in library.files()} == {".mvidarr-trash"}
    async with db.reader() as session:
        states = list((await session.execute(select(TrashEntry.state))).scalars())
    assert states == [TrashState.TRASHED] * 105


async def test_permanent_delete_needs_an_admin(
    client: httpx.AsyncClient, client_as: ClientAs, library: Library
) -> None:
    video_id, _ = await library.add("Portishead", "Roads", "p/roads.mkv")
    manager = await client_as(Role.MANAGER)
    refused = await manager.post("/api/v1/videos/delete", json={"ids": [video_id], "permanent": True})
    assert refused.status_code == 403, refused.text
    assert library.files() == {"p/roads.mkv"}
    done = await client.post("/api/v1/videos/delete", json={"ids": [video_id], "permanent": True})
    assert done.status_code == 200, done.text
    assert done.json()["files"] == 1
    assert library.files() == set()
    assert (await client.get("/api/v1/trash")).json()["total"] == 0


@pytest.mark.parametrize("role", [Role.READONLY, Role.USER])
async def test_only_managers_delete(client: httpx.AsyncClient, client_as: ClientAs, role: Role) -> None:
    video = await make_video(client, (await make_artist(client, "Air"))["id"], "Kelly Watch the Stars")
    other = await client_as(role)
    response = await other.post("/api/v1/videos/delete", json={"ids": [video["id"]]})
    assert response.status_code == 403, response.text
    assert (await client.get(f"/api/v1/videos/{video['id']}")).status_code == 200


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body"]),
        ({"ids": [1], "filter": {}}, ["body"]),
        ({"ids": []}, ["body", "ids"]),
        ({"ids": [0]}, ["body", "ids", 0]),
        ({"ids": [999_999]}, ["body", "ids"]),
        ({"filter": {"status": ["lost"]}}, ["body", "filter", "status", 0]),
        ({"filter": {"quality_label": ["4K"]}}, ["body", "filter", "quality_label", 0]),
        ({"filter": {"q": "nothing like this"}}, ["body", "filter"]),
        ({"ids": [1], "delete_files": "maybe"}, ["body", "delete_files"]),
    ],
)
async def test_bad_deletes_are_422_and_delete_nothing(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], loc: list[Any]
) -> None:
    await make_video(client, (await make_artist(client, "Air"))["id"], "Playground Love")
    response = await client.post("/api/v1/videos/delete", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == loc
    assert await _count(db) == 1


# ----------------------------------------------------------------- edit


async def test_edit_by_filter_of_20000_videos_runs_as_a_job_carrying_the_filter(
    client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    artist = await make_artist(client, "Enormous")
    await _many_videos(db, artist["id"], 20_000)
    await make_video(client, artist["id"], "Already ignored", status="ignored")
    response = await client.patch(
        "/api/v1/videos",
        json={"filter": {"artist_id": artist["id"], "status": ["wanted"]}, "set": {"status": "ignored"}},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["matched"], body["updated"]) == (20_000, None)
    params = body["job"]["params"]
    assert params["ids"] == [], "20,000 ids would outgrow a job's params"
    assert params["filter"]["status"] == ["wanted"]
    job = await wait_for(db, body["job"]["id"], within_s=120)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result == {"updated": 20_000}
    assert await _count(db, Video.status == "ignored") == 20_001
    assert len(await _audit(db, "videos.bulk_edited")) == 40, "batches of 500, each audited"


async def test_edit_by_the_quality_label_filter(client: httpx.AsyncClient, db: Database, library: Library) -> None:
    hd, _ = await library.add("Massive Attack", "Teardrop", "m/teardrop.mkv")  # 1080p
    sd = await make_video(client, (await client.get(f"/api/v1/videos/{hd}")).json()["artist"]["id"], "Angel")
    response = await client.patch(
        "/api/v1/videos", json={"filter": {"quality_label": ["1080p"]}, "set": {"genres_add": ["Trip Hop"]}}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 1, "updated": 1, "job": None}
    assert (await client.get(f"/api/v1/videos/{hd}")).json()["genres"] == ["Trip Hop"]
    assert (await client.get(f"/api/v1/videos/{sd['id']}")).json()["genres"] == []


# ----------------------------------------------------------------- download, enrich, organise


async def test_download_a_selection_by_the_list_filters(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    (tmp_path / "library").mkdir()  # downloads need somewhere to go
    assert (await client.post("/api/v1/root-folders", json={"path": str(tmp_path / "library")})).status_code == 201
    artist = await make_artist(client, "Orbital")
    chime = await make_video(client, artist["id"], "Chime", year=1989)
    await make_video(client, artist["id"], "Halcyon", year=1992)
    ignored = await make_video(client, artist["id"], "Belfast", year=1991, status="ignored")
    response = await client.post("/api/v1/videos/download", json={"selection": {"q": "orbital", "year_max": 1991}})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["type"] == "video.download_bulk"
    assert sorted(job["params"]["video_ids"]) == sorted([chime["id"], ignored["id"]]), "the list's filters, as shown"
    for body in ({"selection": {"q": "nobody"}}, {"selection": {}, "video_ids": [chime["id"]]}):
        refused = await client.post("/api/v1/videos/download", json=body)
        assert refused.status_code == 422, refused.text


async def test_download_selection_over_the_limit_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Too Many")
    await _many_videos(db, artist["id"], 5001)
    response = await client.post("/api/v1/videos/download", json={"selection": {"artist_id": artist["id"]}})
    assert response.status_code == 422, response.text
    assert "more than 5000" in response.json()["detail"]
    async with db.reader() as session:
        queued = await session.scalar(select(func.count()).select_from(Job).where(Job.type == "video.download_bulk"))
    assert queued == 0


async def test_enrich_given_videos_is_one_job(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Daft Punk")
    videos = [await make_video(client, artist["id"], t) for t in ("Da Funk", "Around the World")]
    ids = [v["id"] for v in videos]
    response = await client.post("/api/v1/metadata/enrich", json={"video_ids": ids})
    assert response.status_code == 202, response.text
    assert (response.json()["type"], response.json()["params"]) == ("video.enrich", {"video_ids": ids})
    missing = await client.post("/api/v1/metadata/enrich", json={"video_ids": [ids[0], 999_999]})
    assert missing.status_code == 422, missing.text
    assert missing.json()["errors"][0]["loc"] == ["body", "video_ids"]


async def test_enrich_by_filter_spawns_batches_of_the_matching_videos_only(
    app: Any, client: httpx.AsyncClient, db: Database, settings: Settings, provider_hub_on_fake: Any
) -> None:
    await client.patch("/api/v1/settings", json={"metadata.batch_size": 2})
    artist = (await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Daft Punk"})).json()
    chosen = [await make_video(client, artist["id"], t, year=1997) for t in ("Da Funk", "Around the World", "Burnin")]
    await make_video(client, artist["id"], "Get Lucky", year=2013)
    response = await client.post("/api/v1/metadata/enrich", json={"filter": {"year_max": 2000}})
    assert response.status_code == 202, response.text
    assert response.json()["type"] == "library.enrich"
    assert response.json()["params"]["filter"]["year_max"] == 2000
    worker = await _start_runner(app, db, settings, provider_hub_on_fake)
    try:
        parent = await wait_for(db, response.json()["id"], within_s=90)
    finally:
        await worker.stop(grace_s=2.0)
    assert parent.status == JobStatus.SUCCEEDED, (parent.error, parent.error_detail)
    assert parent.result is not None
    assert {k: parent.result[k] for k in ("artists", "videos", "jobs")} == {"artists": 0, "videos": 3, "jobs": 2}
    async with db.reader() as session:
        children = (await session.scalars(select(Job).where(Job.parent_id == parent.id).order_by(Job.id))).all()
    assert [c.type for c in children] == ["video.enrich", "video.enrich"]
    assert sorted(i for c in children for i in c.params["video_ids"]) == sorted(v["id"] for v in chosen)


@pytest.mark.parametrize(
    "body",
    [
        {"video_ids": [1], "filter": {}},
        {"filter": {}, "only_due": True},
        {"video_ids": []},
        {"filter": {"q": "nothing matches this"}},
        {"filter": {"kind": ["karaoke"]}},
    ],
)
async def test_bad_enrich_selections_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    await make_video(client, (await make_artist(client, "Air"))["id"], "Sexy Boy")
    response = await client.post("/api/v1/metadata/enrich", json=body)
    assert response.status_code == 422, response.text
    types = {job["type"] for job in (await client.get("/api/v1/jobs")).json()["items"]}
    assert not types & {"video.enrich", "library.enrich"}


async def test_organise_the_videos_a_filter_matches(
    client: httpx.AsyncClient, db: Database, library: Library, runner: Runner
) -> None:
    await library.add("Sigur Rós", "Hoppípolla", "in/h.mkv")
    await library.add("Sigur Rós", "Glósóli", "in/g.mkv")
    await library.add("Múm", "Green Grass of Tunnel", "in/m.mkv")
    response = await client.post("/api/v1/library/organize", json={"filter": {"q": "sigur"}})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result is not None
    assert job.result["moved"] == 2
    assert library.files() == {
        "Sigur Rós/Sigur Rós - Hoppípolla.mkv",
        "Sigur Rós/Sigur Rós - Glósóli.mkv",
        "in/m.mkv",
    }
    refused = await client.post("/api/v1/library/organize", json={"filter": {}, "video_ids": [1]})
    assert refused.status_code == 422, refused.text
