"""`GET /metrics`: the Prometheus text, its figures from the database, and who may read it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.routing import Match

from mvidarr.db import Database, utcnow
from mvidarr.models import Download, Job, Role, WorkerProcess
from mvidarr.models.job import JobStatus
from mvidarr.providers import repository as provider_repository
from tests.conftest import ClientAs, StatementCounter, http_client
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition as {(name, sorted labels): value}; the parser checks the format."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(answer.text)


async def test_http_latency_by_route_template_and_status(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client)
    video = await make_video(client, artist["id"])
    for _ in range(3):
        assert (await client.get(f"/api/v1/videos/{video['id']}")).status_code == 200
    assert (await client.get("/api/v1/videos/999999")).status_code == 404
    assert (await client.get("/no/such/page/at/all")).status_code == 404
    found = await scrape(client)
    ok = {"method": "GET", "route": "/api/v1/videos/{video_id}", "status": "200"}
    assert value(found, "mvidarr_http_request_duration_seconds_count", **ok) == 3
    assert value(found, "mvidarr_http_request_duration_seconds_bucket", **ok, le="+Inf") == 3
    assert value(found, "mvidarr_http_request_duration_seconds_sum", **ok) > 0
    missing = {**ok, "status": "404"}
    assert value(found, "mvidarr_http_request_duration_seconds_count", **missing) == 1
    # Unknown URLs share one series, so no caller can grow the label set.
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value(found, "mvidarr_http_request_duration_seconds_count", **unmatched) >= 1
    assert not any("/no/such" in str(labels) for _name, labels in found)


async def _add_jobs(db: Database) -> None:
    now = utcnow()
    rows = [
        Job(type="library.scan", status=JobStatus.QUEUED, run_after=now - timedelta(seconds=90), created_at=now),
        Job(type="library.scan", status=JobStatus.QUEUED, run_after=now - timedelta(seconds=10), created_at=now),
        Job(type="library.scan", status=JobStatus.QUEUED, run_after=now + timedelta(hours=1), created_at=now),
        Job(type="video.enrich", status=JobStatus.RUNNING, run_after=now, started_at=now, created_at=now),
        *(
            Job(
                type="video.enrich",
                status=JobStatus.SUCCEEDED,
                run_after=now,
                started_at=now - timedelta(seconds=seconds),
                finished_at=now,
                run_s=seconds,
                created_at=now,
            )
            for seconds in (0.03, 2.0, 7.0)
        ),
        Job(
            type="video.enrich",
            status=JobStatus.FAILED,
            run_after=now,
            started_at=now - timedelta(seconds=40),
            finished_at=now,
            run_s=40.0,
            created_at=now,
        ),
    ]
    async with db.writer() as session:
        session.add_all(rows)
        await session.commit()


async def test_jobs_queue_and_durations_come_from_the_database(client: httpx.AsyncClient, app: Any) -> None:
    await _add_jobs(app.state.db)
    found = await scrape(client)
    assert value(found, "mvidarr_jobs", type="library.scan", status="queued") == 3
    assert value(found, "mvidarr_jobs", type="video.enrich", status="running") == 1
    assert value(found, "mvidarr_jobs", type="video.enrich", status="succeeded") == 3
    assert value(found, "mvidarr_queue_depth", type="library.scan", state="ready") == 2
    assert value(found, "mvidarr_queue_depth", type="library.scan", state="delayed") == 1
    assert 85 <= value(found, "mvidarr_queue_oldest_age_seconds", type="library.scan") < 150
    done = {"type": "video.enrich", "status": "succeeded"}
    assert value(found, "mvidarr_job_duration_seconds_count", **done) == 3
    assert value(found, "mvidarr_job_duration_seconds_sum", **done) == pytest.approx(9.03, abs=0.01)
    assert value(found, "mvidarr_job_duration_seconds_bucket", **done, le="0.05") == 1
    assert value(found, "mvidarr_job_duration_seconds_bucket", **done, le="5.0") == 2
    assert value(found, "mvidarr_job_duration_seconds_bucket", **done, le="10.0") == 3
    assert value(found, "mvidarr_job_duration_seconds_bucket", **done, le="+Inf") == 3
    failed = {"type": "video.enrich", "status": "failed"}
    assert value(found, "mvidarr_job_duration_seconds_bucket", **failed, le="30.0") == 0
    assert value(found, "mvidarr_job_duration_seconds_bucket", **failed, le="60.0") == 1
    assert value(found, "mvidarr_database_up") == 1


async def test_downloads_and_providers(client: httpx.AsyncClient, app: Any) -> None:
    db: Database = app.state.db
    async with db.writer() as session:
        session.add_all(
            [
                Download(status="succeeded", size=1000, downloaded_bytes=1000),
                Download(status="succeeded", size=500),
                Download(status="running", downloaded_bytes=300, speed=1_500_000.0),
                Download(status="running", downloaded_bytes=200, speed=500_000.0),
                Download(status="failed", downloaded_bytes=50),
            ]
        )
        await provider_repository.record_outcome(
            session, "imvdb", failures=1, open_until=None, error="boom", requests=7, errors=1
        )
        await provider_repository.record_outcome(
            session, "imvdb", failures=0, open_until=None, error=None, requests=3, errors=0
        )
        await session.commit()
    found = await scrape(client)
    assert value(found, "mvidarr_downloads", status="succeeded") == 2
    assert value(found, "mvidarr_downloads", status="running") == 2
    assert value(found, "mvidarr_download_completed_bytes_total") == 1500
    assert value(found, "mvidarr_download_active_bytes") == 500
    assert value(found, "mvidarr_download_speed_bytes_per_second") == 2_000_000
    assert value(found, "mvidarr_provider_requests_total", provider="imvdb") == 10
    assert value(found, "mvidarr_provider_errors_total", provider="imvdb") == 1
    # Every provider shows its breaker, one state at 1.
    for provider in ("imvdb", "musicbrainz", "youtube"):
        states = [
            value(found, "mvidarr_provider_circuit_state", provider=provider, state=s)
            for s in ("closed", "half_open", "open")
        ]
        assert sorted(states) == [0, 0, 1]
    assert value(found, "mvidarr_provider_circuit_state", provider="imvdb", state="closed") == 1


async def test_process_figures(client: httpx.AsyncClient) -> None:
    found = await scrape(client)
    assert value(found, "mvidarr_process_resident_memory_bytes") > 10 * 1024 * 1024
    assert value(found, "mvidarr_process_cpu_seconds") > 0
    assert value(found, "mvidarr_db_pool_size", pool="main") >= 1
    assert value(found, "mvidarr_db_pool_in_use", pool="main") >= 0
    assert value(found, "mvidarr_db_pool_size", pool="reads") >= 1
    assert value(found, "mvidarr_websocket_clients") == 0


async def test_only_admins_and_allowed_networks(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient, client_as: ClientAs
) -> None:
    anonymous = await anon_client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/metrics")).status_code == 403
    # An admin's API key, as X-Api-Key or as the bearer token Prometheus can send.
    key = (await client.post("/api/v1/api-keys", json={"name": "prometheus", "role": "admin"})).json()["key"]
    assert (await anon_client.get("/metrics", headers={"X-Api-Key": key})).status_code == 200
    assert (await anon_client.get("/metrics", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    # The test transport's caller is 127.0.0.1: allowing its network lets anyone there scrape.
    bad = await client.patch("/api/v1/settings", json={"metrics.allowed_networks": ["10.0.0.0/33"]})
    assert bad.status_code == 422
    allowed = await client.patch("/api/v1/settings", json={"metrics.allowed_networks": ["10.0.0.0/8", "127.0.0.0/8"]})
    assert allowed.status_code == 200, allowed.text
    assert (await anon_client.get("/metrics")).status_code == 200
    assert (await manager.get("/metrics")).status_code == 200
    await client.patch("/api/v1/settings", json={"metrics.allowed_networks": ["10.0.0.0/8"]})
    assert (await anon_client.get("/metrics")).status_code == 401
    async with http_client(app) as other:
        assert (await other.get("/metrics")).status_code == 401


async def test_duration_buckets_hold_their_upper_bound(client: httpx.AsyncClient, app: Any) -> None:
    """A run of exactly a bucket's bound counts in that bucket (`le`), and one past the last bound only in +Inf."""
    now = utcnow()
    async with app.state.db.writer() as session:
        session.add_all(
            Job(
                type="media.probe",
                status=JobStatus.SUCCEEDED,
                run_after=now,
                started_at=now,
                finished_at=now,
                run_s=seconds,
                created_at=now,
            )
            for seconds in (0.0, 0.05, 0.0500001, 3600.0, 5000.0)
        )
        await session.commit()
    found = await scrape(client)
    probe = {"type": "media.probe", "status": "succeeded"}
    expected = {"0.01": 1, "0.05": 2, "0.1": 3, "900.0": 3, "3600.0": 4, "+Inf": 5}
    for le, count in expected.items():
        assert value(found, "mvidarr_job_duration_seconds_bucket", **probe, le=le) == count, le
    assert value(found, "mvidarr_job_duration_seconds_count", **probe) == 5
    assert value(found, "mvidarr_job_duration_seconds_sum", **probe) == pytest.approx(8600.1000001)
    assert value(found, "mvidarr_jobs", type="media.probe", status="succeeded") == 5


async def test_live_workers_only_with_their_host_as_sent(client: httpx.AsyncClient, app: Any) -> None:
    now = utcnow()
    figures = {"pid": 1, "slots": 4, "running_jobs": 2, "resident_bytes": 50_000_000, "virtual_bytes": 10**9}
    async with app.state.db.writer() as session:
        session.add_all(
            [
                WorkerProcess(
                    worker_id="nas:7:live", host='nas "attic" \\ 2', cpu_seconds=12.5, report_every_s=10.0,
                    started_at=now - timedelta(hours=1), reported_at=now - timedelta(seconds=5), **figures,
                ),
                WorkerProcess(
                    worker_id="nas:8:gone", host="nas", cpu_seconds=1.0, report_every_s=10.0,
                    started_at=now - timedelta(hours=2), reported_at=now - timedelta(seconds=31), **figures,
                ),
            ]
        )  # fmt: skip
        await session.commit()
    found = await scrape(client)
    live = {"worker": "nas:7:live", "host": 'nas "attic" \\ 2'}
    assert value(found, "mvidarr_worker_job_slots", **live) == 4
    assert value(found, "mvidarr_worker_running_jobs", **live) == 2
    assert value(found, "mvidarr_worker_cpu_seconds", **live) == 12.5
    assert value(found, "mvidarr_worker_resident_memory_bytes", **live) == 50_000_000
    assert value(found, "mvidarr_worker_last_report_time_seconds", **live) == pytest.approx(
        (now - timedelta(seconds=5)).timestamp(), abs=0.001
    )
    workers = {dict(labels)["worker"] for name, labels in found if name == "mvidarr_worker_job_slots"}
    assert workers == {"nas:7:live"}, "a worker three reports late is not shown"


async def test_one_statement_reads_the_database_figures(
    client: httpx.AsyncClient, app: Any, count_statements: StatementCounter
) -> None:
    await _add_jobs(app.state.db)
    count_statements.statements.clear()
    await scrape(client)
    on_jobs = [sql for sql in count_statements.statements if "FROM job" in sql]
    assert len(on_jobs) == 1, on_jobs
    for table in ("download", "provider_state", "worker_process"):
        assert f"FROM {table}" in on_jobs[0], f"the same statement reads {table}"


async def test_the_scrape_route_is_matched_first(app: Any) -> None:
    """At the top level and before the ~230 API routes, so a scrape does not try each of them first."""
    first = app.router.routes[0]
    assert first.path == "/metrics"
    assert first.matches({"type": "http", "path": "/metrics", "method": "GET"})[0] == Match.FULL


async def test_a_scrape_without_the_database_figures_still_answers(client: httpx.AsyncClient, app: Any) -> None:
    await app.state.db.reads.close()  # the read path refuses statements from now on
    found = await scrape(client)
    assert value(found, "mvidarr_database_up") == 0
    assert value(found, "mvidarr_process_resident_memory_bytes") > 0
    assert not any(name.startswith(("mvidarr_jobs", "mvidarr_provider_")) for name, _labels in found)
