"""Ranked search and suggestions over artists and videos, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, text

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Artist, JobStatus, SearchDocument, Video
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def _search(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _labels(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["kind"], item["label"]) for item in body["items"]]


@pytest.fixture
async def library(client: httpx.AsyncClient) -> dict[str, Any]:
    bjork = await make_artist(client, "Björk")
    motorhead = await make_artist(client, "Motörhead")
    cure = await make_artist(client, "The Cure")
    videos = {
        "army": await make_video(client, bjork["id"], "Army of Me"),
        "hyper": await make_video(client, bjork["id"], "Hyperballad", album="Post"),
        "ace": await make_video(client, motorhead["id"], "Ace of Spades", version="live"),
        "lovecats": await make_video(client, cure["id"], "The Lovecats"),
        "friday": await make_video(client, cure["id"], "Friday I'm in Love", featured_artists=["Björk"]),
    }
    return {"bjork": bjork, "motorhead": motorhead, "cure": cure, **videos}


async def test_search_ranks_artists_and_videos_accent_and_case_insensitively(
    client: httpx.AsyncClient, library: dict[str, Any]
) -> None:
    body = await _search(client, "BJORK")
    # The artist's name is the best match; her videos (her name is their context) and a video that
    # features her follow.
    assert body["items"][0] == {
        "kind": "artist", "id": library["bjork"]["id"], "label": "Björk", "detail": "",
        "score": body["items"][0]["score"], "url": f"/artists/{library['bjork']['id']}",
        "highlights": {"label": [[0, 5]], "detail": []},
    }  # fmt: skip
    assert set(_labels(body)[1:]) == {
        ("video", "Army of Me"),
        ("video", "Hyperballad"),
        ("video", "Friday I'm in Love"),
    }
    assert body["total"] == 4
    assert body["corrected"] is None
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    # The video whose title has the word ranks above those that only carry it as context.
    assert _labels(await _search(client, "love"))[0] == ("video", "Friday I'm in Love")

    motor = await _search(client, "motorhead ace")
    assert _labels(motor) == [("video", "Ace of Spades (live)")]
    assert motor["items"][0]["highlights"] == {"label": [[0, 3]], "detail": [[0, 9]]}


async def test_prefixes_match_while_typing(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    assert _labels(await _search(client, "hyperb"))[0] == ("video", "Hyperballad")
    army = await _search(client, "bjö arm")
    assert _labels(army) == [("video", "Army of Me")]
    assert army["items"][0]["highlights"] == {"label": [[0, 3]], "detail": [[0, 3]]}
    assert _labels(await _search(client, "the cure lovec")) == [("video", "The Lovecats")]
    nothing = await _search(client, "zzzz")
    assert nothing["items"] == []
    assert nothing["total"] == 0


async def test_typos_are_forgiven_when_nothing_matches(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    body = await _search(client, "hyperbalad")
    assert _labels(body) == [("video", "Hyperballad")]
    assert body["corrected"] == "hyperballad"
    assert body["items"][0]["highlights"]["label"] == [[0, 11]]
    both = await _search(client, "motrhead spadse")
    assert _labels(both) == [("video", "Ace of Spades (live)")]
    assert both["corrected"] == "motorhead spades"
    far = await _search(client, "qqqqqqq")
    assert far["total"] == 0
    assert far["corrected"] is None


async def test_a_typo_in_the_first_letter_is_forgiven_too(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    cases = {
        "lyperballad": "hyperballad",  # mistyped first letter
        "yperballad": "hyperballad",  # missing first letter
        "shyperballad": "hyperballad",  # an extra letter in front
        "yhperballad": "hyperballad",  # the first two swapped
        "motorhaed": "motorhead",  # (a typo later on still takes the same-letter path)
    }
    for typed, meant in cases.items():
        body = await _search(client, typed)
        assert body["corrected"] == meant, (typed, body)
        assert body["total"] >= 1, typed
    suggestions = (await client.get("/api/v1/search/suggestions", params={"q": "gyperballad"})).json()
    assert [(i["kind"], i["label"]) for i in suggestions["items"]] == [("video", "Hyperballad")]
    assert (await _search(client, "xqzperballad"))["total"] == 0, "two letters off at the start is too far"


async def test_kinds_and_pages(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    videos = await _search(client, "bjork", kind="video")
    assert {item["kind"] for item in videos["items"]} == {"video"}
    assert videos["total"] == 3
    first = await _search(client, "bjork", page_size=2)
    second = await _search(client, "bjork", page_size=2, page=2)
    assert first["total"] == second["total"] == 4
    ids = [(i["kind"], i["id"]) for i in first["items"] + second["items"]]
    assert len(set(ids)) == 4


async def test_index_follows_every_write_in_the_same_transaction(
    client: httpx.AsyncClient, library: dict[str, Any], db: Database
) -> None:
    # Renaming an artist re-indexes her videos too (their detail and context).
    response = await client.patch(f"/api/v1/artists/{library['bjork']['id']}", json={"name": "Bjørk Guðmundsdóttir"})
    assert response.status_code == 200, response.text
    army = await _search(client, "gudmundsdottir army")
    assert _labels(army) == [("video", "Army of Me")]
    assert army["items"][0]["detail"] == "Bjørk Guðmundsdóttir"
    # A title change, a move to another artist, a delete.
    await client.patch(
        f"/api/v1/videos/{library['army']['id']}", json={"title": "Joga", "artist_id": library["cure"]["id"]}
    )
    assert _labels(await _search(client, "army")) == []
    assert _labels(await _search(client, "joga cure")) == [("video", "Joga")]
    await client.delete(f"/api/v1/videos/{library['army']['id']}")
    assert _labels(await _search(client, "joga")) == []
    # Deleting an artist takes her videos' documents with her.
    response = await client.delete(f"/api/v1/artists/{library['motorhead']['id']}", params={"delete_videos": "true"})
    assert response.status_code == 204, response.text
    assert _labels(await _search(client, "spades")) == []
    async with db.reader() as session:
        kinds = dict(
            (await session.execute(select(SearchDocument.kind, func.count()).group_by(SearchDocument.kind))).all()
        )
        assert kinds == {"artist": 2, "video": 3}

    # Any writer is followed, not only the services: a row inserted with plain SQL (as a bulk import would).
    async with db.writer() as session:
        await session.execute(
            insert(Video).values(
                artist_id=library["cure"]["id"], title="Pictures of You", sort_title="Pictures of You",
                search_text="pictures of you",
            )
        )  # fmt: skip
        await session.commit()
    assert _labels(await _search(client, "pictures cure")) == [("video", "Pictures of You")]
    if db.is_sqlite:
        # The FTS5 index agrees with its content table after all of the above.
        async with db.writer() as session:
            await session.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))

    # A write that rolls back leaves no trace in the index.
    async with db.writer() as session:
        session.add(Artist(name="Ghost", sort_name="Ghost", name_key="ghost", search_text="ghost"))
        await session.flush()
        await session.rollback()
    assert (await _search(client, "ghost"))["total"] == 0


async def test_suggestions(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    response = await client.get("/api/v1/search/suggestions", params={"q": "the l", "limit": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert next((i["kind"], i["label"]) for i in body["items"]) == ("video", "The Lovecats")
    assert "total" not in body
    assert len(body["items"]) <= 3
    typo = (await client.get("/api/v1/search/suggestions", params={"q": "hyperbalad"})).json()
    assert [(i["kind"], i["label"]) for i in typo["items"]] == [("video", "Hyperballad")]
    assert typo["corrected"] == "hyperballad"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a", "page_size": 101}, "page_size"),
        ({"q": "a", "kind": "song"}, "kind"),
        ({"q": "a", "page": 0}, "page"),
    ],
)
async def test_bad_queries_are_422_problems(client: httpx.AsyncClient, params: dict[str, Any], field: str) -> None:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["errors"][0]["loc"]


async def test_query_syntax_is_never_an_error(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    for q in ['"', "*", "'", "a OR", "NEAR(", "-x", ":*", "\\", "a & b | !c", "(((", "ß", "O'Brien", "AND OR NOT"]:
        assert (await client.get("/api/v1/search", params={"q": q})).status_code == 200, q
        assert (await client.get("/api/v1/search/suggestions", params={"q": q})).status_code == 200, q


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    fast = settings.model_copy(
        update={"job_poll_s": 0.05, "job_heartbeat_s": 0.5, "job_lease_s": 5.0, "job_shutdown_grace_s": 1.0}
    )
    worker = Runner(db, app.state.events, fast, providers=app.state.providers, slots=4, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


async def test_rebuild_job_writes_the_index_again(
    client: httpx.AsyncClient, library: dict[str, Any], db: Database, runner: Runner
) -> None:
    # Documents lost behind the triggers' back (a restore of an old backup, say).
    async with db.writer() as session:
        await session.execute(text("DELETE FROM search_document"))
        if db.is_sqlite:
            await session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        await session.commit()
    assert (await _search(client, "bjork"))["total"] == 0
    response = await client.post("/api/v1/jobs", json={"type": "search.rebuild", "params": {}})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result == {"documents": 8}
    assert (await _search(client, "bjork"))["total"] == 4
    async with db.reader() as session:
        videos = await session.scalar(select(func.count()).select_from(Video))
    assert videos == 5
