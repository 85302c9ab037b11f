"""Provider status and credential tests, for the API and the readiness check."""

from __future__ import annotations

import time

from mvidarr.providers.errors import ProviderError
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ProviderName, ProviderStatus
from mvidarr.providers.schemas import ProviderTestResult


async def statuses(providers: ProviderHub) -> list[ProviderStatus]:
    return await providers.statuses()


async def test_provider(providers: ProviderHub, name: ProviderName) -> ProviderTestResult:
    """One real call with the saved settings; a failure is the answer, not an error."""
    started = time.perf_counter()
    try:
        detail = await providers.test(name)
    except ProviderError as exc:
        return ProviderTestResult(
            name=name,
            ok=False,
            detail=exc.detail or exc.title,
            error_kind=exc.kind,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
    return ProviderTestResult(
        name=name, ok=True, detail=detail, duration_ms=round((time.perf_counter() - started) * 1000)
    )


def summary(status: ProviderStatus) -> str:
    """One line for the readiness check."""
    if status.state == "ok":
        return f"{status.label}: ok"
    if status.state in ("disabled", "unconfigured"):
        return f"{status.label}: {status.state}"
    error = f" ({status.last_error})" if status.last_error else ""
    return f"{status.label}: {status.state}{error}"
