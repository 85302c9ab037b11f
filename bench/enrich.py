"""Bulk enrichment benchmark, and matching accuracy on the labelled set.

Run from the repo root: `.venv/bin/python -m bench.enrich [--videos 1000] [--rate 10] [--latency 0.1]`.

1. N videos (one artist, unique song titles, each with a YouTube id) are enriched by one
   `library.enrich` job on an in-process app (SQLite, 4 worker slots in the server process, as
   `mvidarr serve` runs by default) against the fake upstream on a loopback socket, answering
   after `latency` seconds. IMVDb and YouTube are enabled at `rate` requests/s each; the others
   are off (MusicBrainz may not go above 1/s). The bound the rate limits allow is
   max over providers (requests sent / rate); the bar is run time <= 1.2x that bound.
   Meanwhile a client calls `GET /api/v1/videos` every 50 ms: p50/p99/max.
2. The same bulk run again (everything, not just what is due), within the cache TTL: the bar is
   zero upstream requests.
3. Matching accuracy on tests/metadata/data/titles.json (bar: >= 95 % exact).

Results print as JSON and go to bench/results/enrich-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import string
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from tests.fakes.upstream import FakeUpstream, serve

from bench.app_settings import in_process_settings
from mvidarr.app import create_app
from mvidarr.auth.guard import Guard
from mvidarr.auth.tokens import new_session_id
from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.kit.text import fold, identity_key, sort_name
from mvidarr.metadata.matching import identify
from mvidarr.migrations import upgrade
from mvidarr.models import Artist, Role, Video
from mvidarr.settings import service as settings_service
from mvidarr.users import service as users
from mvidarr.videos.service import derive_fields

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
LABELLED = REPO / "tests" / "metadata" / "data" / "titles.json"
ENABLED = ("imvdb", "youtube")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 2)


def _youtube_id(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    chars = []
    for _ in range(11):
        n, r = divmod(n, len(alphabet))
        chars.append(alphabet[r])
    return "".join(chars)


def matching_accuracy() -> dict[str, Any]:
    cases = json.loads(LABELLED.read_text(encoding="utf-8"))
    exact = 0
    for case in cases:
        found = identify(case["raw"], uploader=case.get("uploader"), filename=case.get("source") == "file")
        exact += (found.artist or "").casefold() == case["artist"].casefold() and found.title.casefold() == case[
            "title"
        ].casefold()
    return {"cases": len(cases), "exact": exact, "accuracy": round(exact / len(cases), 4)}


async def _seed(db: Database, videos: int) -> None:
    async with db.writer() as session:
        artist = Artist(
            name="Daft Punk",
            sort_name=sort_name("Daft Punk"),
            disambiguation="",
            name_key=identity_key("Daft Punk"),
            disambiguation_key="",
            search_text=fold("Daft Punk"),
        )
        session.add(artist)
        await session.flush()
        for i in range(videos):
            video = Video(
                artist_id=artist.id,
                title=f"Track {i:04d}",
                youtube_id=_youtube_id(i + 1),
                version="",
                featured_artists=[],
            )
            derive_fields(video)
            session.add(video)
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


async def _sample(client: httpx.AsyncClient, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        response = await client.get("/api/v1/videos", params={"page_size": 50})
        response.raise_for_status()
        out.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(0.05)


async def _bulk(
    client: httpx.AsyncClient, fake: FakeUpstream, timeout_s: float
) -> tuple[float, dict[str, int], list[float]]:
    fake.requests.clear()
    latencies: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(client, stop, latencies))
    began = time.perf_counter()
    response = await client.post("/api/v1/metadata/enrich", json={"only_due": False})
    response.raise_for_status()
    job = await _wait(client, response.json()["id"], timeout_s)
    elapsed = time.perf_counter() - began
    stop.set()
    await sampler
    if job["status"] != "succeeded":
        raise RuntimeError(f"bulk job {job['status']}: {job.get('error')}")
    sent = {p: len(fake.sent(p)) for p in ("imvdb", "musicbrainz", "youtube", "theaudiodb", "spotify", "lastfm")}
    return elapsed, sent, latencies


async def run(videos: int, rate: float, latency_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-enrich-") as tmp, serve() as fake:
        data = Path(tmp) / "data"
        data.mkdir()
        settings = in_process_settings(data)
        db = Database.connect(settings.database, pool_size=4)
        await upgrade(db.engine)
        values = fake.settings()
        for provider in ("imvdb", "musicbrainz", "wikipedia", "wikidata", "theaudiodb", "lastfm", "spotify", "youtube"):
            values[f"providers.{provider}.enabled"] = provider in ENABLED
            if provider in ENABLED:
                values[f"providers.{provider}.rate_limit_per_s"] = rate
                fake.set(provider, latency_s=latency_s)
        values["metadata.batch_size"] = 50
        async with db.writer() as session:
            await settings_service.update_settings(session, values, sealer=Sealer.from_secret("b" * 40))
            await session.commit()
        await _seed(db, videos)
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
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ) as client:  # fmt: skip
                    for _ in range(20):
                        await client.get("/api/v1/videos")
                    first_s, first_sent, first_lat = await _bulk(client, fake, timeout_s=videos * 2.0 + 120)
                    second_s, second_sent, second_lat = await _bulk(client, fake, timeout_s=videos * 2.0 + 120)
        finally:
            await db.dispose()
    bound = max(first_sent[p] / rate for p in ENABLED)
    return {
        "videos": videos,
        "rate_limit_per_s": rate,
        "latency_s": latency_s,
        "first_run": {
            "run_s": round(first_s, 2),
            "requests": first_sent,
            "rate_limit_bound_s": round(bound, 2),
            "ratio_to_bound": round(first_s / bound, 3) if bound else None,
            "videos_api_ms": {
                "samples": len(first_lat),
                "p50": round(statistics.median(first_lat), 2),
                "p99": _percentile(first_lat, 0.99),
                "max": round(max(first_lat), 2),
            },
        },
        "second_run": {
            "run_s": round(second_s, 2),
            "requests": second_sent,
            "videos_api_ms": {"p99": _percentile(second_lat, 0.99)},
        },
        "matching": matching_accuracy(),
        "machine": {"cpus": os.cpu_count()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    results = asyncio.run(run(args.videos, args.rate, args.latency))
    first = results["first_run"]
    results["bars"] = {
        "within_1_2x_of_rate_limit_bound": first["ratio_to_bound"] is not None and first["ratio_to_bound"] <= 1.2,
        "videos_api_p99_under_100ms": first["videos_api_ms"]["p99"] < 100,
        "second_run_makes_no_upstream_request": sum(results["second_run"]["requests"].values()) == 0,
        "matching_at_least_95_percent": results["matching"]["accuracy"] >= 0.95,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "enrich-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if all(results["bars"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
