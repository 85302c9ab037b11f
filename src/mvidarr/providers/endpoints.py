from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from mvidarr.auth.dependencies import ADMIN, READONLY
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.schemas import HTTP_URL_PATTERN
from mvidarr.providers import image_proxy, service
from mvidarr.providers.models import ProviderName, ProviderStatus
from mvidarr.providers.schemas import ProviderTestResult
from mvidarr.state import DataDirDep, ProvidersDep

router = APIRouter(prefix="/providers", tags=["providers"])


@router.get(
    "",
    dependencies=[READONLY],
    response_model=list[ProviderStatus],
    summary="Metadata providers",
    description="Each provider's state (ok, degraded, down, disabled, unconfigured), circuit breaker, consecutive "
    "failures, last error, rate limit, and the requests and cache hits of this process.",
    responses=error_responses(401, 403, 503),
)
async def list_providers(providers: ProvidersDep) -> list[ProviderStatus]:
    return await service.statuses(providers)


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
    providers: ProvidersDep, name: Annotated[ProviderName, Path(description="The provider, e.g. `musicbrainz`.")]
) -> ProviderTestResult:
    return await service.test_provider(providers, name)


# Pictures are cached by URL; one day in the browser, then asked again (usually from our cache).
_PICTURE_CACHE = "private, max-age=86400"
_PICTURE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The picture, with the media type its bytes show.",
        "content": {media_type: {} for media_type in image_proxy.EXTENSIONS},
    },
    304: {"description": "Not modified (`If-None-Match`)."},
    **error_responses(401, 403, 422, 502),
}


@router.get(
    "/image",
    dependencies=[READONLY],
    response_class=Response,
    summary="A provider's picture",
    description="Fetches a picture a provider named (an artist candidate's image, a match candidate's thumbnail) "
    "so pages can show it from this origin. Only hosts the providers serve pictures from, or the origin of a "
    "configured provider base URL; only JPEG, PNG, GIF, WebP or AVIF up to 5 MB; through the guarded fetcher "
    "(private addresses refused unless listed in `network.allowed_private_hosts`; redirects checked again). Cached "
    "for a week. 422 for a URL that may not be fetched or is not a picture, 502 when the host fails.",
    responses=_PICTURE_RESPONSES,
)
async def provider_image(
    request: Request,
    data_dir: DataDirDep,
    session: SessionDep,
    providers: ProvidersDep,
    url: Annotated[
        str,
        Query(
            min_length=1,
            max_length=image_proxy.MAX_URL_LENGTH,
            description="The picture's absolute http(s) URL.",
            json_schema_extra={"pattern": HTTP_URL_PATTERN},
        ),
    ],
) -> Response:
    picture = await image_proxy.picture(session, providers, data_dir, url)
    headers = {"ETag": picture.etag, "Cache-Control": _PICTURE_CACHE}
    if request.headers.get("if-none-match") == picture.etag:
        return Response(status_code=304, headers=headers)
    return Response(picture.body, media_type=picture.media_type, headers=headers)
