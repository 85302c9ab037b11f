"""Search results for a video without a known source, from the providers (YouTube search)."""

from __future__ import annotations

from dataclasses import dataclass

from mvidarr.downloads.ranking import Candidate, Wanted, youtube_url
from mvidarr.jobs.context import JobContext


@dataclass(frozen=True, slots=True)
class SearchResult:
    candidates: list[Candidate]
    failure: str | None = None
    """Why the search could not run (the network is down, YouTube search is off): not "found nothing"."""
    retryable: bool = False


async def search_sources(ctx: JobContext, wanted: Wanted, limit: int) -> SearchResult:
    """YouTube search results as unranked candidates, or why the search could not be made."""
    from mvidarr.providers.errors import ProviderError, ProviderNotConfigured, ProviderUnavailable

    try:
        client = await ctx.providers.client("youtube")
        found = await client.search_videos(wanted.artist, wanted.title, limit=limit)
    except RuntimeError as exc:  # this worker was given no provider hub
        await ctx.log("warning", f"cannot search for a source: {exc}")
        return SearchResult([], failure=f"the search cannot run in this process ({exc})")
    except ProviderNotConfigured as exc:
        await ctx.log("warning", f"YouTube search is off: {exc.reason}")
        return SearchResult([], failure=f"YouTube search is off ({exc.reason}); enable it under Settings -> Providers")
    except ProviderError as exc:
        await ctx.log("warning", f"YouTube search failed: {exc.reason}")
        return SearchResult(
            [], failure=f"YouTube search failed: {exc.reason}", retryable=isinstance(exc, ProviderUnavailable)
        )
    return SearchResult(
        [
            Candidate(
                url=youtube_url(info.provider_id) if info.provider == "youtube" else (info.url or ""),
                origin="search",
                title=info.title if not info.artist else f"{info.artist} - {info.title}",
                channel=info.channel,
                duration_s=info.duration_s,
            )
            for info in found
            if info.provider_id or info.url
        ]
    )
