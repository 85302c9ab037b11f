"""The add-artist, metadata review and trash pages and the settings sections for providers,
downloads and monitors, over ASGI: what they render for each role, and the API calls their modules make."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import MatchReview, Role
from tests.factories import attach_file, make_artist, make_video
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio
DASH = "\N{EN DASH}"


async def test_add_artist_page_and_the_lookup_it_drives(
    client: httpx.AsyncClient,
    client_as: Any,
    provider_hub_on_fake: Any,  # noqa: F811
    fake_upstream: FakeUpstream,  # noqa: F811
) -> None:
    listing = (await client.get("/artists")).text
    assert '<a class="button primary" href="/artists/add">Add an artist</a>' in listing
    page = await client.get("/artists/add", params={"q": "Daft Punk"})
    assert page.status_code == 200
    assert 'id="lookup-q" name="q" value="Daft Punk"' in page.text
    assert '<label for="lookup-q">Artist name</label>' in page.text
    assert re.search(r'src="/static/[^"]+/js/pages/artist_add\.js"', page.text)
    assert '<a href="/artists" aria-current="page">Artists</a>' in page.text

    # What the module does: look up, post the chosen candidate's ids, follow the job from X-Job-Id.
    found = (await client.get("/api/v1/artists/lookup", params={"q": "Daft Punk"})).json()
    first = found["items"][0]
    assert first["artist_id"] is None
    body = {
        "name": first["name"],
        "disambiguation": first["disambiguation"] or "",
        "country": first["country"],
        "begin_year": first["begin_year"],
        "monitored": True,
        "auto_download": False,
        "musicbrainz_id": first["ids"]["musicbrainz"],
    }
    created = await client.post("/api/v1/artists", json=body, params={"enrich": "true"})
    assert created.status_code == 201, created.text
    job_id = int(created.headers["X-Job-Id"])
    assert (await client.get(f"/api/v1/jobs/{job_id}")).json()["type"] == "artist.enrich"
    again = (await client.get("/api/v1/artists/lookup", params={"q": "Daft Punk"})).json()
    assert again["items"][0]["artist_id"] == created.json()["id"]  # now shown as "In library"

    reader = await client_as(Role.READONLY)
    assert "/artists/add" not in (await reader.get("/artists")).text
    denied = await reader.get("/artists/add")
    assert denied.status_code == 403


async def test_review_page_lists_ranked_candidates_and_apply_buttons(
    client: httpx.AsyncClient, client_as: Any, db: Database
) -> None:
    artist = await make_artist(client, "Review Artist")
    video = await make_video(client, artist["id"], "Unsure Song")
    async with db.writer() as session:
        session.add(
            MatchReview(
                video_id=video["id"],
                query={"artist": "Review Artist", "title": "Unsure Song"},
                best_confidence=0.72,
                candidates=[
                    {
                        "provider": "imvdb",
                        "provider_id": "991",
                        "confidence": 0.72,
                        "artist": "Review Artist",
                        "title": "Unsure Song (Live)",
                        "year": 2004,
                        "url": "https://imvdb.com/video/x",
                    },
                    {
                        "provider": "youtube",
                        "provider_id": "abcdefghijk",
                        "confidence": 0.55,
                        "artist": "Review Artist",
                        "title": "Unsure Song",
                    },
                ],
            )
        )
        session.add(
            MatchReview(
                artist_id=artist["id"],
                query={"name": "Review Artist"},
                best_confidence=0.6,
                candidates=[
                    {
                        "provider": "musicbrainz",
                        "provider_id": "mb-1",
                        "confidence": 0.6,
                        "name": "Review Artist",
                        "disambiguation": "UK band",
                    }
                ],
            )
        )
        await session.commit()

    page = (await client.get("/metadata/review")).text
    assert "Matches needing review" in page
    assert "(2)" in page
    assert f'<a href="/videos/{video["id"]}">Review Artist {DASH} Unsure Song</a>' in page
    assert "best 72%" in page
    assert page.index("Unsure Song (Live)") < page.index('data-provider-id="abcdefghijk"')
    assert (
        f'data-kind="video" data-target-id="{video["id"]}" data-provider="imvdb" data-provider-id="991" '
        f'aria-label="Apply Review Artist {DASH} Unsure Song (Live) (imvdb) to Review Artist {DASH} Unsure Song"'
    ) in page
    assert f'aria-label="Confidence of Review Artist {DASH} Unsure Song (Live)"' in page
    assert "UK band" in page
    videos_only = (await client.get("/metadata/review", params={"kind": "video"})).text
    assert "UK band" not in videos_only
    assert "Unsure Song (Live)" in videos_only
    assert (await client.get("/metadata/review", params={"kind": "bogus"})).status_code == 200

    reader = await client_as(Role.READONLY)
    read_only = (await reader.get("/metadata/review")).text
    assert "Unsure Song (Live)" in read_only
    assert 'data-action="apply"' not in read_only
    # The Apply button's call (the page module uses exactly this request).
    applied = await client.put(f"/api/v1/videos/{video['id']}/match", json={"provider": "imvdb", "provider_id": "991"})
    assert applied.status_code == 200, applied.text
    assert "Unsure Song (Live)" not in (await client.get("/metadata/review")).text


async def test_trash_page_restore_and_purge_by_role(
    client: httpx.AsyncClient, client_as: Any, db: Database, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    artist = await make_artist(client, "Trash Artist")
    ids = []
    for title in ("One", "Two"):
        video = await make_video(client, artist["id"], title)
        path = library / f"Trash Artist/{title}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"bytes " + title.encode())
        await attach_file(
            db, video["id"], str(library), relative_path=f"Trash Artist/{title}.mp4", size=path.stat().st_size
        )
        assert (
            await client.delete(f"/api/v1/videos/{video['id']}", params={"delete_files": "true"})
        ).status_code == 204
        ids.append(video["id"])

    page = (await client.get("/trash")).text
    assert 'Trash <span class="muted" id="list-total">(2)</span>' in page
    assert "<code>Trash Artist/Two.mp4</code>" in page
    assert 'aria-label="Restore Two.mp4"' in page
    assert 'aria-label="Delete Two.mp4 for good"' in page
    assert '<a href="/trash" aria-current="page">Trash</a>' in page

    manager = await client_as(Role.MANAGER)
    as_manager = (await manager.get("/trash")).text
    assert 'aria-label="Restore One.mp4"' in as_manager
    assert 'data-action="purge"' not in as_manager
    user = await client_as(Role.USER)
    assert (await user.get("/trash")).status_code == 403
    assert 'href="/trash"' not in (await user.get("/")).text

    entries = (await client.get("/api/v1/trash")).json()["items"]
    restored = await manager.post(f"/api/v1/trash/{entries[0]['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert (library / "Trash Artist/Two.mp4").read_bytes() == b"bytes Two"
    assert (await client.delete(f"/api/v1/trash/{entries[1]['id']}")).status_code == 204
    assert "The trash is empty." in (await client.get("/trash")).text


async def test_settings_sections_for_providers_downloads_and_monitors(
    client: httpx.AsyncClient, client_as: Any
) -> None:
    created = await client.post(
        "/api/v1/monitors",
        json={"url": "https://www.youtube.com/@somechannel", "name": "Some Channel", "check_interval_hours": 12},
    )
    assert created.status_code == 201, created.text
    page = "".join([(await client.get(f"/settings/{slug}")).text for slug in ("providers", "downloads", "discovery")])
    providers = page.split('id="providers"', 1)[1].split("</section>", 1)[0]
    assert 'data-provider="musicbrainz"' in providers
    assert 'data-provider="imvdb"' in providers
    assert 'aria-label="Test imvdb"' in providers
    # Keys are write-only: a password field, empty, and only "set"/"not set".
    key = re.search(
        r'<label for="s-providers-imvdb-api_key">[^<]*<span class="badge secret-state"[^>]*>(set|not set)</span>',
        providers,
    )
    assert key
    assert key.group(1) == "not set"
    assert re.search(
        r'id="s-providers-imvdb-api_key" name="providers.imvdb.api_key" type="password"[^>]*value=""', providers
    )
    assert 'name="providers.musicbrainz.rate_limit_per_s" type="number" class="narrow" step="any"' in providers
    assert 'name="providers.musicbrainz.base_url"' in providers
    general = (await client.get("/settings/general")).text.split('id="settings-form"', 1)[1].split("</form>", 1)[0]
    assert "providers." not in general
    assert "downloads." not in general
    downloads = page.split('data-section="downloads"', 1)[1].split('id="settings-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="downloads.max_concurrent"' in downloads
    assert 'id="cookies-form"' in page
    assert 'id="cookies-file" name="file" type="file"' in page
    monitors = page.split('id="monitors"', 1)[1].split("</table>", 1)[0]
    assert f'data-monitor-id="{created.json()["id"]}"' in monitors
    assert 'aria-label="Check Some Channel now"' in monitors
    assert 'value="12" data-field="check_interval_hours"' in monitors

    # Saving a provider's section is the general settings PATCH; a key reads back only as "set".
    saved = await client.patch(
        "/api/v1/settings", json={"providers.imvdb.api_key": "k3y", "providers.musicbrainz.rate_limit_per_s": 0.5}
    )
    assert saved.status_code == 200, saved.text
    again = (await client.get("/settings/providers")).text
    assert re.search(
        r'<label for="s-providers-imvdb-api_key">[^<]*<span class="badge secret-state"[^>]*>set</span>', again
    )
    assert "k3y" not in again
    assert 'step="any" value="0.5"' in again

    as_manager = await client_as(Role.MANAGER)
    assert 'id="monitors"' in (await as_manager.get("/settings/discovery")).text
    assert (await as_manager.get("/settings/providers")).status_code == 403
    assert (await as_manager.get("/settings/downloads")).status_code == 403
