"""Search results for a video without a known source, from the providers (YouTube search)."""

from __future__ import annotations

from mvidarr.downloads.ranking import Candidate, Wanted, youtube_url
from mvidarr.jobs.context import JobContext


async def search_sources(ctx: JobContext, wanted: Wanted, limit: int) -> list[Candidate]:
    """YouTube search results as unranked candidates; none (with a log line) when search is unavailable."""
    from mvidarr.providers import hub as providers
    from mvidarr.providers.errors import ProviderError

    try:
        client = await providers.current().client("youtube")
        found = await client.search_videos(wanted.artist, wanted.title, limit=limit)
    except RuntimeError as exc:  # no provider hub in this process
        await ctx.log("warning", f"cannot search for a source: {exc}")
        return []
    except ProviderError as exc:
        await ctx.log("warning", f"YouTube search failed: {exc}")
        return []
    return [
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
