"""Our HS256 JWTs against PyJWT, the reference: each reads the other's tokens, and every way a
token can be wrong is refused with the right error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest

from mvidarr.auth import jws

KEY = b"k" * 64
AUD, ISS = "mvidarr:api", "mvidarr"
NOW = 1_800_000_000.0
NONE_HEADER = b'{"alg":"none","typ":"JWT"}'


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISS, "aud": AUD, "sub": "1", "iat": NOW, "nbf": int(NOW), "exp": int(NOW) + 600, "name": "Björk",
    }  # fmt: skip
    claims.update(changes)
    return claims


def _decode(token: str, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"now": NOW, "audience": AUD, "issuer": ISS, "required": ["exp", "sub"], **kwargs}
    return jws.decode(token, KEY, **options)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_pyjwt_reads_our_tokens_and_we_read_its() -> None:
    ours = jws.encode(_claims(), KEY)
    read = jwt.decode(ours, KEY, algorithms=["HS256"], audience=AUD, issuer=ISS, options={"verify_exp": False,
                      "verify_nbf": False, "verify_iat": False})  # fmt: skip
    assert read == _claims()
    theirs = jwt.encode(_claims(), KEY, algorithm="HS256")
    assert _decode(theirs) == _claims()


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (jws.encode(_claims(exp=int(NOW)), KEY), jws.Expired),
        (jws.encode(_claims(nbf=int(NOW) + 60), KEY), jws.NotYetValid),
        (jws.encode(_claims(iat=NOW + 60), KEY), jws.NotYetValid),
        (jws.encode(_claims(aud="someone-else"), KEY), jws.JWTError),
        (jws.encode(_claims(aud=["a", "b"]), KEY), jws.JWTError),
        (jws.encode(_claims(iss="evil"), KEY), jws.JWTError),
        (jws.encode({k: v for k, v in _claims().items() if k != "sub"}, KEY), jws.JWTError),
        (jws.encode(_claims(exp="soon"), KEY), jws.JWTError),
        (jws.encode(_claims(exp=True), KEY), jws.JWTError),
        (jws.encode(_claims(), b"another key" * 4), jws.JWTError),
        (jwt.encode(_claims(), KEY, algorithm="HS512"), jws.JWTError),
        (f"{_b64(NONE_HEADER)}.{_b64(json.dumps(_claims()).encode())}.", jws.JWTError),
        (f"{_b64(b'[1]')}.{_b64(b'{}')}.{_b64(b'x')}", jws.JWTError),
        ("not.a.jwt", jws.JWTError),
        ("two.parts", jws.JWTError),
        ("a.b.c.d", jws.JWTError),
        ("é.é.é", jws.JWTError),
        ("x" * 9000, jws.JWTError),
    ],
)
def test_bad_tokens_are_refused(token: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        _decode(token)


def test_a_signed_payload_that_is_not_an_object_is_refused() -> None:
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    payload = _b64(b"[1, 2]")
    signing_input = f"{header}.{payload}".encode()
    signature = _b64(hmac.new(KEY, signing_input, hashlib.sha256).digest())
    with pytest.raises(jws.JWTError, match="object"):
        _decode(f"{header}.{payload}.{signature}")


def test_audience_in_a_list_and_leeway() -> None:
    assert _decode(jws.encode(_claims(aud=["other", AUD]), KEY))["sub"] == "1"
    late = jws.encode(_claims(exp=int(NOW) - 5), KEY)
    with pytest.raises(jws.Expired):
        _decode(late)
    assert _decode(late, leeway_s=10)["sub"] == "1"
