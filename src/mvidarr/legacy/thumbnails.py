"""The pictures 0.9.7 showed, fetched after an import: an artist's image, a video's thumbnail.

0.9.7 kept each picture's URL (`thumbnail_url`); the import keeps it in the row's provenance and this
fetches it through the guarded fetcher (the network policy, a size cap, image types only) into the
artwork store, the way enrichment stores provider artwork. Only rows still without a picture are
fetched (a scan's frame grab or the user's own picture wins), a few at a time; a picture that
cannot be fetched is reported with its reason and the row keeps no picture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.legacy import repository
from mvidarr.metadata import artwork

PROVIDER = "MVidarr 0.9.7"
PAGE = 200
AT_ONCE = 4
MAX_LISTED = 200
Progress = Callable[[float, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str
    id: int
    url: str
    reason: str


@dataclass(slots=True)
class Outcome:
    fetched: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "failed": self.failed,
            "failures": [{"kind": f.kind, "id": f.id, "url": f.url, "reason": f.reason} for f in self.failures],
        }


def legacy_url(provenance: dict[str, Any]) -> str | None:
    legacy = provenance.get("legacy")
    url = legacy.get("thumbnail_url") if isinstance(legacy, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


async def fetch_all(
    sessions: async_sessionmaker[AsyncSession],
    data_dir: Path,
    source: str,
    *,
    progress: Progress,
    should_stop: Callable[[], bool],
    on_failure: Callable[[Failure], Awaitable[None]],
) -> Outcome:
    """Fetches the 0.9.7 picture of every artist and video of this import that has none yet."""
    outcome = Outcome()
    limit = asyncio.Semaphore(AT_ONCE)

    async def one(kind: repository.Owner, owner_id: int, url: str) -> None:
        reasons: list[str] = []
        async with limit:
            changed = await artwork.download(
                sessions,
                data_dir,
                kind,
                owner_id,
                [artwork.Wanted(slot="image" if kind == "artist" else "thumbnail", url=url, provider=PROVIDER)],
                on_failure=lambda _want, reason: reasons.append(reason),
            )
        if changed:
            outcome.fetched += 1
        elif reasons:
            failure = Failure(kind, owner_id, url, reasons[0])
            outcome.failed += 1
            if len(outcome.failures) < MAX_LISTED:
                outcome.failures.append(failure)
            await on_failure(failure)

    done = 0
    for kind in ("artist", "video"):
        after = 0
        while not should_stop():
            async with sessions() as session:
                page = await repository.without_thumbnail(session, source, kind, after_id=after, limit=PAGE)
            if not page:
                break
            after = page[-1][0]
            wanted = [(owner_id, url) for owner_id, provenance in page if (url := legacy_url(provenance))]
            await asyncio.gather(*(one(kind, owner_id, url) for owner_id, url in wanted))
            done += len(wanted)
            await progress(0.5 if kind == "artist" else 0.9, f"{done} pictures ({outcome.failed} failed)")
    return outcome
