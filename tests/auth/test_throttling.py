"""Login throttling that an anonymous caller cannot turn into a lock-out of someone else: failures count
per (client address, username) and per address; an account's own failures only slow it down."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mvidarr.auth.guard import Guard
from mvidarr.auth.service import backoff_s
from mvidarr.config import Settings
from mvidarr.models import Role
from tests.auth.helpers import login
from tests.conftest import make_user

pytestmark = pytest.mark.anyio


def from_address(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_an_anonymous_attacker_cannot_lock_the_admin_out(app: Any) -> None:
    guard: Guard = app.state.auth
    guard.settings.login_backoff_max_s = 0.2
    guard.settings.lockout_threshold = 3  # the owner's sign-in is slowed by the attack, not refused
    await make_user(app, "admin", Role.ADMIN)
    async with from_address(app, "203.0.113.66") as attacker:
        answers = [(await login(attacker, "admin", "guessing wrong")).status_code for _ in range(40)]
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}, "the attacker's own address and name pair is throttled"
    async with from_address(app, "198.51.100.7") as owner:
        started = time.monotonic()
        signed_in = await login(owner, "admin")
    assert signed_in.status_code == 200, signed_in.text
    assert time.monotonic() - started < 5


async def test_one_address_is_throttled_across_usernames(app: Any) -> None:
    guard: Guard = app.state.auth
    guard.by_ip.limit = 4
    async with from_address(app, "203.0.113.9") as sprayer:
        answers = [(await login(sprayer, f"name{i}", "wrong password!")).status_code for i in range(6)]
    assert answers == [401] * 4 + [429] * 2
    async with from_address(app, "198.51.100.8") as other:
        assert (await login(other, "name0", "wrong password!")).status_code == 401


def test_backoff_doubles_and_is_capped() -> None:
    settings = Settings(lockout_threshold=10, login_backoff_max_s=8, _env_file=None)  # type: ignore[call-arg]
    assert [backoff_s(settings, n) for n in (0, 9, 10, 11, 12, 13, 14, 40)] == [0, 0, 0.5, 1, 2, 4, 8, 8]
