"""The ID token checks one by one, with tokens signed here (PyJWT) against a key set served to the
client: signature and algorithm, issuer, audience and azp, expiry with the clock-skew allowance, nonce,
and the key set fetched again (at most so often) for an unknown key id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mvidarr.network.policy import NetworkPolicy
from mvidarr.sso.oidc import Discovery, OidcClient, SignInFailed, pkce_challenge

pytestmark = pytest.mark.anyio
ISSUER = "https://id.example.org"
CLIENT = "mvidarr"
NONCE = "the-nonce-of-this-sign-in"
DISCOVERY = Discovery(
    issuer=ISSUER,
    authorization_endpoint=f"{ISSUER}/authorize",
    token_endpoint=f"{ISSUER}/token",
    jwks_uri=f"{ISSUER}/jwks",
    end_session_endpoint=None,
    userinfo_endpoint=None,
    algorithms=("RS256",),
    token_auth_methods=("client_secret_basic",),
)


class Keys:
    def __init__(self) -> None:
        self.private: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.fetches = 0

    def add(self, kid: str) -> None:
        self.private[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private[kid].public_key()))
            keys.append({**public, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def sign(self, kid: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT, "sub": "person-1", "iat": now, "exp": now + 300, "nonce": NONCE}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def keys() -> Keys:
    made = Keys()
    made.add("k1")
    return made


@pytest.fixture
def client(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> OidcClient:
    oidc = OidcClient(clock_skew_s=60, jwks_refetch_s=30)

    async def served(_policy: NetworkPolicy, url: str) -> dict[str, Any]:
        assert url == DISCOVERY.jwks_uri
        keys.fetches += 1
        return keys.jwks()

    monkeypatch.setattr(oidc, "_json", served)
    return oidc


async def _verify(client: OidcClient, token: str, nonce: str = NONCE) -> dict[str, Any]:
    return await client.verify_id_token(NetworkPolicy(), DISCOVERY, token, client_id=CLIENT, nonce=nonce)


async def test_a_good_token_is_accepted(client: OidcClient, keys: Keys) -> None:
    claims = await _verify(client, keys.sign("k1"))
    assert claims["sub"] == "person-1"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example.org"}, "issuer"),
        ({"aud": "another-app"}, "audience"),
        ({"aud": [CLIENT, "another-app"]}, "azp"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"iat": None}, "iat"),
        ({"sub": None}, "sub"),
        ({"nonce": None}, "nonce"),
        ({"nonce": "the nonce of another sign-in"}, "nonce"),
    ],
)
async def test_a_wrong_claim_is_refused(client: OidcClient, keys: Keys, overrides: dict[str, Any], reason: str) -> None:
    with pytest.raises(SignInFailed, match=f"(?i){reason}"):
        await _verify(client, keys.sign("k1", **overrides))


async def test_the_clock_skew_allowance(client: OidcClient, keys: Keys) -> None:
    now = int(time.time())
    await _verify(client, keys.sign("k1", exp=now - 30, iat=now - 330))  # within 60 s
    with pytest.raises(SignInFailed, match="expired"):
        await _verify(client, keys.sign("k1", exp=now - 120, iat=now - 420))
    with pytest.raises(SignInFailed, match=r"iat|yet valid"):
        await _verify(client, keys.sign("k1", iat=now + 600, exp=now + 900))


def _hs256(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps(header).encode())}.{part(json.dumps(claims).encode())}"
    return f"{signing_input}.{part(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


async def test_unsigned_and_hmac_tokens_are_refused(client: OidcClient, keys: Keys) -> None:
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "x", "iat": int(time.time()), "exp": int(time.time()) + 60}
    unsigned = jwt.encode({**claims, "nonce": NONCE}, None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(SignInFailed, match="'none'"):
        await _verify(client, unsigned)
    # Algorithm confusion: HS256 keyed with the public key's bytes must not pass.
    public_jwk = json.dumps(keys.jwks()["keys"][0]).encode()
    forged = _hs256({"alg": "HS256", "typ": "JWT", "kid": "k1"}, {**claims, "nonce": NONCE}, public_jwk)
    with pytest.raises(SignInFailed, match="HS256"):
        await _verify(client, forged)


async def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(client: OidcClient, keys: Keys) -> None:
    impostor = Keys()
    impostor.add("k1")
    with pytest.raises(SignInFailed, match="Signature"):
        await _verify(client, impostor.sign("k1"))


async def test_a_rotated_key_is_fetched_again_at_most_so_often(client: OidcClient, keys: Keys) -> None:
    await _verify(client, keys.sign("k1"))
    assert keys.fetches == 1
    await _verify(client, keys.sign("k1"))
    assert keys.fetches == 1  # cached
    keys.add("k2")
    # Within jwks_refetch_s of the last fetch an unknown kid is refused without asking the provider.
    with pytest.raises(SignInFailed, match="does not publish"):
        await _verify(client, keys.sign("k2"))
    assert keys.fetches == 1
    client.jwks_refetch_s = 0
    await _verify(client, keys.sign("k2"))
    assert keys.fetches == 2
    keys.private["never-published"] = keys.private["k2"]
    with pytest.raises(SignInFailed, match="does not publish"):
        await _verify(client, keys.sign("never-published"))
    assert keys.fetches == 3


def test_pkce_challenge_matches_rfc_7636_appendix_b() -> None:
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
