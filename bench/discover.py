"""Discovery benchmark: 500 monitored artists against the fake upstream, and de-duplication accuracy.

Run from the repo root: `.venv/bin/python -m bench.discover [--artists 500] [--rate 20] [--latency 0.05]`.

1. N monitored artists, each known to IMVDb and TheAudioDB (the two sources that list an artist's
   videos in the fake), each with three videos the two sources spell differently. One
   `library.discover` run (`all_due`) on an in-process app (SQLite, 4 worker slots in the server
   process, as `mvidarr serve` runs) starts one `artist.discover` per artist. Both providers are
   enabled at `rate` requests/s; the others are off. From the fake's request log: the most requests
   any provider got in any 1 s and any 5 s window (bar: the 5 s peak <= 5 x rate, plus one for the
   window's edge; arrival times carry the loaded event loop's jitter, so 1 s peaks may show +1),
   the rate-limit bound max over providers (requests / rate), and the run time (bar: <= 1.2x bound).
   Afterwards: every artist has exactly its three videos (no duplicates), each with both sources.
2. A second run: nothing is added.
3. De-duplication accuracy on tests/discovery/dedupe_cases.py (bar: 100 %).

Results print as JSON and go to bench/results/discover-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from tests.discovery.dedupe_cases import CASES
from tests.fakes import upstream as fake_upstream
from tests.fakes.catalog import FakeArtist, FakeVideo
from tests.fakes.upstream import FakeUpstream, serve

from bench.app_settings import in_process_settings
from mvidarr.app import create_app
from mvidarr.auth.guard import Guard
from mvidarr.auth.tokens import new_session_id
from mvidarr.db import Database
from mvidarr.discovery.grouping import SourceItem, group_items
from mvidarr.kit.sealing import Sealer
from mvidarr.kit.text import identity_key, sort_name
from mvidarr.migrations import upgrade
from mvidarr.models import Artist, Role, Video
from mvidarr.settings import service as settings_service
from mvidarr.users import service as users

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
ENABLED = ("imvdb", "theaudiodb")
PROVIDERS = ("imvdb", "musicbrainz", "wikipedia", "wikidata", "theaudiodb", "lastfm", "spotify", "youtube")
SONGS = ("Don't Stop", "Night Drive {n}", "Echoes of {n}")
SOURCES = {"i": "imvdb", "m": "musicbrainz", "a": "theaudiodb", "y": "youtube"}


def dedupe_accuracy() -> dict[str, Any]:
    """Share of labelled cases grouped exactly as labelled (no duplicate, no wrong merge)."""
    wrong: list[int] = []
    for n, (artist, items) in enumerate(CASES):
        source_items = [
            SourceItem(source=SOURCES[src], source_id=f"{src}{k}", title=title, youtube_id=yt)
            for k, (src, title, yt, _label) in enumerate(items)
        ]
        index = {id(item): k for k, item in enumerate(source_items)}
        found = sorted(sorted(index[id(i)] for i in video.items) for video in group_items(artist, source_items))
        expected: dict[str, list[int]] = defaultdict(list)
        for k, item in enumerate(items):
            expected[item[3]].append(k)
        if found != sorted(expected.values()):
            wrong.append(n)
    return {
        "cases": len(CASES),
        "exact": len(CASES) - len(wrong),
        "accuracy": 1 - len(wrong) / len(CASES),
        "wrong": wrong,
    }


def _catalog(artists: int) -> tuple[FakeArtist, ...]:
    made = []
    for n in range(artists):
        videos = tuple(
            FakeVideo(
                imvdb_id=900_000 + n * 10 + k,
                title=song.format(n=n),
                year=2000 + k,
                release_date=f"{2000 + k}-01-01",
                youtube_id=f"b{n:06d}v{k:03d}"[:11],
                directors=("Someone",),
                audiodb_track=str(800_000 + n * 10 + k),
            )
            for k, song in enumerate(SONGS)
        )
        made.append(
            FakeArtist(
                name=f"Bench Artist {n:04d}",
                sort_name=f"Bench Artist {n:04d}",
                mbid=f"00000000-0000-4000-8000-{n:012d}",
                imvdb_id=500_000 + n,
                audiodb_id=str(700_000 + n),
                spotify_id=f"{n:022d}",
                wikidata_id=f"Q{9_000_000 + n}",
                wikipedia_title=f"Bench Artist {n:04d}",
                country="GB",
                begin="2000",
                kind="Group",
                genres=("pop",),
                biography="A bench artist.",
                channel_id=f"UC{n:022d}",
                videos=videos,
            )
        )
    return tuple(made)


async def _seed(db: Database, catalog: tuple[FakeArtist, ...]) -> None:
    async with db.writer() as session:
        for artist in catalog:
            session.add(
                Artist(
                    name=artist.name,
                    sort_name=sort_name(artist.name),
                    name_key=identity_key(artist.name),
                    search_text=identity_key(artist.name),
                    imvdb_id=artist.imvdb_id,
                    audiodb_id=artist.audiodb_id,
                    monitored=True,
                    include_words=[],
                    exclude_words=[],
                    locked_fields=[],
                    field_provenance={},
                )
            )
        await session.commit()


async def _wait(client: httpx.AsyncClient, job_id: int, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = (await client.get(f"/api/v1/jobs/{job_id}")).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return dict(job)
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job['status']}")
        await asyncio.sleep(0.2)


def _peak(stamps: list[float], window_s: float) -> int:
    """The most requests inside any window of `window_s` seconds."""
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _discover_all(
    client: httpx.AsyncClient, fake: FakeUpstream, timeout_s: float
) -> tuple[float, dict[str, Any]]:
    fake.requests.clear()
    began = time.perf_counter()
    response = await client.post("/api/v1/jobs", json={"type": "library.discover", "params": {"all_due": True}})
    response.raise_for_status()
    job = await _wait(client, response.json()["id"], timeout_s)
    elapsed = time.perf_counter() - began
    if job["status"] != "succeeded":
        raise RuntimeError(f"library.discover {job['status']}: {job.get('error')}")
    requests = {p: [r.at for r in fake.requests if r.provider == p] for p in PROVIDERS}
    sent = {p: len(v) for p, v in requests.items() if v}
    peaks = {p: _peak(requests[p], 1.0) for p in sent}
    peaks_5s = {p: _peak(requests[p], 5.0) for p in sent}
    return elapsed, {"requests": sent, "peak_requests_in_1s": peaks, "peak_requests_in_5s": peaks_5s}


async def run(artists: int, rate: float, latency_s: float) -> dict[str, Any]:
    catalog = _catalog(artists)
    fake_upstream.ARTISTS = catalog  # type: ignore[misc]  # the fake serves the generated catalog
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-discover-") as tmp, serve() as fake:
        data = Path(tmp) / "data"
        data.mkdir()
        settings = in_process_settings(data)
        db = Database.connect(settings.database, pool_size=4)
        await upgrade(db.engine)
        values = fake.settings()
        for provider in PROVIDERS:
            values[f"providers.{provider}.enabled"] = provider in ENABLED
            if provider in ENABLED:
                values[f"providers.{provider}.rate_limit_per_s"] = rate
                fake.set(provider, latency_s=latency_s)
        async with db.writer() as session:
            await settings_service.update_settings(session, values, sealer=Sealer.from_secret("b" * 40))
            await session.commit()
        await _seed(db, catalog)
        app = create_app(settings, database=db)
        try:
            async with app.router.lifespan_context(app):
                guard: Guard = app.state.auth
                async with db.writer() as session:
                    user = await users.create_user(
                        session, username="bench", password_hash=await guard.passwords.hash("x" * 20), role=Role.ADMIN
                    )
                    await session.commit()
                token = guard.signer.issue(
                    user_id=user.id, username="bench", role=Role.ADMIN, session_id=new_session_id(),
                    must_change_password=False,
                )  # fmt: skip
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://bench",
                    headers={"Authorization": f"Bearer {token}"}, timeout=30,
                ) as client:  # fmt: skip
                    first_s, first = await _discover_all(client, fake, timeout_s=artists * 2.0 + 120)
                    async with db.reader() as session:
                        videos = int(await session.scalar(select(func.count()).select_from(Video)) or 0)
                        per_artist = (
                            await session.execute(
                                select(
                                    Video.artist_id, func.count(), func.count(func.distinct(Video.song_key))
                                ).group_by(Video.artist_id)
                            )
                        ).all()
                        found_by = (await session.execute(select(Video.field_provenance))).scalars().all()
                        both = sum(1 for p in found_by if set(p.get("discovery", [])) >= set(ENABLED))
                    second_s, second = await _discover_all(client, fake, timeout_s=artists * 2.0 + 120)
                    async with db.reader() as session:
                        after = int(await session.scalar(select(func.count()).select_from(Video)) or 0)
        finally:
            await db.dispose()
    bound = max(first["requests"].get(p, 0) / rate for p in ENABLED)
    return {
        "artists": artists,
        "rate_limit_per_s": rate,
        "latency_s": latency_s,
        "first_run": {
            "run_s": round(first_s, 2),
            **first,
            "rate_limit_bound_s": round(bound, 2),
            "ratio_to_bound": round(first_s / bound, 3) if bound else None,
            "videos": videos,
            "artists_with_exactly_their_videos": sum(1 for _a, n, k in per_artist if n == len(SONGS) == k),
            "videos_found_by_both_sources": both,
        },
        "second_run": {"run_s": round(second_s, 2), **second, "videos_added": after - videos},
        "dedupe": dedupe_accuracy(),
        "machine": {"cpus": os.cpu_count()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--artists", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    results = asyncio.run(run(args.artists, args.rate, args.latency))
    first = results["first_run"]
    results["bars"] = {
        # Arrival times at the fake carry the event loop's jitter: the bar is over 5 s windows.
        "every_provider_within_its_rate_limit": all(
            first["peak_requests_in_5s"][p] <= args.rate * 5 + 1 for p in first["peak_requests_in_5s"]
        ),
        "within_1_2x_of_rate_limit_bound": first["ratio_to_bound"] is not None and first["ratio_to_bound"] <= 1.2,
        "no_duplicate_videos": first["artists_with_exactly_their_videos"] == args.artists,
        "every_video_merged_from_both_sources": first["videos_found_by_both_sources"] == first["videos"],
        "second_run_adds_nothing": results["second_run"]["videos_added"] == 0,
        "dedupe_accuracy_100_percent": results["dedupe"]["accuracy"] == 1.0,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "discover-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if all(results["bars"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
