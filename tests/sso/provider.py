"""Starts the real OpenID provider (tests/oidc/provider.mjs, node-oidc-provider) on a free port.

Without node (or its npm install, `make test` does it) the tests skip, except under CI=true, where a
missing provider is a failure: CI must run them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "mvidarr"
CLIENT_SECRET = "a client secret for tests"
ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@example.org", "email_verified": True, "preferred_username": "alice",
              "name": "Alice", "groups": ["family"]},
    "bob": {"email": "bob@example.org", "email_verified": True, "preferred_username": "bob",
            "groups": ["mvidarr-admins"]},
    "mallory": {"email": "mallory@example.org", "email_verified": True, "preferred_username": "mallory", "groups": []},
    "eve": {"email": "admin@example.org", "email_verified": False, "preferred_username": "admin", "groups": ["family"]},
}  # fmt: skip


def node_or_skip() -> str:
    node = shutil.which("node")
    installed = (HERE / "node_modules" / "oidc-provider").is_dir()
    if node and installed:
        return node
    why = "node is not installed" if not node else "tests/oidc has no node_modules (run make test, or npm ci there)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the SSO tests need a real OpenID provider in CI: {why}")
    pytest.skip(why)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OpenIdProvider:
    """A running node-oidc-provider; `restart(key_id=...)` brings it back with a new signing key."""

    node: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    key_id: str = "key-1"
    userinfo_only: bool = False
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_KEY_ID": self.key_id,
            "OIDC_USERINFO_ONLY": "1" if self.userinfo_only else "0",
            "OIDC_CLIENT": json.dumps({
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": self.redirect_uris,
                "post_logout_redirect_uris": self.post_logout_redirect_uris,
            }),
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        }  # fmt: skip
        if self.log is not None:
            with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
                self.process = subprocess.Popen(
                    [self.node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=out, stderr=subprocess.STDOUT
                )
        else:
            self.process = subprocess.Popen(
                [self.node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=subprocess.DEVNULL
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the OpenID provider did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self, *, key_id: str, userinfo_only: bool = False) -> None:
        self.stop()
        self.key_id = key_id
        self.userinfo_only = userinfo_only
        self.start()


@contextmanager
def running_provider(
    redirect_uris: list[str], log: Path, post_logout_redirect_uris: list[str] | None = None
) -> Iterator[OpenIdProvider]:
    provider = OpenIdProvider(
        node_or_skip(), redirect_uris, post_logout_redirect_uris=post_logout_redirect_uris or [], log=log
    )
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """Follows the provider's pages as a browser would (the development login form takes any password)
    and answers where it sends the browser back: the callback URL with code and state."""
    with httpx.Client(follow_redirects=False, timeout=15) as browser:
        response = browser.get(authorize_url)
        for _ in range(10):
            if response.status_code in (302, 303):
                location = str(response.next_request.url) if response.next_request else response.headers["location"]
                if "/interaction/" not in location and not location.startswith(authorize_url.split("/auth")[0]):
                    return location
                response = browser.get(location)
                continue
            if response.status_code == 200 and 'name="login"' in response.text:
                action = response.text.split('action="', 1)[1].split('"', 1)[0]
                response = browser.post(
                    httpx.URL(str(response.url)).join(action),
                    data={"prompt": "login", "login": login, "password": "any password"},
                )
                continue
            raise AssertionError(f"unexpected answer from the provider: {response.status_code} {response.text[:300]}")
    raise AssertionError("the provider did not send the browser back")
