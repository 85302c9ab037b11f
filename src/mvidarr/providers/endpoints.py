from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from mvidarr.auth.dependencies import ADMIN, READONLY
from mvidarr.errors import ServiceUnavailable, error_responses
from mvidarr.providers import service
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ProviderName, ProviderStatus
from mvidarr.providers.schemas import ProviderTestResult

router = APIRouter(prefix="/providers", tags=["providers"])


async def _hub(request: Request) -> ProviderHub:
    hub: ProviderHub | None = getattr(request.app.state, "providers", None)
    if hub is None:
        raise ServiceUnavailable("providers are not running in this process")
    return hub


HubDep = Annotated[ProviderHub, Depends(_hub)]


@router.get(
    "",
    dependencies=[READONLY],
    response_model=list[ProviderStatus],
    summary="Metadata providers",
    description="Each provider's state (ok, degraded, down, disabled, unconfigured), circuit breaker, consecutive "
    "failures, last error, rate limit, and the requests and cache hits of this process.",
    responses=error_responses(401, 403, 503),
)
async def list_providers(hub: HubDep) -> list[ProviderStatus]:
    return await service.statuses(hub)


@router.post(
    "/{name}/test",
    dependencies=[ADMIN],
    response_model=ProviderTestResult,
    summary="Test a provider",
    description="Makes one real call with the saved settings and says whether the provider answered and accepted "
    "the credentials. A failed test is a 200 answer with `ok: false` and the reason.",
    responses=error_responses(401, 403, 422, 503),
)
async def test_provider(
    hub: HubDep, name: Annotated[ProviderName, Path(description="The provider, e.g. `musicbrainz`.")]
) -> ProviderTestResult:
    return await service.test_provider(hub, name)
