"""`search.rebuild`: write the whole search index again from the artists and videos."""

from __future__ import annotations

from sqlalchemy import func, select, text

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.models import SearchDocument
from mvidarr.search.schemas import SearchRebuildParams
from mvidarr.search.sources import rebuild_statements

REBUILD = "search.rebuild"


@job_type(
    REBUILD,
    SearchRebuildParams,
    description="Writes the search index again from the artists and videos (after a restore, or if it "
    "ever disagrees with the library). Triggers keep it in step otherwise.",
    priority=-2,
    max_attempts=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def rebuild_search(ctx: JobContext, _params: SearchRebuildParams) -> JobResult:
    async with ctx.session() as session:
        dialect = session.get_bind().dialect.name
        for statement in rebuild_statements(dialect):
            await session.execute(text(statement))
        documents = int(await session.scalar(select(func.count()).select_from(SearchDocument)) or 0)
        await session.commit()
    await ctx.progress(1.0, f"{documents} documents indexed")
    return {"documents": documents}
