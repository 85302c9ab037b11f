"""The OpenID Connect relying party: discovery, the authorization request (PKCE S256), the code
exchange and the ID token's checks (signature by a key of the provider's JWKS, issuer, audience,
expiry with a clock-skew allowance, nonce).

Every request to the provider goes through the outbound-network policy (`mvidarr.network`): the
issuer is an admin-supplied URL, and a provider on the LAN is reached only when it is one of the
allowed private hosts. PyJWT does the JOSE work; it is imported on first use, so a server that
never signs anyone in with a provider does not load the asymmetric half of `cryptography`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mvidarr.errors import MvidarrError
from mvidarr.network.fetch import Fetcher, FetchLimits
from mvidarr.network.policy import FetchFailed, NetworkPolicy

log = logging.getLogger("mvidarr.sso")
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Asymmetric algorithms only: an ID token signed with the client secret (HS*) or unsigned is refused.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_JSON = FetchLimits(
    max_bytes=512 * 1024, timeout_s=15.0, content_types=("application/json", "application/jwk-set+json")
)
_TOKEN = FetchLimits(
    max_bytes=512 * 1024, timeout_s=15.0, content_types=("application/json",), statuses=(200, 400, 401)
)
_ACCEPT = {"Accept": "application/json"}


class SignInFailed(MvidarrError):
    """The provider's answer could not be trusted or used; the sign-in is refused."""

    status, kind, title = 401, "sso-failed", "Single sign-on failed"


@dataclass(frozen=True, slots=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Authorization:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(slots=True)
class _Keys:
    keys: dict[str, Any]  # kid (or "" for a key without one) -> PyJWK
    fetched_at: float


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _text(doc: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = doc.get(key)
    if isinstance(value, str) and value:
        return value
    if required:
        raise SignInFailed(f"the provider's discovery document has no {key}")
    return None


@dataclass
class OidcClient:
    """Discovery documents and key sets of the configured providers, cached per process."""

    discovery_ttl_s: float = 3600.0
    jwks_ttl_s: float = 3600.0
    jwks_refetch_s: float = 10.0
    """An ID token with an unknown key id refetches the key set (the provider rotated its keys), at most
    this often, so a stream of forged key ids cannot make MVidarr hammer the provider."""
    clock_skew_s: int = 120
    _discovery: dict[str, tuple[Discovery, float]] = field(default_factory=dict)
    _jwks: dict[str, _Keys] = field(default_factory=dict)

    def forget(self, issuer: str | None = None) -> None:
        """Drop cached documents (an admin changed a provider)."""
        if issuer is None:
            self._discovery.clear()
            self._jwks.clear()
        else:
            cached = self._discovery.pop(issuer, None)
            if cached is not None:
                self._jwks.pop(cached[0].jwks_uri, None)

    async def _json(self, policy: NetworkPolicy, url: str) -> dict[str, Any]:
        fetched = await Fetcher(policy=policy, limits=_JSON).fetch(url, _ACCEPT)
        try:
            doc = json.loads(fetched.body)
        except ValueError:
            raise FetchFailed(f"{url} did not answer JSON") from None
        if not isinstance(doc, dict):
            raise FetchFailed(f"{url} did not answer a JSON object")
        return doc

    async def discover(self, policy: NetworkPolicy, issuer: str) -> Discovery:
        cached = self._discovery.get(issuer)
        if cached is not None and time.monotonic() - cached[1] < self.discovery_ttl_s:
            return cached[0]
        doc = await self._json(policy, issuer.rstrip("/") + DISCOVERY_PATH)
        named = doc.get("issuer")
        if not isinstance(named, str) or named.rstrip("/") != issuer.rstrip("/"):
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer asked for. Only a
            # trailing slash may differ (Authentik's issuers end with one, guides disagree); the ID
            # tokens are then checked against the document's exact spelling.
            raise SignInFailed(f"the provider at {issuer} says its issuer is {named!r}; they must match")
        algorithms = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        discovery = Discovery(
            issuer=named,
            authorization_endpoint=str(_text(doc, "authorization_endpoint")),
            token_endpoint=str(_text(doc, "token_endpoint")),
            jwks_uri=str(_text(doc, "jwks_uri")),
            end_session_endpoint=_text(doc, "end_session_endpoint", required=False),
            userinfo_endpoint=_text(doc, "userinfo_endpoint", required=False),
            algorithms=tuple(a for a in algorithms if isinstance(a, str) and a in ALGORITHMS),
            token_auth_methods=tuple(m for m in methods if isinstance(m, str)),
        )
        if not discovery.algorithms:
            raise SignInFailed(f"the provider signs ID tokens only with {algorithms}; MVidarr needs RS256 or ES256")
        self._discovery[issuer] = (discovery, time.monotonic())
        return discovery

    @staticmethod
    def authorization(discovery: Discovery, *, client_id: str, redirect_uri: str, scopes: str) -> Authorization:
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in discovery.authorization_endpoint else "?"
        return Authorization(f"{discovery.authorization_endpoint}{separator}{query}", state, nonce, verifier)

    async def exchange(
        self,
        policy: NetworkPolicy,
        discovery: Discovery,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        client_id: str,
        client_secret: str | None,
    ) -> tuple[str, str | None]:
        """Trades the authorization code for tokens; answers the ID token and the access token."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": client_id,
        }
        headers = dict(_ACCEPT)
        if client_secret is not None:
            if "client_secret_basic" in discovery.token_auth_methods or "client_secret_post" not in (
                discovery.token_auth_methods
            ):
                # RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
                pair = f"{_form(client_id)}:{_form(client_secret)}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            else:
                form["client_secret"] = client_secret
        fetched = await Fetcher(policy=policy, limits=_TOKEN).fetch(discovery.token_endpoint, headers, form=form)
        try:
            answer = json.loads(fetched.body)
        except ValueError:
            raise SignInFailed("the provider's token endpoint did not answer JSON") from None
        if not isinstance(answer, dict):
            raise SignInFailed("the provider's token endpoint did not answer a JSON object")
        if fetched.status != 200:
            error = str(answer.get("error") or fetched.status)
            description = answer.get("error_description")
            raise SignInFailed(f"the provider refused the code: {error}" + (f" ({description})" if description else ""))
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise SignInFailed("the provider answered no ID token; is the openid scope requested?")
        access_token = answer.get("access_token")
        return id_token, access_token if isinstance(access_token, str) and access_token else None

    async def user_info(
        self, policy: NetworkPolicy, discovery: Discovery, access_token: str | None, claims: dict[str, Any]
    ) -> dict[str, Any]:
        """The ID token's claims, completed from the userinfo endpoint: some providers (Authelia by
        default) put e-mail and groups only there. The ID token's own claims win."""
        if discovery.userinfo_endpoint is None or access_token is None:
            return claims
        headers = {**_ACCEPT, "Authorization": f"Bearer {access_token}"}
        try:
            fetched = await Fetcher(policy=policy, limits=_JSON).fetch(discovery.userinfo_endpoint, headers)
            info = json.loads(fetched.body)
        except (FetchFailed, ValueError) as exc:
            log.warning("userinfo of %s not read: %s", discovery.issuer, exc)
            return claims
        if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
            # OpenID Connect Core §5.3.2: a userinfo answer about another subject must not be used.
            raise SignInFailed("the provider's userinfo answer is about another user")
        return {**info, **claims}

    async def _key(self, policy: NetworkPolicy, discovery: Discovery, kid: str) -> Any:
        import jwt

        now = time.monotonic()
        cached = self._jwks.get(discovery.jwks_uri)
        fresh = cached is not None and now - cached.fetched_at < self.jwks_ttl_s
        if cached is not None and fresh and kid in cached.keys:
            return cached.keys[kid]
        if cached is not None and fresh and now - cached.fetched_at < self.jwks_refetch_s:
            raise SignInFailed(f"the ID token is signed with key {kid!r}, which the provider does not publish")
        doc = await self._json(policy, discovery.jwks_uri)
        try:
            keys = jwt.PyJWKSet.from_dict(doc)
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the provider's key set is unusable: {exc}") from None
        by_kid = {k.key_id or "": k for k in keys.keys if k.public_key_use in (None, "sig")}
        self._jwks[discovery.jwks_uri] = _Keys(by_kid, now)
        if kid not in by_kid:
            raise SignInFailed(f"the ID token is signed with key {kid!r}, which the provider does not publish")
        return by_kid[kid]

    async def verify_id_token(
        self, policy: NetworkPolicy, discovery: Discovery, id_token: str, *, client_id: str, nonce: str
    ) -> dict[str, Any]:
        """The ID token's claims once signature, issuer, audience, times and nonce are right."""
        import jwt

        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token is malformed: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in discovery.algorithms:
            raise SignInFailed(f"the ID token is signed with {algorithm!r}, which is not accepted")
        key = await self._key(policy, discovery, str(header.get("kid") or ""))
        try:
            # Given the PyJWK itself, PyJWT also refuses an algorithm that does not fit the key's type.
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[algorithm],
                audience=client_id,
                issuer=discovery.issuer,
                leeway=self.clock_skew_s,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token was refused: {exc}") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
            raise SignInFailed("the ID token was issued to another party (azp)")
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise SignInFailed("the ID token's nonce is not this sign-in's (a replayed token?)")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise SignInFailed("the ID token has no subject")
        return claims

    @staticmethod
    def end_session_url(discovery: Discovery, *, client_id: str, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it offers it."""
        if discovery.end_session_endpoint is None:
            return None
        query = urlencode({"client_id": client_id, "post_logout_redirect_uri": post_logout_redirect_uri})
        separator = "&" if "?" in discovery.end_session_endpoint else "?"
        return f"{discovery.end_session_endpoint}{separator}{query}"


def _form(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)
