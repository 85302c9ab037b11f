"""Network failures in plain words: "this machine is offline" is not "nothing was found", and
neither is a raw errno ("[Errno -3] Temporary failure in name resolution")."""

from __future__ import annotations

import re
from dataclasses import dataclass

OFFLINE = "offline"
REFUSED = "refused"
TIMEOUT = "timeout"
TLS = "tls"
OTHER = "other"

_OFFLINE = re.compile(
    r"name resolution|name or service not known|nodename nor servname|no address associated|getaddrinfo failed"
    r"|network is unreachable|no route to host|host is unreachable|errno -[23]\b|errno 101\b|errno 113\b",
    re.IGNORECASE,
)
_REFUSED = re.compile(r"connection refused|errno 111\b", re.IGNORECASE)
_TIMEOUT = re.compile(r"timed out|timeout", re.IGNORECASE)
_TLS = re.compile(r"certificate|ssl|tls", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NetworkFailure:
    kind: str
    text: str

    @property
    def offline(self) -> bool:
        return self.kind == OFFLINE


def describe(error: BaseException | str, host: str | None = None) -> NetworkFailure:
    """What kind of network failure `error` is, and a sentence a user can act on."""
    raw = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    where = f" {host}" if host else ""
    if _OFFLINE.search(raw):
        return NetworkFailure(
            OFFLINE,
            f"the network is unreachable (cannot reach{where or ' the server'}); check this machine's internet "
            "connection and DNS",
        )
    if _REFUSED.search(raw):
        return NetworkFailure(REFUSED, f"the connection was refused by{where or ' the server'}; is it running?")
    if _TIMEOUT.search(raw):
        return NetworkFailure(TIMEOUT, f"no answer from{where or ' the server'} in time; it may be slow or down")
    if _TLS.search(raw):
        return NetworkFailure(TLS, f"a secure connection to{where or ' the server'} could not be made (certificate)")
    plain = error if isinstance(error, str) else (str(error) or type(error).__name__)
    return NetworkFailure(OTHER, f"cannot connect{(' to' + where) if where else ''}: {plain}")
