"""The HTTP core every provider client uses: rate limit, breaker, retries, size cap, JSON and
shape validation, and the `provider_cache` table with stale-if-error.

A call goes: fresh cache → breaker → limiter → request (timeout) → classify the answer →
retry 429/5xx/timeouts with backoff honouring `Retry-After` → validate → cache. When the
provider is down or answers garbage, a cached answer of any age is served instead.

One module past 400 lines on purpose: a call is one sequence (cache, breaker, limiter, request,
retry, validate, cache) whose steps share the call's state; split, each step would need the others.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import random
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from mvidarr.db import utcnow
from mvidarr.network import failures as network_failures
from mvidarr.providers import repository
from mvidarr.providers.errors import (
    ProviderBadResponse,
    ProviderCredentialsError,
    ProviderError,
    ProviderNotFound,
    ProviderUnavailable,
)
from mvidarr.providers.limits import CircuitBreaker, LocalLimiter, reserve_shared
from mvidarr.providers.settings import ProviderConfig

if TYPE_CHECKING:
    import httpx

    from mvidarr.providers.hub import ProviderHub

log = logging.getLogger("mvidarr.providers")
M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, str | int | float | None]


class CallKind(Enum):
    """How long an answer stays fresh, by kind of call."""

    SEARCH = timedelta(days=1)
    LOOKUP = timedelta(days=7)
    NOT_FOUND = timedelta(days=1)
    TOKEN = timedelta(0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 60.0
    """A longer `Retry-After` is not waited for inside the call: it fails, to be retried by the job."""
    max_body_bytes: int = 5 * 1024 * 1024


@dataclass(slots=True)
class ProviderRuntime:
    """One provider's in-process state: its limiter, breaker and counters."""

    name: str
    breaker: CircuitBreaker
    limiter: LocalLimiter = field(default_factory=LocalLimiter)
    requests: int = 0
    errors: int = 0
    saved_requests: int = 0
    """How many of `requests` are already added to the shared counters in the database."""
    saved_errors: int = 0
    cache_hits: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None
    quota_remaining: int | None = None
    token: str | None = None
    token_expires_at: float = 0.0
    token_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow()).total_seconds()) if when.tzinfo else None


def _describe(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<")):
        return "answered HTML instead of JSON"
    return "answered malformed JSON"


def _shape_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(root)"
    return f"unexpected answer shape at {where}: {first['msg']}"


class Upstream:
    """One provider's view of the HTTP core, bound to its settings in force."""

    def __init__(self, providers: ProviderHub, config: ProviderConfig, runtime: ProviderRuntime) -> None:
        self.providers = providers
        self.config = config
        self.runtime = runtime
        self.name = config.name

    # -- the cached, validated GET that clients use -------------------------------------------

    async def get(
        self,
        path: str,
        model: type[M],
        *,
        params: Params | None = None,
        kind: CallKind = CallKind.LOOKUP,
        headers: Mapping[str, str] | None = None,
        secret_params: Sequence[str] = (),
        base_url: str | None = None,
        cache: bool = True,
    ) -> M:
        """GET `path` (relative to the base URL) as JSON validated by `model`, through the cache."""
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        public = sorted((k, v) for k, v in clean.items() if k not in secret_params)
        request = f"GET {path}?{urllib.parse.urlencode(public)}"
        for secret in self.config.credentials.values():
            request = request.replace(secret, "***")  # e.g. TheAudioDB puts its key in the path
        key = hashlib.sha256(request.encode()).hexdigest()
        scale = float(self.config.extra.get("cache_ttl_scale", 1.0))
        use_cache = cache and scale > 0 and kind is not CallKind.TOKEN
        entry = None
        if use_cache:
            async with self.providers.db.reader() as session:
                entry = await repository.cached(session, self.name, key)
            if entry is not None and entry.expires_at > utcnow():
                self.runtime.cache_hits += 1
                if entry.status == 404:
                    raise ProviderNotFound(self.name, f"nothing at {path} (cached)")
                try:
                    return model.model_validate(entry.response)
                except ValidationError:
                    entry = None  # written by an older parser; ask again
        try:
            data = await self.send("GET", path, params=clean, headers=headers, base_url=base_url)
            result = model.model_validate(data)
        except ProviderNotFound:
            if use_cache:
                await self._store(key, request, 404, None, CallKind.NOT_FOUND.value * scale)
            raise
        except ValidationError as exc:
            error: ProviderError = ProviderBadResponse(self.name, _shape_error(exc))
            self._note_error(error)
            stale = self._stale(entry, model)
            if stale is not None:
                return stale
            raise error from None
        except (ProviderUnavailable, ProviderBadResponse) as exc:
            stale = self._stale(entry, model)
            if stale is not None:
                log.info("%s: serving a stale cached answer for %s (%s)", self.name, request, exc.detail)
                return stale
            raise
        if use_cache:
            await self._store(key, request, 200, data, kind.value * scale)
        return result

    def _stale(self, entry: Any, model: type[M]) -> M | None:
        if entry is None or entry.status != 200:
            return None
        try:
            result = model.model_validate(entry.response)
        except ValidationError:
            return None
        self.runtime.cache_hits += 1
        return result

    async def _store(self, key: str, request: str, status: int, data: Any, ttl: timedelta) -> None:
        now = utcnow()
        try:
            async with self.providers.db.writer() as session:
                await repository.store(
                    session,
                    provider=self.name,
                    key=key,
                    request=request,
                    status=status,
                    response=data,
                    fetched_at=now,
                    expires_at=now + ttl,
                )
                await session.commit()
        except Exception:  # a cache that cannot be written must not fail the call
            log.warning("%s: could not cache %s", self.name, request, exc_info=True)

    # -- one request with limiter, breaker and retries -----------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        base_url: str | None = None,
    ) -> Any:
        """One call's parsed JSON; retries what is worth retrying, raises a ProviderError otherwise."""
        runtime, policy = self.runtime, self.providers.retry
        if not runtime.breaker.allow():
            raise self._paused()
        url = path if path.startswith(("http://", "https://")) else f"{base_url or self.config.base_url}{path}"
        merged_headers = {"User-Agent": self.providers.user_agent(self.config), "Accept": "application/json"}
        merged_headers.update(headers or {})
        last: ProviderError | None = None
        for attempt in range(policy.attempts):
            wait_s: float | None = None
            try:
                await self._take_slot()
                if runtime.breaker.state() == "open":  # paused meanwhile, maybe by another process
                    runtime.breaker.trial_running = False
                    raise self._paused()
                runtime.requests += 1
                result = await self._once(method, url, params, merged_headers, data, auth)
                await self._record(None)
                return result
            except _Retry as retry:
                last = retry.error
                wait_s = retry.wait_s
            except ProviderNotFound:
                await self._record(None)
                raise
            except ProviderCredentialsError as exc:
                # Not the provider's fault: no breaker, but shown as the provider's last error.
                runtime.breaker.trial_running = False
                self._note_error(exc)
                raise
            except ProviderBadResponse as exc:
                await self._record(exc)
                raise
            if attempt + 1 >= policy.attempts:
                break
            if wait_s is None:
                wait_s = min(policy.max_backoff_s, policy.backoff_s * 2**attempt) * (0.5 + random.random() / 2)
            elif wait_s > policy.max_retry_after_s:
                break
            await asyncio.sleep(wait_s)
        assert last is not None
        await self._record(last)
        raise last

    def _paused(self) -> ProviderUnavailable:
        breaker = self.runtime.breaker
        error = (self.runtime.last_error or "").removeprefix(f"{self.name}: ")
        last = f" (last: {error})" if error else ""
        return ProviderUnavailable(
            self.name,
            f"paused after repeated failures{last}",
            retry_after_s=max(1.0, (breaker.open_until or time.time()) - time.time()),
        )

    async def _take_slot(self) -> None:
        rate = self.config.rate_limit_per_s
        if self.providers.db.is_sqlite:
            await self.runtime.limiter.acquire(rate)
            return
        slot = await reserve_shared(self.providers.db, self.name, rate)
        self.runtime.breaker.adopt(slot.open_until)
        if slot.wait_s > 0:
            await asyncio.sleep(slot.wait_s)

    async def _once(
        self,
        method: str,
        url: str,
        params: Params | None,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> Any:
        import httpx

        cap = self.providers.retry.max_body_bytes
        try:
            request = self.providers.http.build_request(
                method,
                url,
                params={k: v for k, v in (params or {}).items() if v is not None},
                headers=headers,
                data=data,
                timeout=httpx.Timeout(self.config.timeout_s),
            )
            if auth is not None:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
                request.headers["Authorization"] = f"Basic {token}"
            response = await self.providers.http.send(request, stream=True)
            try:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise ProviderBadResponse(self.name, f"answer of {int(declared)} bytes exceeds the {cap} byte cap")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > cap:
                        raise ProviderBadResponse(self.name, f"answer exceeds the {cap} byte cap")
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise _Retry(ProviderUnavailable(self.name, f"no answer within {self.config.timeout_s:g} s")) from None
        except httpx.TransportError as exc:
            failure = network_failures.describe(exc, exc.request.url.host if _has_request(exc) else None)
            raise _Retry(ProviderUnavailable(self.name, failure.text)) from None
        self._note_quota(response.headers)
        status = response.status_code
        if status == 429:
            after = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(
                ProviderUnavailable(self.name, "rate limited by the provider (429)", retry_after_s=after), after
            )
        if status >= 500:
            after = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(ProviderUnavailable(self.name, f"server error {status}", retry_after_s=after), after)
        error: ProviderError | None = None
        if status in (401, 403):
            error = ProviderCredentialsError(
                self.name, f"refused the credentials ({status}); check the providers.{self.name}.* settings"
            )
        elif status == 404:
            error = ProviderNotFound(self.name, f"nothing at {response.request.url.path}")
        elif status >= 400:
            error = ProviderBadResponse(self.name, f"rejected the request ({status})")
        if error is not None:
            error.upstream_status = status
            error.upstream_body = bytes(body[:2000])
            raise error
        if not body:
            raise ProviderBadResponse(self.name, "answered with an empty body")
        try:
            return orjson.loads(bytes(body))
        except orjson.JSONDecodeError:
            raise ProviderBadResponse(self.name, _describe(bytes(body))) from None

    def _note_quota(self, headers: httpx.Headers) -> None:
        for name in ("X-RateLimit-Remaining", "X-Ratelimit-Remaining", "RateLimit-Remaining"):
            value = headers.get(name)
            if value and value.strip().isdigit():
                self.runtime.quota_remaining = int(value)
                return

    def _note_error(self, error: ProviderError) -> None:
        self.runtime.errors += 1
        self.runtime.last_error = error.detail
        self.runtime.last_error_at = time.time()

    async def _record(self, error: ProviderError | None) -> None:
        """Feed the breaker and save its state for other processes and the status page."""
        runtime = self.runtime
        breaker = runtime.breaker
        before = (breaker.failures, breaker.open_until)
        if error is None:
            runtime.last_success_at = time.time()
            breaker.success()
        else:
            self._note_error(error)
            breaker.failure()
        if error is None and before == (0, None) and not self.providers.persist_successes(self.name):
            return
        # Taken before the write: calls recording meanwhile must not add the same counts again.
        requests, errors = runtime.requests - runtime.saved_requests, runtime.errors - runtime.saved_errors
        runtime.saved_requests += requests
        runtime.saved_errors += errors
        try:
            async with self.providers.db.writer() as session:
                await repository.record_outcome(
                    session,
                    self.name,
                    failures=breaker.failures,
                    open_until=breaker.open_until,
                    error=error.detail if error is not None else None,
                    requests=requests,
                    errors=errors,
                )
                await session.commit()
        except Exception:
            runtime.saved_requests -= requests
            runtime.saved_errors -= errors
            log.warning("%s: could not save provider state", self.name, exc_info=True)


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - raises when the error was made without a request
    except RuntimeError:
        return False
    return True


class _Retry(Exception):
    def __init__(self, error: ProviderError, wait_s: float | None = None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.wait_s = wait_s
