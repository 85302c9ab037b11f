"""The guarded fetcher: every remote resource a user or a provider names (artwork, provider images,
import lists) comes through here, under the network policy (`mvidarr.network.policy`).

http and https only; the host is resolved once (in a thread) and every address checked; the
connection goes to the checked address itself (Host header and TLS SNI keep the name), so a DNS
answer that changes between the check and the connect (rebinding) changes nothing; redirects are
followed by hand, each hop checked again; the body is capped in size, the whole fetch in time, and
the content type must be one the caller accepts.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mvidarr.network.policy import (
    DEFAULT_PORTS,
    Address,
    FetchFailed,
    FetchRefused,
    NetworkPolicy,
)
from mvidarr.network.settings import policy_from_settings

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Answer", "FetchFailed", "FetchLimits", "FetchRefused", "Fetched", "Fetcher", "fetcher_from_settings"]
USER_AGENT = "MVidarr (+https://github.com/mvidarr)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = 20 * 1024 * 1024
    timeout_s: float = 20.0
    max_redirects: int = 5
    content_types: tuple[str, ...] = ("image/",)
    """Accepted media types, by prefix ('image/' takes any image)."""
    statuses: tuple[int, ...] = (200,)
    """Answers read as such; any other status is a FetchFailed (an OpenID token endpoint's 400 is read)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    """The final URL, after redirects."""
    content_type: str
    body: bytes
    status: int = 200


@dataclass(frozen=True, slots=True)
class Answer:
    """What a server answered to `Fetcher.send`."""

    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, limit: int = 2000) -> str:
        return self.body[:limit].decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class _Target:
    url: httpx.URL
    address: Address
    host_header: str


class Fetcher:
    """Fetches remote resources under the rules above; one per use (or shared: it holds no state)."""

    def __init__(
        self,
        *,
        policy: NetworkPolicy | None = None,
        limits: FetchLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        url_allowed: Callable[[httpx.URL], bool] | None = None,
    ) -> None:
        self.policy = policy or NetworkPolicy()
        self.url_allowed = url_allowed
        """An extra rule on every URL fetched, redirects included (e.g. a host allowlist)."""
        self.limits = limits or FetchLimits()
        self._transport = transport

    async def fetch(
        self, url: str, headers: Mapping[str, str] | None = None, *, form: Mapping[str, str] | None = None
    ) -> Fetched:
        """The body of `url` (with `form`, the answer to POSTing it, redirects refused); raises FetchRefused
        (422; NetworkRefused for the policy) or FetchFailed (502)."""
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                return await self._fetch(url, dict(headers or {}), form)
        except TimeoutError:
            raise FetchFailed(f"{url}: no complete answer within {self.limits.timeout_s:g} s") from None

    async def _fetch(self, url: str, extra_headers: dict[str, str], form: Mapping[str, str] | None) -> Fetched:
        import httpx  # first use loads it: the web server needs it only when a picture is fetched

        current = _parse(url)
        # Connections go to IP addresses with the name in Host/SNI; never read proxies from the environment.
        async with httpx.AsyncClient(
            transport=self._transport, trust_env=False, follow_redirects=False, timeout=self.limits.timeout_s
        ) as client:
            for _hop in range(self.limits.max_redirects + 1):
                target = await self._check(current)
                request = client.build_request(
                    "GET" if form is None else "POST",
                    target.url,
                    data=form,
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept": "image/*,*/*;q=0.5",
                        **extra_headers,
                        "Host": target.host_header,
                    },
                    extensions={"sni_hostname": current.host} if current.scheme == "https" else {},
                )
                try:
                    response = await client.send(request, stream=True)
                except httpx.HTTPError as exc:
                    raise FetchFailed(f"{current.host}: {type(exc).__name__}: {exc}") from None
                try:
                    if response.is_redirect:
                        if form is not None:
                            raise FetchFailed(f"{current} answered a POST with a redirect")
                        location = response.headers.get("location")
                        if not location:
                            raise FetchFailed(f"{current}: redirect without a Location")
                        current = _parse(str(current.join(location)))
                        continue
                    return await self._read(current, response)
                finally:
                    await response.aclose()
        raise FetchRefused(f"{url}: more than {self.limits.max_redirects} redirects")

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Answer:
        """One request (a webhook POST, a media server's API call) to a checked address; redirects are
        not followed (the answer says so) and the body read is capped at `limits.max_bytes`. Any status
        is an answer; FetchRefused (422) or FetchFailed (unreachable, too slow, too large) otherwise."""
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                return await self._send(method, url, dict(headers or {}), content, auth)
        except TimeoutError:
            raise FetchFailed(f"{_display(url)}: no answer within {self.limits.timeout_s:g} s") from None

    async def _send(
        self, method: str, url: str, extra_headers: dict[str, str], content: bytes | None, auth: tuple[str, str] | None
    ) -> Answer:
        import httpx

        parsed = _parse(url)
        target = await self._check(parsed)
        async with httpx.AsyncClient(
            transport=self._transport,
            trust_env=False,
            follow_redirects=False,
            timeout=self.limits.timeout_s,
            verify=_tls_context(),
        ) as client:
            request = client.build_request(
                method,
                target.url,
                headers={"User-Agent": USER_AGENT, **extra_headers, "Host": target.host_header},
                content=content,
                extensions={"sni_hostname": parsed.host} if parsed.scheme == "https" else {},
            )
            if auth is not None:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                request.headers["Authorization"] = f"Basic {token}"
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchFailed(f"{parsed.host}: {type(exc).__name__}: {exc}") from None
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > self.limits.max_bytes:
                        raise FetchFailed(f"{_display(url)}: the answer is over {self.limits.max_bytes} bytes")
            except httpx.HTTPError as exc:
                raise FetchFailed(f"{parsed.host}: {type(exc).__name__}: {exc}") from None
            finally:
                await response.aclose()
        return Answer(
            status=response.status_code,
            content_type=response.headers.get("content-type", "").split(";", 1)[0].strip().lower(),
            body=bytes(body),
        )

    async def _check(self, url: httpx.URL) -> _Target:
        if self.url_allowed is not None and not self.url_allowed(url):
            raise FetchRefused(f"{url.scheme}://{url.netloc.decode()} is not allowed for this fetch")
        host = url.host
        port = url.port or DEFAULT_PORTS[url.scheme]
        addresses = await self.policy.resolve(host, port)
        address = addresses[0]
        ip_host = str(address)
        default = DEFAULT_PORTS[url.scheme]
        host_header = host if port == default else f"{_bracketed(host)}:{port}"
        return _Target(url=url.copy_with(host=ip_host), address=address, host_header=host_header)

    async def _read(self, url: httpx.URL, response: httpx.Response) -> Fetched:
        if response.status_code not in self.limits.statuses:
            raise FetchFailed(f"{url} answered {response.status_code}")
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not any(content_type.startswith(prefix) for prefix in self.limits.content_types):
            raise FetchFailed(
                f"{url} sent {content_type or 'no content type'}; expected {', '.join(self.limits.content_types)}"
            )
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchFailed(f"{url} is {int(declared)} bytes; the limit is {limit}")
        chunks: list[bytes] = []
        import httpx

        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchFailed(f"{url} is over {limit} bytes")
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{url}: {type(exc).__name__}: {exc}") from None
        return Fetched(url=str(url), content_type=content_type, body=b"".join(chunks), status=response.status_code)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: httpx builds a new one per client otherwise (loading the CA bundle
    costs about 70 ms of CPU, which made each webhook send that slow)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _display(url: str) -> str:
    """A URL without its query (which may hold a token) for messages."""
    return url.split("?", 1)[0]


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _parse(raw: str) -> httpx.URL:
    import httpx

    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchRefused(f"not a valid URL: {exc}") from None
    if url.scheme not in DEFAULT_PORTS:
        raise FetchRefused(f"only http and https URLs are fetched, not {url.scheme or 'a relative URL'}")
    if not url.host:
        raise FetchRefused("the URL has no host")
    if url.userinfo:
        raise FetchRefused("URLs with credentials are not fetched")
    return url


async def fetcher_from_settings(session: AsyncSession, limits: FetchLimits | None = None) -> Fetcher:
    """A fetcher under the network policy in force (the `network.allowed_private_hosts` setting)."""
    return Fetcher(policy=await policy_from_settings(session), limits=limits)
