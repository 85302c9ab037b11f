"""The yt-dlp cookies file: uploaded through the API, stored 0600 in the data dir, never returned."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from mvidarr.downloads.schemas import CookiesStatus
from mvidarr.errors import CONTENT, InvalidInput, PayloadTooLarge
from mvidarr.kit.atomic import write_atomic

MAX_BYTES = 1024 * 1024
FOLDER = "cookies"
NAME = "cookies.txt"


def path_in(data_dir: Path) -> Path:
    return data_dir / FOLDER / NAME


def check(data: bytes) -> None:
    """A Netscape cookies file (what browsers' exporters and yt-dlp write), of a sane size."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"a cookies file may be at most {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the cookies file is not UTF-8 text", loc=("body", "file"), type_=CONTENT) from None
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines and "# Netscape HTTP Cookie File" not in text:
        raise InvalidInput(
            "the file holds no cookies (Netscape cookies.txt format)", loc=("body", "file"), type_=CONTENT
        )
    for number, line in enumerate(lines, 1):
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_") :]
        if len(line.split("\t")) != 7:
            raise InvalidInput(
                f"line {number} is not a Netscape cookie line (7 tab-separated fields)",
                loc=("body", "file"),
                type_=CONTENT,
            )


def store(data_dir: Path, data: bytes) -> CookiesStatus:
    """Write the file whole and private (mode 0600 from creation), then rename it into place. Blocking."""
    check(data)
    target = path_in(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    write_atomic(target, data, mode=0o600)
    return status(data_dir)


def status(data_dir: Path) -> CookiesStatus:
    target = path_in(data_dir)
    try:
        info = target.stat()
    except FileNotFoundError:
        return CookiesStatus(present=False)
    return CookiesStatus(present=True, size=info.st_size, updated_at=datetime.fromtimestamp(info.st_mtime, UTC))


def remove(data_dir: Path) -> None:
    path_in(data_dir).unlink(missing_ok=True)
