"""Play positions are buffered per process and written together (decision 0059): a report waits in
the buffer, the caller's reads see it at once, a finish is written at once, shutdown writes what is
left, and an older position written late by another process does not undo a finish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.models import PlayEvent, User, WatchState
from mvidarr.watch import repository
from tests.conftest import DatabaseTarget, access_token, http_client
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Longer than any test: only an explicit flush, a read of the user's own, a finish or shutdown writes.
    return settings.model_copy(update={"progress_flush_s": 60.0})


@asynccontextmanager
async def another_process(settings: Settings, target: DatabaseTarget, **changes: Any) -> AsyncIterator[Any]:
    """A second app instance on the same database, as another API process is."""
    database = target.connect()
    application = create_app(settings.model_copy(update=changes), database=database)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await database.dispose()


async def _video(client: httpx.AsyncClient, artist_name: str = "Portishead") -> int:
    artist = await make_artist(client, artist_name)
    return int((await make_video(client, artist["id"], "Glory Box"))["id"])


async def _play(client: httpx.AsyncClient, video_id: int) -> int:
    started = await client.post("/api/v1/history/plays", json={"video_id": video_id})
    assert started.status_code == 201, started.text
    return int(started.json()["id"])


async def _report(client: httpx.AsyncClient, play_id: int, **body: Any) -> None:
    response = await client.patch(f"/api/v1/history/plays/{play_id}", json=body)
    assert response.status_code == 204, response.text


async def _stored(db: Database, play_id: int) -> tuple[float, bool, float, float | None, bool]:
    """The play's position and finished flag, and its user's resume position, duration and watched flag."""
    async with db.reader() as session:
        play = (await session.execute(select(PlayEvent).where(PlayEvent.id == play_id))).scalar_one()
        state = (
            await session.execute(
                select(WatchState).where(WatchState.user_id == play.user_id, WatchState.video_id == play.video_id)
            )
        ).scalar_one()
        return play.position_s, play.completed, state.position_s, state.duration_s, state.watched


async def test_reports_wait_in_the_buffer_and_are_written_in_two_statements(
    app: Any, client: httpx.AsyncClient, db: Database, count_statements: Any
) -> None:
    first = await _play(client, await _video(client))
    second = await _play(client, await _video(client, "Massive Attack"))
    await _report(client, first, position_s=10, duration_s=300)
    await _report(client, second, position_s=5)
    count_statements.statements.clear()
    await _report(client, first, position_s=20)  # known plays: no statement at all
    await _report(client, second, position_s=7, duration_s=250)
    assert count_statements.statements == []
    assert await _stored(db, first) == (0.0, False, 0.0, None, False)

    count_statements.statements.clear()
    assert await app.state.progress.flush() == 2
    statements = [" ".join(s.split()) for s in count_statements.statements]
    assert [s.split(" SET")[0] for s in statements] == ["UPDATE play_event", "UPDATE watch_state"], statements
    # The latest position wins; a duration reported earlier is kept when a later report has none.
    assert await _stored(db, first) == (20.0, False, 20.0, 300.0, False)
    assert await _stored(db, second) == (7.0, False, 7.0, 250.0, False)
    assert await app.state.progress.flush() == 0


async def test_the_callers_own_reads_see_buffered_positions(app: Any, client: httpx.AsyncClient) -> None:
    video = await _video(client)
    play = await _play(client, video)
    await _report(client, play, position_s=42.5, duration_s=200)
    assert app.state.progress.pending == 1
    state = (await client.get(f"/api/v1/videos/{video}/watch-state")).json()
    assert (state["position_s"], state["duration_s"]) == (42.5, 200)
    assert app.state.progress.pending == 0

    await _report(client, play, position_s=60)
    assert [(c["video"]["id"], c["position_s"]) for c in (await client.get("/api/v1/history/continue")).json()] == [
        (video, 60.0)
    ]
    await _report(client, play, position_s=61)
    assert (await client.get("/api/v1/history")).json()["items"][0]["position_s"] == 61.0
    await _report(client, play, position_s=62)
    assert (await client.post("/api/v1/history/plays", json={"video_id": video})).json()["resume_from_s"] == 62.0
    await _report(client, play, position_s=63)
    assert (await client.put(f"/api/v1/videos/{video}/watch-state", json={"watched": True})).json()["position_s"] == 0


async def test_a_finished_play_is_written_at_once(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    play = await _play(client, await _video(client))
    await _report(client, play, position_s=100, duration_s=200)
    assert await _stored(db, play) == (0.0, False, 0.0, None, False)
    await _report(client, play, position_s=196, duration_s=200)
    assert app.state.progress.pending == 0
    assert await _stored(db, play) == (196.0, True, 0.0, 200.0, True)
    assert await app.state.progress.flush() == 0


async def test_shutdown_writes_the_buffered_positions(
    settings: Settings, database_target: DatabaseTarget, db: Database, admin_user: User, client: httpx.AsyncClient
) -> None:
    play = await _play(client, await _video(client))
    async with another_process(settings, database_target) as process:
        async with http_client(process, await access_token(process, admin_user)) as other:
            await _report(other, play, position_s=33, duration_s=120)
        assert process.state.progress.pending == 1
        assert await _stored(db, play) == (0.0, False, 0.0, None, False)
    assert await _stored(db, play) == (33.0, False, 33.0, 120.0, False)


async def test_positions_are_written_every_interval(
    settings: Settings, database_target: DatabaseTarget, db: Database, admin_user: User, client: httpx.AsyncClient
) -> None:
    play = await _play(client, await _video(client))
    async with another_process(settings, database_target, progress_flush_s=0.1) as process:
        async with http_client(process, await access_token(process, admin_user)) as other:
            await _report(other, play, position_s=12)
        with anyio.fail_after(10):  # a loaded machine: many intervals
            while (await _stored(db, play))[0] != 12.0:  # noqa: ASYNC110 (the database is polled, not an event)
                await anyio.sleep(0.05)
        assert process.state.progress.pending == 0


async def test_an_older_position_written_late_by_another_process_does_not_undo_a_finish(
    app: Any, settings: Settings, database_target: DatabaseTarget, db: Database, admin_user: User,
    client: httpx.AsyncClient,
) -> None:  # fmt: skip
    play = await _play(client, await _video(client))
    async with another_process(settings, database_target) as process:
        async with http_client(process, await access_token(process, admin_user)) as other:
            await _report(other, play, position_s=50, duration_s=200)  # buffered in the other process
        await _report(client, play, position_s=200, duration_s=200)  # finished, here, later
        assert await process.state.progress.flush() == 1
    assert await _stored(db, play) == (200.0, True, 0.0, 200.0, True)


async def test_a_failed_write_keeps_the_reports_for_the_next(
    app: Any, client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    play = await _play(client, await _video(client))
    await _report(client, play, position_s=30)

    async def unavailable(*_args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(repository, "apply_progress", unavailable)
    with pytest.raises(OSError, match="disk full"):
        await app.state.progress.flush()
    await _report(client, play, position_s=31)  # newer than the failed batch's: it wins
    monkeypatch.undo()
    assert app.state.progress.pending == 1
    assert await app.state.progress.flush() == 1
    assert (await _stored(db, play))[0] == 31.0
