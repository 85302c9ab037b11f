from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mvidarr import __version__
from mvidarr.errors import error_responses
from mvidarr.system import service
from mvidarr.system.schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["system"])
_LIVE = Liveness(status="ok", version=__version__)


@router.get(
    "",
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
    description="Checks the database, migrations, data dir, free disk space and library folders, "
    "each with a reason. Answers 503 when any check fails.",
    responses={503: {"model": Readiness, "description": "At least one check failed."}},
)
async def readiness(request: Request, response: Response) -> Readiness:
    result = await service.readiness(request.app.state.db, request.app.state.settings)
    if result.status != "ready":
        response.status_code = 503
    return result
