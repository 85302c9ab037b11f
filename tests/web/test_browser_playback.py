"""Playback in a real browser: a playlist built from the videos page, reordered by keyboard and by
drag, played on to the next item by itself (within 300 ms); MvTV shuffling a smart filter plays
different videos in a row and keeps its queue over a reload; the player resumes where the user
left off; subtitles show. Real H.264/AAC clips made with PyAV."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from mvidarr.db import Database
from tests.factories import attach_file
from tests.fixtures.media import ClipSpec, make_clip
from tests.web.browser import BROWSER_MARKS, Server, Tab, axe_problems, axe_source, browser, server, sign_in, tab

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name

SHORT = ClipSpec("short.mp4", "mp4", "libx264", "aac", 320, 180, fps=24, seconds=1.2)
LONG = ClipSpec("long.mp4", "mp4", "libx264", "aac", 320, 180, fps=10, seconds=20.0)
# The bar is 300 ms on a local library; the machine running the suite may be loaded, and the
# figure is printed so a slow run is visible.
GAP_BAR_MS = 300
ON_STAGE = "(id) => document.getElementById('mvtv-stage').dataset.videoId === String(id)"


def _add_videos(
    server: Server, artist_name: str, titles: list[str], spec: ClipSpec, genre: str, *, container: str = "mp4"
) -> list[int]:
    """Videos with a real clip on disk each (and a current media file row)."""
    with server.api(server.admin_token()) as api:
        artist = api.post("/artists", params={"enrich": "false"}, json={"name": artist_name}).json()
        ids = [
            api.post(
                "/videos", json={"artist_id": artist["id"], "title": t, "year": 1990 + n, "genres": [genre]}
            ).json()["id"]
            for n, t in enumerate(titles)
        ]
    folder = server.library / artist_name
    suffix = Path(spec.name).suffix
    names = [f"{artist_name}/{make_clip(folder, spec, name=f'clip-{video_id}{suffix}').name}" for video_id in ids]
    database = Database.connect(make_url(f"sqlite+aiosqlite:///{server.data / 'mvidarr.db'}"), pool_size=1)

    async def attach() -> None:
        try:
            for video_id, name in zip(ids, names, strict=True):
                size = (server.library / name).stat().st_size
                await attach_file(
                    database, video_id, str(server.library), relative_path=name, size=size,
                    width=spec.width, height=spec.height, quality_label="240p", duration_s=spec.seconds,
                    container=container,
                )  # fmt: skip
        finally:
            await database.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, attach()).result()
    return ids


def _played_video_ids(tab: Tab, stage: str, count: int, timeout_s: float = 40) -> tuple[list[int], list[float]]:
    """The ids the stage plays, in order, until `count` have started; and each change's gap in ms."""
    seen: list[int] = []
    gaps: list[float] = []
    deadline = time.monotonic() + timeout_s
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {seen} played"
        state = tab.page.evaluate(
            """(stage) => { const s = document.querySelector(stage);
                const v = [...s.querySelectorAll('video')].find((e) => !e.hidden);
                return {id: Number(s.dataset.videoId || 0), playing: !!v && !v.paused && v.currentTime > 0,
                        ended: Number(s.dataset.endedAt || 0), started: Number(s.dataset.playingAt || 0)}; }""",
            stage,
        )
        # `started` is this video's own "playing" (the player clears it at each change): until it has
        # fired, the element may already advance, but the change is not yet measured.
        if state["id"] and state["playing"] and state["started"] and (not seen or seen[-1] != state["id"]):
            if seen and state["ended"]:
                gaps.append(state["started"] - state["ended"])
            seen.append(state["id"])
        time.sleep(0.05)
    return seen, gaps


def test_playlist_built_reordered_and_played_through(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    ids = _add_videos(server, "Road Band", ["Road One", "Road Two", "Road Three"], SHORT, "road")

    # Built from the videos page's selection.
    tab.go("/videos?q=road&sort=title")
    for video_id in ids:
        page.check(f'#video-list input[name="selected"][value="{video_id}"]')
    page.select_option("#bulk-action", "playlist")
    page.click("#video-bulk button[type=submit]")
    picker = page.locator("#playlist-picker")
    picker.wait_for(state="visible")
    page.select_option("#picker-playlist", "new")
    page.fill("#picker-name", "Road trip")
    picker.locator("button[value=add]").click()
    page.wait_for_selector(".toast:has-text('Added 3 to “Road trip”')")
    page.click(".toast a:has-text('Open it')")
    page.wait_for_selector("#playlist-entries li")
    titles = lambda: page.locator("#playlist-entries .entry-title").all_inner_texts()  # noqa: E731
    assert titles() == ["Road One", "Road Three", "Road Two"]  # the list's order (by title)

    # Reordered with the keyboard (focus a handle, press the arrows) and by dragging.
    page.locator("#playlist-entries li").nth(2).locator(".handle").focus()
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        "() => document.activeElement.closest('li') === document.querySelectorAll('#playlist-entries li')[1]"
    )
    assert titles() == ["Road One", "Road Two", "Road Three"]
    page.keyboard.press("Home")
    assert titles() == ["Road Two", "Road One", "Road Three"]
    page.locator("#playlist-entries li").nth(2).drag_to(page.locator("#playlist-entries li").nth(0))
    page.wait_for_function(
        "() => document.querySelector('#playlist-entries .entry-title').textContent === 'Road Three'"
    )
    assert titles() == ["Road Three", "Road Two", "Road One"]
    problems = axe_problems(page, axe_source())
    assert not problems, problems
    page.locator("#playlist-entries .entry-note").nth(0).fill("start loud")
    page.locator("#playlist-entries .entry-note").nth(0).press("Tab")
    page.wait_for_selector(".toast:has-text('Note saved.')")
    playlist_id = int(page.locator("#playlist-actions").get_attribute("data-playlist-id") or 0)
    with server.api(server.admin_token()) as api:
        entries = api.get(f"/playlists/{playlist_id}/items").json()["items"]
    assert [e["video"]["title"] for e in entries] == ["Road Three", "Road Two", "Road One"]
    assert entries[0]["note"] == "start loud"

    # Played: each video moves on to the next by itself, quickly.
    page.click("#play-all")
    played, gaps = _played_video_ids(tab, "#playlist-stage", 3)
    print(f"playlist: gaps between videos {[round(g) for g in gaps]} ms")
    assert played == [ids[2], ids[1], ids[0]]
    assert len(gaps) == 2
    assert all(0 <= gap < GAP_BAR_MS for gap in gaps), gaps
    page.wait_for_selector(".now-playing:has-text('The playlist has ended.')", timeout=15_000)
    tab.shot("playlist-playing")


def test_mvtv_shuffles_a_smart_filter_without_repeats(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    ids = _add_videos(server, "Shuffle Band", [f"Shuffle {n}" for n in range(1, 5)], SHORT, "shuffle")
    _add_videos(server, "Other Band", ["Not Shuffled"], SHORT, "other")

    tab.go("/mvtv")
    page.select_option("#mvtv-kind", "filter")
    page.select_option("#mvtv-rule-genre", "shuffle")
    page.click("#mvtv-source button[type=submit]")
    played, gaps = _played_video_ids(tab, "#mvtv-stage", 4)
    print(f"mvtv: {played}, gaps {[round(g) for g in gaps]} ms")
    assert sorted(played) == sorted(ids), "every video of the filter once, no repeats, nothing else"
    assert all(0 <= gap < GAP_BAR_MS for gap in gaps), gaps
    page.wait_for_selector("#mvtv-overlay .overlay-artist:has-text('Shuffle Band')")
    problems = axe_problems(page, axe_source())
    assert not problems, problems

    # The queue survives a reload: the same order and place (paused first, so it stays put).
    page.click('#mvtv [data-command="toggle"]')
    saved = page.evaluate("JSON.parse(localStorage.getItem('mvidarr-mvtv'))")
    assert sorted(saved["order"]) == sorted(ids)
    current = saved["order"][saved["position"]]
    page.wait_for_function(ON_STAGE, arg=current)
    # Leaving a page cancels its in-flight history reports (the last one is sent with keepalive).
    tab.watch.allow(r"/api/v1/history/plays\S* net::ERR_ABORTED")
    page.reload()
    page.wait_for_function(ON_STAGE, arg=current)
    if saved["position"] < len(saved["order"]) - 1:
        page.wait_for_selector("#up-next li")
    # Cinematic mode by key: full window, the overlay shown, no controls.
    page.keyboard.press("c")
    page.wait_for_selector("#mvtv.cinematic")
    assert page.locator(".mvtv-controls").is_hidden()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('mvtv').classList.contains('cinematic')")
    page.evaluate("localStorage.removeItem('mvidarr-mvtv')")


def test_mvtv_is_near_gapless_on_files_the_server_remuxes(tab: Tab, server: Server) -> None:
    """MKV files play as the server's remux (the stream URL without a mode lets the server choose), and
    the preloaded next one starts within the same bar as directly played files."""
    sign_in(tab, server)
    page = tab.page
    spec = ClipSpec("short.mkv", "matroska", "libx264", "aac", 320, 180, fps=24, seconds=1.2)
    ids = _add_videos(server, "Mkv Band", [f"Mkv {n}" for n in range(1, 4)], spec, "mkvgenre", container="matroska")
    tab.go("/mvtv")
    page.select_option("#mvtv-kind", "filter")
    page.select_option("#mvtv-rule-genre", "mkvgenre")
    page.click("#mvtv-source button[type=submit]")
    played, gaps = _played_video_ids(tab, "#mvtv-stage", 3)
    print(f"mvtv (remuxed): {played}, gaps {[round(g) for g in gaps]} ms")
    assert sorted(played) == sorted(ids)
    sources = page.evaluate("() => [...document.querySelectorAll('#mvtv-stage video')].map((v) => v.currentSrc)")
    assert all("mode=" not in s for s in sources if s), sources
    with server.api(server.admin_token()) as api, api.stream("GET", f"/videos/{ids[0]}/stream") as answer:
        assert answer.headers["content-type"] == "video/mp4", "the server chose to remux the MKV"
        assert answer.headers["accept-ranges"] == "none", "a remux stream, not the file"
    assert len(gaps) == 2, gaps
    assert all(0 <= gap < GAP_BAR_MS for gap in gaps), gaps
    page.evaluate("localStorage.removeItem('mvidarr-mvtv')")


def test_resume_of_a_remuxed_file_starts_the_stream_there_and_reports_file_positions(tab: Tab, server: Server) -> None:
    """A file the server remuxes (MKV) has a stream that starts at 0 after each seek: resuming asks for
    the stream from the saved position, and progress is reported in the file's seconds."""
    sign_in(tab, server)
    page = tab.page
    spec = ClipSpec("long.mkv", "matroska", "libx264", "aac", 320, 180, fps=10, seconds=20.0)
    [video_id] = _add_videos(server, "Remux Band", ["Long Mkv"], spec, "remux", container="matroska")
    with server.api(server.admin_token()) as api:
        play = api.post("/history/plays", json={"video_id": video_id}).json()
        assert (
            api.patch(f"/history/plays/{play['id']}", json={"position_s": 9.0, "duration_s": 20.0}).status_code == 204
        )

    tab.go(f"/videos/{video_id}")
    page.wait_for_function("() => document.getElementById('player').dataset.resumedFrom === '9'")
    source = page.evaluate("() => document.getElementById('player').src")
    assert "mode=remux" in source
    assert "start=9.000" in source, "the remuxed stream is asked for from the saved position"
    page.evaluate("() => { const p = document.getElementById('player'); p.muted = true; return p.play(); }")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    page.evaluate("() => document.getElementById('player').pause()")
    with server.api(server.admin_token()) as api:
        deadline = time.monotonic() + 15
        while True:
            state = api.get(f"/videos/{video_id}/watch-state").json()
            if state["play_count"] >= 2 and state["position_s"] > 9.0:
                break
            assert time.monotonic() < deadline, f"the page reported the stream's clock, not the file's: {state}"
            time.sleep(0.1)
    assert state["position_s"] < 20.0


def test_resume_and_subtitles(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    [video_id] = _add_videos(server, "Resume Band", ["Long Song"], LONG, "resume")
    clip = server.library / "Resume Band" / f"clip-{video_id}.mp4"
    Path(clip.with_suffix(".en.srt")).write_text("1\n00:00:00,000 --> 00:00:19,000\nHello from the subtitles\n")
    with server.api(server.admin_token()) as api:
        play = api.post("/history/plays", json={"video_id": video_id}).json()
        assert (
            api.patch(f"/history/plays/{play['id']}", json={"position_s": 8.0, "duration_s": 20.0}).status_code == 204
        )

    tab.go(f"/videos/{video_id}")
    page.wait_for_function("() => document.getElementById('player').dataset.resumedFrom === '8'")
    page.wait_for_function("() => document.getElementById('player').currentTime >= 7.9")
    # The subtitle track is there; shown, its cue is active while the video plays.
    page.wait_for_selector("#player track[srclang=en]", state="attached")
    page.evaluate(
        "() => { const p = document.getElementById('player'); p.textTracks[0].mode = 'showing'; p.muted = true;"
        " return p.play(); }"
    )
    page.wait_for_function(
        "() => { const t = document.getElementById('player').textTracks[0];"
        " return t.activeCues && t.activeCues.length > 0; }"
    )
    cue = page.evaluate("() => document.getElementById('player').textTracks[0].activeCues[0].text")
    assert cue == "Hello from the subtitles"
    tab.shot("video-resume-subtitles")
    # Its progress is recorded as it plays (every 5 s, and on pause).
    page.evaluate("() => document.getElementById('player').pause()")
    with server.api(server.admin_token()) as api:
        deadline = time.monotonic() + 10
        while api.get(f"/videos/{video_id}/watch-state").json()["play_count"] < 2:
            assert time.monotonic() < deadline, "the page did not record its play"
            time.sleep(0.1)
        while api.get(f"/videos/{video_id}/watch-state").json()["position_s"] <= 8.0:
            assert time.monotonic() < deadline, "the page did not report its progress"
            time.sleep(0.1)
