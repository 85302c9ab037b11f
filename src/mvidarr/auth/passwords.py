"""Password hashing (argon2id) off the event loop, and the password policy."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mvidarr.config import Settings
from mvidarr.errors import CONTENT, InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024
# The most used passwords of at least MIN_LENGTH characters (public breach corpora); a short
# list on purpose: it stops the guesses an attacker tries first, without a data file to ship.
COMMON = frozenset(
    [
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567890q",
        "qwertyuiop",
        "qwertyuiop1",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "1qazxsw23edc",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "iloveyou123",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "asdfghjkl1",
        "asdfghjkl;",
        "zxcvbnm123",
        "abcdefghij",
        "abc1234567",
        "abcd123456",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "9876543210",
        "0987654321",
        "letmein123",
        "welcome123",
        "welcome1234",
        "administrator",
        "admin12345",
        "admin123456",
        "adminadmin",
        "changeme123",
        "football123",
        "baseball123",
        "superman123",
        "princess123",
        "sunshine123",
        "starwars123",
        "trustno1234",
        "michael123",
        "jordan2323",
        "monkey1234",
        "dragon1234",
        "master1234",
        "whatever12",
        "mvidarr123",
        "mvidarr1234",
        "mvidarradmin",
        "mvidarr2024",
        "mvidarr2025",
        "mvidarr2026",
        "passwordpassword",
        "qwertyqwerty",
        "1234qwerty",
        "12345qwert",
        "123456789a",
        "123456789q",
        "a123456789",
        "q123456789",
        "1234554321",
        "1122334455",
        "1234512345",
        "5555555555",
        "7777777777",
        "8888888888",
        "9999999999",
        "2222222222",
        "3333333333",
        "4444444444",
        "6666666666",
        "computer123",
        "internet123",
        "samsung123",
    ]
)


def check_policy(password: str, username: str | None = None) -> None:
    """Raise InvalidInput (at body.password) for a password MVidarr will not accept."""
    problem = policy_problem(password, username)
    if problem:
        raise InvalidInput(problem, loc=("body", "password"), type_=CONTENT)


def policy_problem(password: str, username: str | None = None) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters long"
    folded = password.casefold()
    if username and len(username) >= 3 and username.casefold() in folded:
        return "password must not contain the username"
    if folded in COMMON or len(set(folded)) < 3:
        return "password is too common; choose a longer or less guessable one"
    return None


class Passwords:
    """argon2id with the configured costs; hashing runs on its own small thread pool.

    argon2 releases the GIL, but hashes on every core would starve the event loop's thread, so
    the pool leaves one core free (at least one worker).
    """

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        workers = max(1, (os.cpu_count() or 2) - 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._dummy: str | None = None
        self._dummy_lock = asyncio.Lock()

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant-time check; with no hash (unknown user) a dummy hash is checked for equal timing."""
        if password_hash is None:
            password_hash = await self._dummy_hash()
            await self._in_pool(password_hash, password)
            return False
        return await self._in_pool(password_hash, password)

    async def _in_pool(self, password_hash: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._check, password_hash, password)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def _dummy_hash(self) -> str:
        async with self._dummy_lock:
            if self._dummy is None:
                self._dummy = await self.hash(os.urandom(16).hex())
            return self._dummy

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
