"""The organise API: naming preview (and its 422s), the organize job (dry run and apply), the NFO job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobStatus
from mvidarr.organise.nfo_read import parse_artist_nfo, read_nfo
from tests.jobs.helpers import wait_for
from tests.library.conftest import FAST
from tests.organise.conftest import Library

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=2, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


async def test_preview_samples_and_given_videos(client: httpx.AsyncClient, library: Library) -> None:
    samples = await client.post(
        "/api/v1/library/naming/preview", json={"template": "{artist}/{title}[ ({version})] [{quality}]"}
    )
    assert samples.status_code == 200, samples.text
    body = samples.json()
    assert body["examples_from"] == "samples"  # no video with a file yet
    assert "[[ and ]]" in body["bracket_rule"]
    assert body["examples"][0] == {
        "video_id": None,
        "artist": "AC/DC",
        "title": "Thunderstruck",
        "path": "AC-DC/Thunderstruck 1080p",
    }
    assert "youtube_id" in body["tokens"]
    video_id, _ = await library.add("AC/DC", "Thunderstruck", "a.mkv", version="Live")
    own = (await client.post("/api/v1/library/naming/preview", json={"template": "{artist}/{title}"})).json()
    assert own["examples_from"] == "library"  # the user's own files once there are some
    assert [e["video_id"] for e in own["examples"]] == [video_id]
    response = await client.post("/api/v1/library/naming/preview", json={"video_ids": [video_id]})
    assert response.status_code == 200, response.text
    assert response.json()["template"] == "{artist}/{artist} - {title}[ ({version})][ ({kind_label})]"
    assert response.json()["examples"] == [
        {
            "video_id": video_id,
            "artist": "AC/DC",
            "title": "Thunderstruck",
            "path": "AC-DC/AC-DC - Thunderstruck (Live)",
        }
    ]
    missing = await client.post("/api/v1/library/naming/preview", json={"video_ids": [video_id + 1000]})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{artist}/{titel}", "unknown token {titel} (did you mean {title}?)"),
        ("{artist}/[{title}", "'[' is never closed with ']' (at character 10)"),
        ("/{artist}/{title}", "relative to the root folder"),
        ("{artist}/../{title}", "'..' is not allowed as a folder name (at character 10)"),
    ],
)
async def test_preview_rejects_invalid_templates_precisely(
    client: httpx.AsyncClient, template: str, message: str
) -> None:
    response = await client.post("/api/v1/library/naming/preview", json={"template": template})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert message in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "template"]


async def test_saving_an_invalid_template_setting_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/v1/settings", json={"library.naming_template": "{artist}/{nope}"})
    assert response.status_code == 422, response.text
    assert "unknown token {nope}" in response.text
    ok = await client.patch("/api/v1/settings", json={"library.naming_template": "{artist}/{title}[ ({year})]"})
    assert ok.status_code == 200, ok.text


async def test_organize_dry_run_then_apply(
    client: httpx.AsyncClient, db: Database, library: Library, runner: Runner
) -> None:
    _, media_id = await library.add("Sigur Rós", "Hoppípolla", "in/h.mkv", sidecars=(".nfo",))
    response = await client.post("/api/v1/library/organize", json={"dry_run": True})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["dry_run"] is True
    assert job.result["conflicts"] == []
    assert job.result["moves"] == [
        {
            "media_file_id": media_id,
            "video_id": job.result["moves"][0]["video_id"],
            "from_root_folder_id": library.root_id,
            "from": "in/h.mkv",
            "to_root_folder_id": library.root_id,
            "to": "Sigur Rós/Sigur Rós - Hoppípolla.mkv",
            "sidecars": ["Sigur Rós/Sigur Rós - Hoppípolla.nfo"],
        }
    ]
    assert library.files() == {"in/h.mkv", "in/h.nfo"}

    response = await client.post("/api/v1/library/organize", json={})
    job = await wait_for(db, response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["moved"] == 1
    assert job.result["sidecars_moved"] == 1
    assert library.files() == {"Sigur Rós/Sigur Rós - Hoppípolla.mkv", "Sigur Rós/Sigur Rós - Hoppípolla.nfo"}
    assert (await library.paths())[media_id] == "Sigur Rós/Sigur Rós - Hoppípolla.mkv"


async def test_organize_rejects_bad_selection(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/library/organize", json={"video_ids": [0], "dry_run": True})
    assert response.status_code == 422
    response = await client.post("/api/v1/library/organize", json={"everything": True})
    assert response.status_code == 422


async def test_nfo_job_writes_video_and_artist_files(
    client: httpx.AsyncClient, db: Database, library: Library, runner: Runner
) -> None:
    await library.add("Björk & Friends", "Army of Me <Live>", "Björk & Friends/Björk - Army of Me.mkv")
    response = await client.post("/api/v1/library/nfo", json={})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["videos"] == 1
    assert job.result["artists"] == 1
    info = read_nfo(str(library.root / "Björk & Friends/Björk - Army of Me.mkv"))
    assert info is not None
    assert info.title == "Army of Me <Live>"
    assert info.artists == ["Björk & Friends"]
    assert info.streams is not None
    assert info.streams.video_codec == "h264"
    artist = parse_artist_nfo((library.root / "Björk & Friends/artist.nfo").read_bytes())
    assert artist is not None
    assert artist.name == "Björk & Friends"
    assert Path(library.root / "Björk & Friends/Björk - Army of Me.nfo").is_file()


async def test_metadata_edits_queue_one_delayed_nfo_refresh_when_nfo_writing_is_on(
    client: httpx.AsyncClient, db: Database
) -> None:
    artist = (await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Moby"})).json()
    video = (await client.post("/api/v1/videos", json={"artist_id": artist["id"], "title": "Porcelain"})).json()

    async def refresh_jobs() -> list[Any]:
        async with db.reader() as session:
            return list((await session.execute(select(Job).where(Job.type == "nfo.refresh"))).scalars())

    assert (await client.patch(f"/api/v1/videos/{video['id']}", json={"year": 2000})).status_code == 200
    assert await refresh_jobs() == []  # NFO writing is off by default
    assert (await client.patch("/api/v1/settings", json={"library.write_nfo": True})).status_code == 200
    assert (await client.patch(f"/api/v1/videos/{video['id']}", json={"year": 1999})).status_code == 200
    assert (await client.patch(f"/api/v1/artists/{artist['id']}", json={"country": "US"})).status_code == 200
    [job] = await refresh_jobs()
    assert job.status == JobStatus.QUEUED
    assert job.run_after is not None
    assert job.run_after > job.created_at
