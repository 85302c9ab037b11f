"""The 0.9.7 database, read through a read-only connection (PyMySQL, utf8mb4) in a worker thread.

One transaction, READ ONLY with a consistent snapshot, reads every table the import needs, a page
at a time in key order; nothing is ever written to the 0.9.7 database. The URL's password is kept
out of every repr, log line, report and error message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mvidarr.errors import InvalidInput

if TYPE_CHECKING:
    import pymysql

SCHEMES = ("mysql", "mariadb")
DEFAULT_PORT = 3306
PAGE = 5000
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 300
# Table -> the key it is paged by. Tables a 0.9.7 install may lack (added by later upgrades) read as empty.
TABLES: dict[str, str] = {
    "settings": "id",
    "users": "id",
    "artists": "id",
    "videos": "id",
    "downloads": "id",
    "playlists": "id",
    "playlist_entries": "id",
    "video_blacklist": "youtube_url",
    "playlist_monitors": "id",
    "custom_themes": "id",
}


class LegacyUrlInvalid(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, loc=("body", "url"))


class LegacyUnreachable(Exception):
    """The 0.9.7 database could not be read; the message never holds the password."""


@dataclass(frozen=True, slots=True)
class LegacySource:
    host: str
    port: int
    user: str
    database: str
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, url: str) -> LegacySource:
        """`mysql://user:password@host:3306/database` (also `mariadb://`, `mysql+pymysql://`)."""
        try:
            parsed = make_url(url.strip())
        except (ArgumentError, ValueError):
            raise LegacyUrlInvalid("not a database URL; expected mysql://user:password@host:3306/database") from None
        if parsed.get_backend_name() not in SCHEMES:
            raise LegacyUrlInvalid(
                "MVidarr 0.9.7 ran on MariaDB or MySQL: the URL must start with mysql:// or mariadb://"
            )
        if not parsed.host:
            raise LegacyUrlInvalid("the URL names no host")
        if not parsed.database:
            raise LegacyUrlInvalid("the URL names no database (…/mvidarr at its end)")
        return cls(
            host=parsed.host,
            port=parsed.port or DEFAULT_PORT,
            user=parsed.username or "",
            database=parsed.database,
            password=parsed.password or "",
        )

    @property
    def display(self) -> str:
        """The URL without its password, for reports, logs and the job list."""
        user = f"{self.user}:***@" if self.password else (f"{self.user}@" if self.user else "")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"mysql://{user}{host}:{self.port}/{self.database}"

    def url(self) -> str:
        """The whole URL, password included: only for sealing into a job's parameters."""
        from sqlalchemy.engine import URL

        return URL.create(
            "mysql", self.user or None, self.password or None, self.host, self.port, self.database
        ).render_as_string(hide_password=False)


@dataclass(slots=True)
class LegacyData:
    """Every row the import reads, by table; `missing` lists tables this 0.9.7 install lacks."""

    tables: dict[str, list[dict[str, Any]]]
    missing: list[str]
    server_version: str

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables.get(table, [])


def read(source: LegacySource, address: str) -> LegacyData:
    """Reads every table (blocking: run it in a thread). `address` is the checked IP to connect to."""
    # Loaded by the import alone: PyMySQL brings `cryptography`, 8 MiB the web server never needs.
    import pymysql
    import pymysql.cursors

    try:
        conn = pymysql.connect(
            host=address,
            port=source.port,
            user=source.user,
            password=source.password,
            database=source.database,
            charset="utf8mb4",
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            cursorclass=pymysql.cursors.DictCursor,
            autocommit=False,
        )
    except pymysql.MySQLError as exc:
        raise LegacyUnreachable(f"cannot connect to {source.display}: {_describe(exc)}") from None
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            cur.execute("SELECT VERSION() AS v")
            version = str((cur.fetchone() or {}).get("v", ""))
            cur.execute(
                "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = %s", (source.database,)
            )
            present = {str(row["t"]) for row in cur.fetchall()}
            if "artists" not in present or "videos" not in present:
                raise LegacyUnreachable(
                    f"{source.display} has no artists and videos tables: it is not a MVidarr 0.9.7 database"
                )
            tables: dict[str, list[dict[str, Any]]] = {}
            missing: list[str] = []
            for table, key in TABLES.items():
                if table not in present:
                    missing.append(table)
                    continue
                tables[table] = list(_pages(cur, table, key))
            conn.rollback()
    except pymysql.MySQLError as exc:
        raise LegacyUnreachable(f"reading {source.display} failed: {_describe(exc)}") from None
    finally:
        conn.close()
    return LegacyData(tables=tables, missing=missing, server_version=version)


def _pages(cur: Any, table: str, key: str) -> Iterator[dict[str, Any]]:
    last: Any = None
    while True:
        if last is None:
            cur.execute(f"SELECT * FROM `{table}` ORDER BY `{key}` LIMIT {PAGE}")
        else:
            cur.execute(f"SELECT * FROM `{table}` WHERE `{key}` > %s ORDER BY `{key}` LIMIT {PAGE}", (last,))
        rows = cur.fetchall()
        yield from rows
        if len(rows) < PAGE:
            return
        last = rows[-1][key]


def _describe(exc: pymysql.MySQLError) -> str:
    args: tuple[Any, ...] = tuple(exc.args)
    if len(args) >= 2:
        return f"{args[1]} (error {args[0]})"
    return type(exc).__name__
