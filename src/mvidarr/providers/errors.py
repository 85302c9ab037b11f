"""Typed provider failures; each renders as a problem document when it reaches the API."""

from __future__ import annotations

from mvidarr.errors import MvidarrError


class ProviderError(MvidarrError):
    """Something went wrong talking to a metadata provider."""

    status, kind, title = 502, "provider-error", "Provider error"
    retryable = False
    upstream_status: int | None = None
    upstream_body: bytes = b""
    """The provider's status and the start of its answer, for clients that read error bodies."""

    def __init__(self, provider: str, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{provider}: {detail}", headers=headers)
        self.provider = provider
        self.reason = detail
        """What went wrong, without the provider's name (for text that names the provider already)."""


class ProviderUnavailable(ProviderError):
    """Down, timing out, answering 5xx, rate limiting us, or paused by its circuit breaker; worth retrying later."""

    status, kind, title = 503, "provider-unavailable", "Provider unavailable"
    retryable = True

    def __init__(self, provider: str, detail: str, *, retry_after_s: float | None = None) -> None:
        headers = {"Retry-After": str(max(1, round(retry_after_s)))} if retry_after_s else None
        super().__init__(provider, detail, headers=headers)
        self.retry_after_s = retry_after_s


class ProviderCredentialsError(ProviderError):
    """The provider refused our key or secret (401/403): fix the setting; retrying will not help."""

    status, kind, title = 502, "provider-credentials", "Provider refused the credentials"


class ProviderNotConfigured(ProviderError):
    """Disabled, or a needed key is not set."""

    status, kind, title = 409, "provider-not-configured", "Provider not configured"


class ProviderNotFound(ProviderError):
    """The provider has no such id (404 upstream)."""

    status, kind, title = 404, "not-found", "Not found at provider"


class ProviderBadResponse(ProviderError):
    """The answer was not what the provider documents: HTML, malformed or oversized JSON, wrong types."""

    status, kind, title = 502, "provider-bad-response", "Provider sent a bad response"


class ProviderUnsupported(ProviderError):
    """The provider cannot answer this kind of question."""

    status, kind, title = 400, "provider-unsupported", "Not supported by this provider"
