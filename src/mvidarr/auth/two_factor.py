"""Two-factor authentication: a TOTP secret set up, confirmed and turned off, and a code (or a recovery
code) checked at sign-in.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth import totp
from mvidarr.auth.account import me_user
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.schemas import RecoveryCodes, TotpDisable, TotpSetup
from mvidarr.db import Database
from mvidarr.errors import CONTENT, Conflict, Forbidden, InvalidInput, TooManyRequests
from mvidarr.kit.sealing import SealError
from mvidarr.models import User

log = logging.getLogger("mvidarr.auth")


def second_factor(guard: Guard, user: User, code: str) -> tuple[int | None, str | None]:
    """(TOTP step, recovery code hash) matching `code`; (None, None) when neither does."""
    if user.totp_secret is None:
        return None, None
    try:
        secret = guard.sealer.open(user.totp_secret)
    except SealError:
        log.error("cannot open the TOTP secret of user %s; was the app secret changed?", user.id)
        return None, None
    step = totp.matching_step(secret, code, after_step=user.totp_last_step)
    if step is not None:
        return step, None
    digest = guard.signer.code_hash(totp.normalise_recovery_code(code))
    return (None, digest) if digest in user.recovery_code_hashes else (None, None)


async def totp_setup(session: AsyncSession, guard: Guard, principal: Principal) -> TotpSetup:
    """A new secret, pending until confirmed with a code (POST /auth/totp/enable)."""
    user = await me_user(session, principal)
    if user.totp_enabled:
        raise Conflict("two-factor authentication is already on; disable it first")
    secret = totp.new_secret()
    user.totp_secret = guard.sealer.seal(secret)
    user.totp_last_step = None
    await session.flush()
    uri = totp.provisioning_uri(secret, user.username)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_code=totp.qr_svg_data_uri(uri))


async def totp_enable(
    session: AsyncSession, guard: Guard, principal: Principal, code: str, *, ip: str | None
) -> RecoveryCodes:
    user = await me_user(session, principal)
    if user.totp_enabled:
        raise Conflict("two-factor authentication is already on")
    if user.totp_secret is None:
        raise Conflict("start with POST /api/v1/auth/totp/setup")
    step = totp.matching_step(guard.sealer.open(user.totp_secret), code, after_step=None)
    if step is None:
        raise InvalidInput(
            "the code does not match; check the authenticator's clock", loc=("body", "code"), type_=CONTENT
        )
    codes = totp.new_recovery_codes()
    user.totp_enabled = True
    user.totp_last_step = step
    user.recovery_code_hashes = [guard.signer.code_hash(c) for c in codes]
    await session.flush()
    audit.record(session, "auth.totp_enabled", actor=principal, ip=ip, target_type="user", target_id=user.id)
    return RecoveryCodes(codes=codes)


async def totp_disable(db: Database, guard: Guard, principal: Principal, body: TotpDisable, *, ip: str | None) -> None:
    """Needs the password and a current code (or a recovery code)."""
    async with db.reader() as session:
        user = await me_user(session, principal)
    if not user.totp_enabled:
        raise Conflict("two-factor authentication is off")
    wait = guard.by_username.retry_after(user.username_key)
    if wait:
        raise TooManyRequests("too many wrong attempts; wait before trying again", retry_after_s=wait)
    password_ok = await guard.passwords.verify(user.password_hash, body.password)
    step, recovery = second_factor(guard, user, body.code)
    if not password_ok or (step is None and recovery is None):
        guard.by_username.fail(user.username_key)
        raise Forbidden("password or code is wrong")
    async with db.writer() as session:
        fresh = await me_user(session, principal)
        fresh.totp_enabled = False
        fresh.totp_secret = None
        fresh.totp_last_step = None
        fresh.recovery_code_hashes = []
        audit.record(session, "auth.totp_disabled", actor=principal, ip=ip, target_type="user", target_id=fresh.id)
        await session.commit()
