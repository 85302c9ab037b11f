"""The foundation benchmark: MVidarr's read API under wrk, against a bare FastAPI app.

Run from the repo root with `make bench` (or `.venv/bin/python -m bench.run`):

1. seeds a fresh temp data dir with `mvidarr seed-demo` (1000 artists x 20 videos);
2. starts `mvidarr serve --no-jobs` (one uvicorn worker) and records its idle RSS;
3. loads each endpoint with wrk over loopback at 1, 10 and 64 connections
   (`BENCH_DURATION_S` seconds each, default 10; random pages/ids from bench/wrk_random.lua);
4. records the server's RSS after the load, then stops it;
5. measures bench/bare_app.py under the same uvicorn settings and the same wrk settings;
6. writes bench/results/foundation-<UTC>.json, latest.json and latest.md, prints the table and
   a PASS/FAIL line per bar. A FAIL does not fail the process; harness errors exit 1.

Options: `--quick` (3 s runs at 64 connections only), `--only video_list,health`, `--skip-jobs`.
A full run (neither `--quick` nor `--only`) then runs the job queue benchmark, `bench/jobs.py`.
Environment: BENCH_DURATION_S, BENCH_WARMUP_S (default 2, discarded), BENCH_SEED.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "wrk_random.lua"
VENV_BIN = REPO / ".venv" / "bin"
HOST = "127.0.0.1"
API = "/api/v1"

SEED_ARTISTS = 1000
SEED_VIDEOS_PER_ARTIST = 20
PAGE_SIZE = 50
VIDEO_IDS = SEED_ARTISTS * SEED_VIDEOS_PER_ARTIST  # 20,000
VIDEO_PAGES = VIDEO_IDS // PAGE_SIZE  # 400
DEEP_PAGES = range(VIDEO_PAGES - 49, VIDEO_PAGES + 1)  # the last 50 pages: 351-400
ARTIST_PAGES = SEED_ARTISTS // PAGE_SIZE  # 20
# Words that occur in the demo titles (mvidarr.demo.seed.TITLE_WORDS), folded to lower case.
SEARCH_WORDS: tuple[str, ...] = (
    *("love", "night", "fire", "dream", "heart"),
    *("summer", "rain", "dance", "light", "gold"),
)

# The video list's sortable fields (mvidarr.videos.repository.SORTABLE; bench/wrk_random.lua has the same list).
VIDEO_SORTS: tuple[str, ...] = (
    *("title", "artist", "year", "release_date", "created_at"),
    *("updated_at", "status", "kind", "duration_s", "quality"),
)

CONNECTIONS = (1, 10, 64)
QUICK_CONNECTIONS = (64,)
QUICK_DURATION_S = 3
DEFAULT_DURATION_S = 10
DEFAULT_WARMUP_S = 2
WARMUP_CONNECTIONS = 10
MAX_WRK_THREADS = 2
WRK_TIMEOUT = "10s"  # wrk leaves timed-out requests out of its latency stats; keep it generous
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
SEED_TIMEOUT_S = 900.0

BARE = "bare"
NOAUTH = "video_detail_noauth"
AUTHED = "video_detail_authed"
BENCH_USER = "bench"
BENCH_PASSWORD = "load-test-password-not-secret"
LOGINS_FOR_CPU = 10
LOGIN_CPU_MS = (50.0, 500.0)
CONCURRENT_LOGINS = 10
ENDPOINTS: dict[str, str] = {
    "video_list": f"GET {API}/videos?page_size={PAGE_SIZE}&page=<1..{VIDEO_PAGES}>",
    "artist_list": f"GET {API}/artists?page_size={PAGE_SIZE}&page=<1..{ARTIST_PAGES}>",
    "video_detail": f"GET {API}/videos/<1..{VIDEO_IDS}>",
    "video_search": f"GET {API}/videos?q=<word>&page_size={PAGE_SIZE}",
    "video_sorted": f"GET {API}/videos?page_size={PAGE_SIZE}&page=<1..{VIDEO_PAGES}>&sort=<[-]any sortable field>",
    "video_deep": f"GET {API}/videos?page_size={PAGE_SIZE}&page=<{DEEP_PAGES[0]}..{DEEP_PAGES[-1]}>",
    "video_deep_cursor": f"GET {API}/videos?page_size={PAGE_SIZE}&cursor=<the cursor of page "
    f"{DEEP_PAGES[0]}..{DEEP_PAGES[-1]}>",
    "search": f"GET {API}/search?q=<word>",
    "suggestions": f"GET {API}/search/suggestions?q=<the first 2-5 letters of a word>",
    "health": f"GET {API}/health",
}
BARE_DESCRIPTION = "GET / on bench/bare_app.py"


class HarnessError(Exception):
    """The benchmark itself could not run (as opposed to the app missing a bar)."""


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _proc_status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of `pid`, in KiB."""
    status = _proc_status(pid)
    return {key: int(status[key].split()[0]) for key in ("VmRSS", "VmHWM")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    # After "pid (comm)": state is field 3, utime field 14 and stime field 15 of proc(5).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def listening_pid(root: int, port: int) -> int | None:
    """The process in `root`'s tree that holds the socket listening on `port`."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as handle:
            for line in list(handle)[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{parts[9]}]")
    for pid in (root, *descendants(root)):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
    return None


@dataclass
class Server:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log_path: Path
    pid: int = 0  # the process that serves (holds the listening socket)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def check_alive(self, during: str) -> None:
        code = self.popen.poll()
        if code is not None:
            raise HarnessError(
                f"{self.name} exited with code {code} during {during}; log tail:\n{log_tail(self.log_path)}"
            )

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def http_get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            return status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _stop(server: Server) -> None:
    survivors = descendants(server.popen.pid) if server.popen.poll() is None else []
    if server.popen.poll() is None:
        server.popen.terminate()
        try:
            server.popen.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print(f"bench: {server.name} ignored SIGTERM; killing it", file=sys.stderr)
            server.popen.kill()
            server.popen.wait(timeout=STOP_TIMEOUT_S)
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_server(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    ready_path: str,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
) -> Iterator[Server]:
    """Start `command`, wait for `ready_path` to answer 200, yield it; always stop it after."""
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the harness only; it stops the server
        )
    server = Server(name=name, popen=popen, port=port, log_path=log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            server.check_alive("startup")
            with contextlib.suppress(OSError):
                status, _ = http_get(server.base_url + ready_path, timeout=2.0)
                if status == 200:
                    break
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"{name} did not answer 200 on {ready_path} within {STARTUP_TIMEOUT_S:.0f} s; "
                    f"log tail:\n{log_tail(log_path)}"
                )
            time.sleep(0.1)
        pid = listening_pid(popen.pid, port)
        if pid is None:
            raise HarnessError(f"cannot find the process of {name} listening on port {port}")
        server.pid = pid
        yield server
    finally:
        _stop(server)


# --------------------------------------------------------------------------- wrk


@dataclass
class Measurement:
    target: str  # an ENDPOINTS key or BARE
    connections: int
    threads: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    non_2xx: int  # wrk's errors.status: responses with status >= 400
    socket_errors: dict[str, int]
    errors: int  # non_2xx + all socket errors
    bytes_per_response: float
    server_cpu_pct: float  # server process CPU over the run; 100 = one core saturated
    ratio_to_bare: float | None = None
    command: list[str] = field(default_factory=list)


def find_wrk() -> str:
    for candidate in ("/usr/bin/wrk", shutil.which("wrk")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    print("bench: wrk not found; trying `apt-get install -y wrk`", file=sys.stderr)
    try:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise HarnessError(
            f"wrk is not installed and `apt-get install -y wrk` failed ({exc}); "
            "install wrk (https://github.com/wg/wrk) and run again"
        ) from None
    found = shutil.which("wrk") or ("/usr/bin/wrk" if os.access("/usr/bin/wrk", os.X_OK) else None)
    if found is None:
        raise HarnessError("`apt-get install -y wrk` ran but no wrk binary is on PATH")
    return found


def run_wrk(
    wrk: str,
    server: Server,
    target: str,
    connections: int,
    duration_s: int,
    seed: int,
    headers: Sequence[str] = (),
    label: str | None = None,
    cursor_file: Path | None = None,
) -> Measurement:
    threads = min(MAX_WRK_THREADS, connections)
    header_args = [arg for header in headers for arg in ("-H", header)]
    command = [
        wrk,
        *header_args,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--latency",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(LUA_SCRIPT),
        server.base_url,
        "--",
        target,
        str(seed),
        str(VIDEO_PAGES),
        str(ARTIST_PAGES),
        str(VIDEO_IDS),
        ",".join(SEARCH_WORDS),
        str(cursor_file or ""),
        str(DEEP_PAGES[0]),
    ]
    cpu_before = cpu_seconds(server.pid)
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 120, check=False)
    except subprocess.TimeoutExpired:
        raise HarnessError(f"wrk did not finish: {' '.join(command)}") from None
    elapsed = time.monotonic() - started
    server.check_alive(f"{target} at {connections} connections")
    cpu_pct = 100.0 * (cpu_seconds(server.pid) - cpu_before) / elapsed
    if done.returncode != 0:
        raise HarnessError(f"wrk exited with {done.returncode}: {' '.join(command)}\n{done.stdout}{done.stderr}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if len(lines) != 1:
        raise HarnessError(f"no BENCH_JSON line in wrk's output:\n{done.stdout}{done.stderr}")
    data: dict[str, Any] = json.loads(lines[0].removeprefix("BENCH_JSON "))
    sockets = {key: int(data[key]) for key in ("connect", "read", "write", "timeout")}
    requests = int(data["requests"])
    return Measurement(
        target=label or target,
        connections=connections,
        threads=threads,
        duration_s=round(float(data["duration_s"]), 3),
        requests=requests,
        rps=round(float(data["rps"]), 1),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        mean_ms=round(data["mean_us"] / 1000, 3),
        non_2xx=int(data["non2xx"]),
        socket_errors=sockets,
        errors=int(data["non2xx"]) + sum(sockets.values()),
        bytes_per_response=round(int(data["bytes"]) / requests, 1) if requests else 0.0,
        server_cpu_pct=round(cpu_pct, 1),
        command=command,
    )


def measure(
    wrk: str,
    server: Server,
    target: str,
    connections: Sequence[int],
    duration_s: int,
    warmup_s: int,
    seed: int,
    headers: Sequence[str] = (),
    label: str | None = None,
    cursor_file: Path | None = None,
) -> list[Measurement]:
    if warmup_s > 0:
        print(f"  {target}: warm-up {warmup_s} s (discarded)", file=sys.stderr)
        warmup = min(WARMUP_CONNECTIONS, max(connections))
        run_wrk(wrk, server, target, warmup, warmup_s, seed, headers, cursor_file=cursor_file)
    results = []
    for count in connections:
        result = run_wrk(wrk, server, target, count, duration_s, seed + count, headers, label, cursor_file)
        print(
            f"  {target} @{count}: {result.rps:.1f} req/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms, errors {result.errors}, "
            f"server CPU {result.server_cpu_pct:.0f}%",
            file=sys.stderr,
        )
        results.append(result)
    return results


# --------------------------------------------------------------------------- auth


def _post_login(base_url: str) -> dict[str, Any]:
    body = json.dumps({"username": BENCH_USER, "password": BENCH_PASSWORD}).encode()
    request = urllib.request.Request(
        base_url + f"{API}/auth/login", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload: dict[str, Any] = json.loads(response.read())
            return payload
    except urllib.error.HTTPError as exc:
        raise HarnessError(f"login failed with {exc.code}: {exc.read()[:300]!r}") from None


def sign_in(base_url: str) -> str:
    """The bench admin's access token (the admin comes from MVIDARR_ADMIN_USERNAME/PASSWORD)."""
    return str(_post_login(base_url)["access_token"])


def login_cost(wrk: str, server: Server, duration_s: int) -> dict[str, Any]:
    """Server CPU per login (sequential), then health latency while 10 clients log in nonstop."""
    from concurrent.futures import ThreadPoolExecutor

    before = cpu_seconds(server.pid)
    started = time.monotonic()
    for _ in range(LOGINS_FOR_CPU):
        _post_login(server.base_url)
    cpu_ms = 1000 * (cpu_seconds(server.pid) - before) / LOGINS_FOR_CPU
    wall_ms = 1000 * (time.monotonic() - started) / LOGINS_FOR_CPU
    print(f"  login: {cpu_ms:.0f} ms server CPU, {wall_ms:.0f} ms wall each (sequential)", file=sys.stderr)

    stop = time.monotonic() + duration_s + 2
    counts = [0] * CONCURRENT_LOGINS

    def keep_logging_in(index: int) -> None:
        while time.monotonic() < stop:
            _post_login(server.base_url)
            counts[index] += 1

    with ThreadPoolExecutor(CONCURRENT_LOGINS) as pool:
        futures = [pool.submit(keep_logging_in, i) for i in range(CONCURRENT_LOGINS)]
        time.sleep(1.0)  # let the logins pile up first
        health = run_wrk(wrk, server, "health", 1, duration_s, 1)
        for future in futures:
            future.result()
    print(
        f"  health during {CONCURRENT_LOGINS} concurrent logins: p99 {health.p99_ms:.2f} ms, "
        f"{sum(counts)} logins in {duration_s + 2} s",
        file=sys.stderr,
    )
    return {
        "login_cpu_ms": round(cpu_ms, 1),
        "login_wall_ms": round(wall_ms, 1),
        "health_p99_during_logins_ms": health.p99_ms,
        "health_p50_during_logins_ms": health.p50_ms,
        "health_rps_during_logins": health.rps,
        "concurrent_logins_done": sum(counts),
    }


# --------------------------------------------------------------------------- checks


def sanity_checks(base_url: str, targets: Sequence[str], headers: dict[str, str]) -> list[dict[str, Any]]:
    """Ask for the edges of each random range once, so the load hits real rows."""
    paths: list[tuple[str, str, bool]] = []  # (target, path, must have items)
    if "video_list" in targets:
        paths += [
            ("video_list", f"{API}/videos?page_size={PAGE_SIZE}&page=1", True),
            ("video_list", f"{API}/videos?page_size={PAGE_SIZE}&page={VIDEO_PAGES}", True),
        ]
    if "artist_list" in targets:
        paths += [
            ("artist_list", f"{API}/artists?page_size={PAGE_SIZE}&page=1", True),
            ("artist_list", f"{API}/artists?page_size={PAGE_SIZE}&page={ARTIST_PAGES}", True),
        ]
    if "video_detail" in targets:
        paths += [("video_detail", f"{API}/videos/{i}", False) for i in (1, VIDEO_IDS)]
    if "video_search" in targets:
        paths += [("video_search", f"{API}/videos?q={word}&page_size={PAGE_SIZE}", True) for word in SEARCH_WORDS]
    if "video_sorted" in targets:
        paths += [
            ("video_sorted", f"{API}/videos?page_size={PAGE_SIZE}&page={VIDEO_PAGES}&sort={direction}{field}", True)
            for field in VIDEO_SORTS
            for direction in ("", "-")
        ]
    if "video_deep" in targets:
        paths += [("video_deep", f"{API}/videos?page_size={PAGE_SIZE}&page={page}", True) for page in DEEP_PAGES]
    if "search" in targets:
        paths += [("search", f"{API}/search?q={word}", True) for word in SEARCH_WORDS]
    if "suggestions" in targets:
        paths += [("suggestions", f"{API}/search/suggestions?q={word[:2]}", True) for word in SEARCH_WORDS]
    if "health" in targets:
        paths.append(("health", f"{API}/health", False))
    checks = []
    for target, path, needs_items in paths:
        check: dict[str, Any] = {"target": target, "path": path}
        try:
            status, body = http_get(base_url + path, headers=headers)
        except OSError as exc:
            check.update(ok=False, problem=f"request failed: {exc}")
            checks.append(check)
            continue
        check["status"] = status
        check["bytes"] = len(body)
        problem = None
        if status != 200:
            problem = f"status {status}: {body[:300].decode('utf-8', 'replace')}"
        else:
            try:
                payload = json.loads(body)
            except ValueError:
                problem = "body is not JSON"
            else:
                if isinstance(payload, dict) and "total" in payload:
                    check["total"] = payload["total"]
                if isinstance(payload, dict) and "items" in payload:
                    check["items"] = len(payload["items"])
                if needs_items and not check.get("items"):
                    problem = "no items"
        check["ok"] = problem is None
        if problem:
            check["problem"] = problem
        checks.append(check)
    return checks


def deep_cursors(base_url: str, headers: dict[str, str], path: Path) -> dict[str, Any]:
    """Walk the video list by cursor to its end; write the cursors of the deep pages to `path`, one a
    line, for video_deep_cursor (the cursor of page n is the `next_cursor` of page n - 1)."""
    cursors: list[str] = []
    cursor = ""
    ids: list[int] = []
    for page in range(1, VIDEO_PAGES + 1):
        if page in DEEP_PAGES:
            cursors.append(cursor)
        query = f"page_size={PAGE_SIZE}" + (f"&cursor={cursor}" if cursor else "")
        status, body = http_get(f"{base_url}{API}/videos?{query}", headers=headers)
        if status != 200:
            raise HarnessError(f"the cursor walk failed on page {page}: {status} {body[:300]!r}")
        payload = json.loads(body)
        ids += [item["id"] for item in payload["items"]]
        cursor = payload["next_cursor"] or ""
    if cursor or len(set(ids)) != VIDEO_IDS:
        raise HarnessError(f"the cursor walk saw {len(set(ids))} videos in {VIDEO_PAGES} pages, not {VIDEO_IDS}")
    path.write_text("\n".join(cursors) + "\n", encoding="ascii")
    return {"pages": VIDEO_PAGES, "videos": len(ids), "deep_cursors": len(cursors)}


def seeded_counts(db_path: Path) -> dict[str, Any]:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        counts: dict[str, Any] = {}
        for table in ("artist", "video", "media_file"):
            query = f"SELECT count(*), min(id), max(id) FROM {table}"
            count, low, high = _first_row(conn.execute(query))
            counts[table] = {"count": count, "min_id": low, "max_id": high}
    return counts


def _first_row(cursor: sqlite3.Cursor) -> tuple[Any, ...]:
    row: tuple[Any, ...] | None = cursor.fetchone()
    if row is None:
        raise HarnessError("empty result from the seeded database")
    return row


# --------------------------------------------------------------------------- bars


@dataclass(frozen=True)
class Bar:
    target: str
    connections: int | None  # None for the memory bar
    metric: str  # "ratio", "p99_ms", "errors" or "rss_after_mib"
    limit: float
    description: str
    unit: str = ""

    def evaluate(self, run: dict[str, Any]) -> dict[str, Any]:
        value: float | None = None
        if self.metric == "rss_after_mib":
            value = run.get("memory", {}).get("after_load", {}).get("rss_mib")
        elif self.metric == "auth_ratio":
            rps = {(m["target"], m["connections"]): m["rps"] for m in run["measurements"]}
            authed, bypassed = rps.get((AUTHED, self.connections)), rps.get((NOAUTH, self.connections))
            value = round(authed / bypassed, 4) if authed and bypassed else None
        elif self.metric in ("login_cpu_ms", "health_p99_during_logins_ms"):
            value = run.get("login", {}).get(self.metric)
        else:
            for entry in run["measurements"]:
                if entry["target"] == self.target and entry["connections"] == self.connections:
                    value = entry["ratio_to_bare"] if self.metric == "ratio" else entry[self.metric]
        if value is None:
            verdict = "SKIP"
        elif self.metric in ("ratio", "auth_ratio"):
            verdict = "PASS" if value >= self.limit else "FAIL"
        elif self.metric == "login_cpu_ms":
            verdict = "PASS" if LOGIN_CPU_MS[0] <= value <= LOGIN_CPU_MS[1] else "FAIL"
        elif self.metric == "errors":
            verdict = "PASS" if value <= self.limit else "FAIL"
        else:
            verdict = "PASS" if value < self.limit else "FAIL"
        return {"bar": self.description, "verdict": verdict, "measured": value, "unit": self.unit}


BARS = (
    Bar("video_list", 64, "ratio", 0.10, "video_list @64: throughput >= 0.10 x bare"),
    Bar("video_list", 64, "p99_ms", 100.0, "video_list @64: p99 < 100 ms", " ms"),
    Bar("video_list", 64, "errors", 0, "video_list @64: zero errors (non-2xx + socket)"),
    Bar("artist_list", 64, "ratio", 0.10, "artist_list @64: throughput >= 0.10 x bare"),
    Bar("video_detail", 64, "ratio", 0.25, "video_detail @64: throughput >= 0.25 x bare"),
    Bar("video_search", 10, "p99_ms", 150.0, "video_search @10: p99 < 150 ms", " ms"),
    Bar("video_sorted", 64, "p99_ms", 150.0, "video_sorted @64: p99 < 150 ms", " ms"),
    Bar("video_sorted", 64, "ratio", 0.08, "video_sorted @64: throughput >= 0.08 x bare"),
    Bar("search", 10, "p99_ms", 50.0, "search @10: p99 < 50 ms", " ms"),
    Bar("suggestions", 10, "p99_ms", 30.0, "suggestions @10: p99 < 30 ms", " ms"),
    Bar("memory", None, "rss_after_mib", 125.0, "server RSS after load < 125 MiB", " MiB"),
    Bar("video_detail", 10, "auth_ratio", 0.9, "video_detail @10: bearer auth >= 0.9 x auth bypassed"),
    Bar("video_detail", 64, "auth_ratio", 0.9, "video_detail @64: bearer auth >= 0.9 x auth bypassed"),
    Bar("login", None, "login_cpu_ms", 0.0, "one login costs 50-500 ms of server CPU", " ms"),
    Bar("login", None, "health_p99_during_logins_ms", 20.0, "health p99 < 20 ms during 10 concurrent logins", " ms"),
)


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown(run: dict[str, Any]) -> str:
    config = run["config"]
    lines = [
        f"## MVidarr foundation benchmark, {run['machine']['date']}"
        + (" (quick smoke run)" if config["quick"] else ""),
        "",
        f"{config['duration_s']} s per run, wrk threads = min(2, connections), "
        f"one uvicorn worker, {run['machine']['nproc']} CPUs, SQLite "
        f"{run['machine']['sqlite_version']}, {config['seed']['videos']} videos.",
        "",
        "| endpoint | conns | req/s | x bare | p50 ms | p99 ms | non-2xx+errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in run["measurements"]:
        lines.append(
            f"| {entry['target']} | {entry['connections']} | {entry['rps']:.1f} "
            f"| {_fmt(entry['ratio_to_bare'], 3)} | {entry['p50_ms']:.2f} "
            f"| {entry['p99_ms']:.2f} | {entry['errors']} |"
        )
    memory = run["memory"]
    lines += [
        "",
        "| MVidarr server memory (VmRSS) | MiB |",
        "|---|---:|",
        f"| idle | {_fmt(memory.get('idle', {}).get('rss_mib'), 1)} |",
        f"| after load | {_fmt(memory.get('after_load', {}).get('rss_mib'), 1)} |",
        f"| peak (VmHWM) | {_fmt(memory.get('after_load', {}).get('hwm_mib'), 1)} |",
        "",
        "Bars:",
        "",
    ]
    for bar in run["bars"]:
        measured = bar["measured"]
        shown = "not measured" if measured is None else f"measured {measured:g}{bar['unit']}"
        lines.append(f"- {bar['verdict']}: {bar['bar']} ({shown})")
    failed = [c for c in run["sanity_checks"] if not c["ok"]]
    if failed:
        lines += ["", "Sanity checks that failed:", ""]
        lines += [f"- {c['path']}: {c.get('problem')}" for c in failed]
    return "\n".join(lines) + "\n"


def _mib(kib: dict[str, int]) -> dict[str, float]:
    return {"rss_mib": round(kib["VmRSS"] / 1024, 1), "hwm_mib": round(kib["VmHWM"] / 1024, 1)}


def _command_output(command: Sequence[str]) -> str | None:
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=10, check=False, cwd=REPO)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout or done.stderr).strip() or None


def machine_info(wrk: str, started: datetime) -> dict[str, Any]:
    cpu_model = None
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu_model = line.partition(":")[2].strip()
                break
    mem_total_mib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                mem_total_mib = round(int(line.split()[1]) / 1024)
    packages = {}
    names = "mvidarr fastapi starlette uvicorn uvloop httptools pydantic sqlalchemy aiosqlite orjson"
    for name in names.split():
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    dirty = _command_output(["git", "--no-optional-locks", "status", "--porcelain", "-uno"])
    return {
        "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "mem_total_mib": mem_total_mib,
        "kernel": platform.release(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlite_version": sqlite3.sqlite_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "wrk_version": (_command_output([wrk, "--version"]) or "").splitlines()[0:1],
        "packages": packages,
        "git_commit": _command_output(["git", "rev-parse", "HEAD"]),
        "git_tracked_changes": bool(dirty),
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs at 64 connections only (smoke test)")
    parser.add_argument(
        "--skip-jobs", action="store_true", help="do not run the job queue benchmark (bench/jobs.py) afterwards"
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated endpoints to run (of {', '.join(ENDPOINTS)}); the bare app always runs",
    )
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in ENDPOINTS]
    if unknown:
        parser.error(f"unknown endpoint(s) {', '.join(unknown)}; choose from {', '.join(ENDPOINTS)}")
    args.targets = [name for name in ENDPOINTS if not only or name in only]
    return args


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HarnessError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise HarnessError(f"{name} must be at least {minimum}, got {value}")
    return value


def _executable(name: str) -> str:
    for folder in (VENV_BIN, Path(sys.executable).parent):
        path = folder / name
        if os.access(path, os.X_OK):
            return str(path)
    raise HarnessError(f"cannot find {name} in {VENV_BIN}; run `make test` once to install")


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    started = datetime.now(UTC)
    duration_s = QUICK_DURATION_S if args.quick else _env_int("BENCH_DURATION_S", 10, 1)
    warmup_s = 1 if args.quick else _env_int("BENCH_WARMUP_S", DEFAULT_WARMUP_S, 0)
    seed = _env_int("BENCH_SEED", random.randrange(1, 2**31), 0)
    connections = QUICK_CONNECTIONS if args.quick else CONNECTIONS
    wrk = find_wrk()
    mvidarr = _executable("mvidarr")
    python = _executable("python")
    run: dict[str, Any] = {
        "benchmark": "foundation",
        "machine": machine_info(wrk, started),
        "config": {
            "quick": args.quick,
            "targets": args.targets,
            "connections": list(connections),
            "duration_s": duration_s,
            "warmup_s": warmup_s,
            "warmup_connections": min(WARMUP_CONNECTIONS, max(connections)),
            "wrk_threads": f"min({MAX_WRK_THREADS}, connections)",
            "wrk_timeout": WRK_TIMEOUT,
            "random_seed": seed,
            "seed": {
                "artists": SEED_ARTISTS,
                "videos_per_artist": SEED_VIDEOS_PER_ARTIST,
                "videos": VIDEO_IDS,
            },
            "endpoints": {
                **{name: ENDPOINTS[name] for name in args.targets},
                BARE: BARE_DESCRIPTION,
            },
            "search_words": list(SEARCH_WORDS),
        },
    }
    workdir = Path(tempfile.mkdtemp(prefix="mvidarr-bench-"))
    try:
        data_dir = workdir / "data"
        # Only our MVIDARR_* settings; the server runs in the temp dir so no stray .env applies.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        env |= {
            "MVIDARR_DATA_DIR": str(data_dir),
            "MVIDARR_LOG_LEVEL": "warning",
            # The app needs a signed-in caller: the admin is created at start-up from these.
            "MVIDARR_ADMIN_USERNAME": BENCH_USER,
            "MVIDARR_ADMIN_PASSWORD": BENCH_PASSWORD,
            "MVIDARR_ACCESS_TOKEN_TTL_S": "86400",
            # Throttling would refuse the login load of the login bar.
            "MVIDARR_LOGIN_MAX_FAILURES_PER_IP": "1000000",
        }

        print(f"bench: seeding {VIDEO_IDS} videos into {data_dir}", file=sys.stderr)
        seed_started = time.monotonic()
        seed_command = [
            mvidarr, "seed-demo", "--artists", str(SEED_ARTISTS),
            "--videos-per-artist", str(SEED_VIDEOS_PER_ARTIST),
        ]  # fmt: skip
        try:
            seeded = subprocess.run(
                seed_command, cwd=workdir, env=env, capture_output=True, text=True,
                timeout=SEED_TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise HarnessError(f"seed-demo took longer than {SEED_TIMEOUT_S:.0f} s") from None
        if seeded.returncode != 0:
            raise HarnessError(f"seed-demo failed ({seeded.returncode}):\n{seeded.stderr}")
        run["seeding"] = {
            "seconds": round(time.monotonic() - seed_started, 1),
            "output": seeded.stderr.strip().splitlines()[-1:],
            "rows": seeded_counts(data_dir / "mvidarr.db"),
        }
        videos = run["seeding"]["rows"]["video"]
        artists = run["seeding"]["rows"]["artist"]
        if (videos["min_id"], videos["max_id"]) != (1, VIDEO_IDS) or (
            artists["min_id"],
            artists["max_id"],
        ) != (1, SEED_ARTISTS):
            raise HarnessError(f"seeded ids are not 1..N as the load assumes: {run['seeding']}")

        measurements: list[Measurement] = []
        port = free_port()
        print(f"bench: starting mvidarr serve on port {port}", file=sys.stderr)
        with running_server(
            "mvidarr",
            [mvidarr, "serve", "--port", str(port), "--no-jobs"],
            port=port,
            ready_path=f"{API}/health",
            env=env,
            cwd=workdir,
            log_path=workdir / "mvidarr.log",
        ) as server:
            run["server_process"] = {
                "spawned_pid": server.popen.pid,
                "listening_pid": server.pid,
                "same_process": server.pid == server.popen.pid,
                "children": descendants(server.popen.pid),
            }
            if server.pid != server.popen.pid:
                print(
                    f"bench: warning: the listener is pid {server.pid}, a child of "
                    f"{server.popen.pid}; measuring the listener's memory",
                    file=sys.stderr,
                )
            time.sleep(1.0)  # let startup settle before the idle reading
            idle = memory_kib(server.pid)
            run["memory"] = {"idle": _mib(idle)}
            token = sign_in(server.base_url)
            auth_header = f"Authorization: Bearer {token}"
            run["sanity_checks"] = sanity_checks(server.base_url, args.targets, {"Authorization": f"Bearer {token}"})
            for check in run["sanity_checks"]:
                if not check["ok"]:
                    print(f"bench: sanity check failed: {check['path']}: {check['problem']}")
            cursor_file = None
            if "video_deep_cursor" in args.targets:
                cursor_file = workdir / "deep-cursors.txt"
                bearer = {"Authorization": f"Bearer {token}"}
                run["cursor_walk"] = deep_cursors(server.base_url, bearer, cursor_file)
            for target in args.targets:
                measurements += measure(
                    wrk, server, target, connections, duration_s, warmup_s, seed, [auth_header],
                    cursor_file=cursor_file,
                )  # fmt: skip
            run["login"] = login_cost(wrk, server, duration_s)
            server.check_alive("the load")
            run["memory"]["after_load"] = _mib(memory_kib(server.pid))
            lines = server.log_lines()
            run["server_log"] = {"lines": len(lines), "excerpt": lines[:40]}

        if "video_detail" in args.targets:
            # The same uvicorn command for both, differing only in the factory: a fair A/B.
            for factory, label in (("create_app", NOAUTH), ("create_authenticated_app", AUTHED)):
                port = free_port()
                print(f"bench: starting bench.noauth_app:{factory} on port {port}", file=sys.stderr)
                command = [
                    python, "-m", "uvicorn", f"bench.noauth_app:{factory}", "--factory", "--host", HOST,
                    "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                    "--no-server-header", "--log-level", "warning",
                ]  # fmt: skip
                with running_server(
                    label,
                    command,
                    port=port,
                    ready_path=f"{API}/health",
                    env={**env, "MVIDARR_WORKER_SLOTS": "0"},
                    cwd=REPO,
                    log_path=workdir / f"{label}.log",
                ) as ab_server:
                    headers = [f"Authorization: Bearer {sign_in(ab_server.base_url)}"]
                    measurements += measure(
                        wrk, ab_server, "video_detail", connections, duration_s, warmup_s, seed, headers, label
                    )

        port = free_port()
        print(f"bench: starting the bare app on port {port}", file=sys.stderr)
        bare_command = [
            python, "-m", "uvicorn", "bench.bare_app:app", "--host", HOST, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-server-header",
            "--log-level", "warning",
        ]  # fmt: skip
        with running_server(
            "bare app",
            bare_command,
            port=port,
            ready_path="/",
            env=env,
            cwd=REPO,
            log_path=workdir / "bare.log",
        ) as bare:
            bare_results = measure(wrk, bare, BARE, connections, duration_s, warmup_s, seed)
            run["bare_memory_after_load"] = _mib(memory_kib(bare.pid))
        bare_rps = {m.connections: m.rps for m in bare_results}
        for entry in measurements:
            base = bare_rps.get(entry.connections)
            entry.ratio_to_bare = round(entry.rps / base, 4) if base else None
        for entry in bare_results:
            entry.ratio_to_bare = 1.0
        run["measurements"] = [asdict(m) for m in (*measurements, *bare_results)]
        run["bars"] = [bar.evaluate(run) for bar in BARS]
        run["finished"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        run["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return run


def write_results(run: dict[str, Any], table: str) -> list[Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.strptime(run["machine"]["date"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(run, indent=2, ensure_ascii=False) + "\n"
    paths = [RESULTS_DIR / f"foundation-{stamp}.json", RESULTS_DIR / "latest.json"]
    for path in paths:
        path.write_text(text, encoding="utf-8")
    markdown_path = RESULTS_DIR / "latest.md"
    markdown_path.write_text(table, encoding="utf-8")
    return [*paths, markdown_path]


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run = benchmark(args)
        table = markdown(run)
        paths = write_results(run, table)
    except HarnessError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped and temp dir removed", file=sys.stderr)
        return 130
    print(table, end="")
    print()
    for path in paths:
        print(f"wrote {path.relative_to(REPO)}")
    if not args.skip_jobs and not args.quick and len(args.targets) == len(ENDPOINTS):
        from bench import jobs

        print("\n=== job queue benchmark (bench/jobs.py) ===", flush=True)
        return jobs.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
