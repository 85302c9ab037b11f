"""TOTP (RFC 6238) codes with replay protection, the QR code for authenticator apps, and
single-use recovery codes."""

from __future__ import annotations

import base64
import hmac
import io
import secrets
import time

ISSUER_NAME = "MVidarr"
RECOVERY_CODES = 10
_STEP_S = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    import pyotp  # imported on use: 2FA is rare next to every other request

    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER_NAME)


def qr_svg_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG data URI an <img> can show."""
    buffer = io.BytesIO()
    import segno  # about 10 MB; only 2FA set-up draws a QR code

    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def matching_step(secret: str, code: str, *, after_step: int | None, now: float | None = None) -> int | None:
    """The time step whose code is `code` (one step of clock drift allowed), if later than `after_step`."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // _STEP_S)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * _STEP_S), code) and (after_step is None or step > after_step):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like 'k7pq2-xm4nd' (about 49 bits each)."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]


def normalise_recovery_code(code: str) -> str:
    raw = code.strip().lower().replace(" ", "").replace("-", "")
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw
