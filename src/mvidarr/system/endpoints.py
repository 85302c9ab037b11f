from __future__ import annotations

from fastapi import APIRouter, Response

from mvidarr import __version__
from mvidarr.auth.dependencies import ADMIN, PUBLIC, MaybeSignedIn
from mvidarr.config import SettingsDep
from mvidarr.db import utcnow
from mvidarr.errors import error_responses
from mvidarr.models.user import Role
from mvidarr.state import DatabaseDep, ProvidersIfRunningDep
from mvidarr.system import about, service, warnings
from mvidarr.system.schemas import About, HealthWarnings, Liveness, Readiness

router = APIRouter(prefix="/health", tags=["system"])
_LIVE = Liveness(status="ok", version=__version__)


@router.get(
    "",
    dependencies=[PUBLIC],
    response_model=Liveness,
    summary="Liveness",
    description="Answers while the process serves requests. Touches neither database nor disk.",
    responses=error_responses(),
)
async def liveness() -> Liveness:
    return _LIVE


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Readiness",
    description="Checks the database, migrations, data dir, free disk space and library folders. "
    "Answers 503 when any check fails. Public, for probes; the reasons (which name paths and "
    "versions) are shown to admins only.",
    responses={503: {"model": Readiness, "description": "At least one check failed."}},
)
async def readiness(
    db: DatabaseDep,
    settings: SettingsDep,
    providers: ProvidersIfRunningDep,
    response: Response,
    caller: MaybeSignedIn,
) -> Readiness:
    result = await service.readiness(db, settings, providers)
    if result.status != "ready":
        response.status_code = 503
    if caller is None or not caller.at_least(Role.ADMIN):
        return service.without_reasons(result)
    return result


system_router = APIRouter(prefix="/system", tags=["system"])


@system_router.get(
    "/about",
    response_model=About,
    dependencies=[ADMIN],
    summary="Versions",
    description="Versions of MVidarr, Python, yt-dlp, PyAV and its FFmpeg libraries, the ffmpeg program, and "
    "the database server. Admins only: versions help attackers as much as they help bug reports.",
    responses=error_responses(401, 403),
)
async def system_about(db: DatabaseDep, settings: SettingsDep) -> About:
    return await about.about(db, settings)


@system_router.get(
    "/warnings",
    response_model=HealthWarnings,
    dependencies=[ADMIN],
    summary="Health warnings",
    description="What an admin should look at, each with a link to where it is fixed: low disk space, "
    "unreachable root folders, failing providers, an old yt-dlp, no worker running jobs, an overdue "
    "backup, PostgreSQL connections near their limit. Every page shows them to admins as a banner.",
    responses=error_responses(401, 403),
)
async def health_warnings(db: DatabaseDep, settings: SettingsDep, providers: ProvidersIfRunningDep) -> HealthWarnings:
    now = utcnow()
    context = warnings.Context(db, settings, providers, now)
    return HealthWarnings(items=await warnings.warnings(context), checked_at=now)
