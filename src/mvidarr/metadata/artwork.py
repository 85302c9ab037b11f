"""Downloading the artwork enrichment found: an artist's image and fanart, a video's thumbnail.

Pictures go through the guarded fetcher (size cap, image types only, private addresses refused
unless listed in `network.allowed_private_hosts`) into the artwork store, the way a picture named by URL
does, with the provider as `artwork_source`. A picture the user chose (uploaded or fetched from
a URL) is never replaced; a video that has a thumbnail keeps it. A picture that cannot be
fetched or read is logged and skipped: it never fails the enrichment.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.artwork import images
from mvidarr.artwork.service import ARTWORK_DIR, USER_CHOSEN_SOURCES
from mvidarr.errors import MvidarrError
from mvidarr.models import Artist, Video
from mvidarr.network.fetch import FetchLimits, fetcher_from_settings

log = logging.getLogger("mvidarr.metadata")
MAX_ARTWORK_BYTES = 20 * 1024 * 1024
Slot = Literal["image", "fanart", "thumbnail"]


@dataclass(frozen=True, slots=True)
class Wanted:
    """A picture to download for one slot of an artist or video."""

    slot: Slot
    url: str
    provider: str


def _column(slot: Slot) -> str:
    return "fanart_path" if slot == "fanart" else "thumbnail_path"


def _takes(owner: Artist | Video, slot: Slot, url: str) -> bool:
    """Whether the slot may take the picture at `url` (and does not have it already)."""
    provenance = (owner.field_provenance or {}).get(slot) or {}
    current = getattr(owner, _column(slot))
    if current and provenance.get("stored_url") == url:
        return False  # downloaded before
    if slot == "fanart":
        return True
    if owner.artwork_source in USER_CHOSEN_SOURCES:
        return False
    return not (isinstance(owner, Video) and current)  # a video keeps the thumbnail it has


def _remove_inside(data_dir: Path, relative: str) -> None:
    base = data_dir.resolve()
    old = (base / relative).resolve()
    if old != base and old.is_relative_to(base):
        shutil.rmtree(old, ignore_errors=True)


async def download(
    sessions: async_sessionmaker[AsyncSession],
    data_dir: Path,
    kind: Literal["artist", "video"],
    owner_id: int,
    wanted: list[Wanted],
    *,
    on_failure: Callable[[Wanted, str], None] | None = None,
) -> list[str]:
    """Download and store the wanted pictures; returns the slots that changed. `on_failure` hears why a
    picture was not stored (the 0.9.7 import reports it)."""
    model: type[Artist] | type[Video] = Artist if kind == "artist" else Video
    async with sessions() as session:
        owner: Artist | Video | None = await session.get(model, owner_id)
        if owner is None:
            return []
        todo = [w for w in wanted if _takes(owner, w.slot, w.url)]
        if not todo:
            return []
        fetcher = await fetcher_from_settings(session, FetchLimits(max_bytes=MAX_ARTWORK_BYTES))
    changed: list[str] = []
    for want in todo:
        parent = data_dir / ARTWORK_DIR / f"{kind}s" / str(owner_id) / ("fanart" if want.slot == "fanart" else "")
        try:
            fetched = await fetcher.fetch(want.url)
            stored = await asyncio.to_thread(images.store, fetched.body, parent)
        except (MvidarrError, images.NotAnImage) as exc:
            log.info("%s %s: %s from %s not stored: %s", kind, owner_id, want.slot, want.provider, exc)
            if on_failure is not None:
                on_failure(want, str(exc))
            continue
        relative = stored.folder.relative_to(data_dir).as_posix()
        async with sessions() as session:
            owner = await session.get(model, owner_id)
            if owner is None or not _takes(owner, want.slot, want.url):
                continue  # deleted, or the user chose a picture meanwhile
            column = _column(want.slot)
            previous = getattr(owner, column)
            setattr(owner, column, relative)
            if want.slot != "fanart":
                owner.artwork_source = want.provider
            provenance = dict(owner.field_provenance or {})
            entry = dict(provenance.get(want.slot) or {"provider": want.provider})
            provenance[want.slot] = {**entry, "url": want.url, "stored_url": want.url}
            owner.field_provenance = provenance
            await session.commit()
        changed.append(want.slot)
        if previous and previous != relative and previous.startswith(f"{ARTWORK_DIR}/{kind}s/{owner_id}/"):
            await asyncio.to_thread(_remove_inside, data_dir, previous)
    return changed
