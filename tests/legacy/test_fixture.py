"""The 0.9.7 fixture itself: tables as 0.9.7 makes them, its traps really in the rows."""

from __future__ import annotations

import json

from tests.fixtures.legacy097 import LegacyDatabase, Realistic


def _one(legacy: LegacyDatabase, sql: str) -> tuple[object, ...]:
    with legacy.connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
        assert row is not None
        return tuple(row)


def test_database_is_utf8mb4_with_first_start_rows(legacy_db: LegacyDatabase) -> None:
    charset = _one(
        legacy_db,
        f"SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name='{legacy_db.name}'",
    )
    assert charset == ("utf8mb4",)
    assert _one(legacy_db, "SELECT value FROM settings WHERE `key`='simple_auth_username'") == ("admin",)
    assert _one(legacy_db, "SELECT username, role FROM users") == ("admin", "ADMIN")


def test_json_columns_are_longtext_with_a_validity_check(legacy_db: LegacyDatabase) -> None:
    (data_type,) = _one(
        legacy_db,
        "SELECT data_type FROM information_schema.columns "
        f"WHERE table_schema='{legacy_db.name}' AND table_name='videos' AND column_name='genres'",
    )
    assert data_type == "longtext"


def test_realistic_rows_carry_the_traps(realistic: Realistic, legacy_db: LegacyDatabase) -> None:
    shapes = [row[0] for row in _rows(legacy_db, "SELECT genres FROM artists WHERE id IN (1,2,3) ORDER BY id")]
    assert isinstance(json.loads(shapes[0]), list)
    assert isinstance(json.loads(json.loads(shapes[1])), list)  # double-encoded
    assert "," in json.loads(shapes[2])  # a comma-separated string
    assert _one(legacy_db, "SELECT title FROM videos WHERE id=3") == ("Gee 🎵",)
    assert _one(legacy_db, "SELECT count(*) FROM videos WHERE status IS NULL") == (1,)
    orphans = "SELECT count(*) FROM videos v LEFT JOIN artists a ON a.id=v.artist_id WHERE a.id IS NULL"
    assert _one(legacy_db, orphans) == (1,)
    assert (realistic.library / "少女時代" / "少女時代 - Gee 🎵.mkv").exists()


def _rows(legacy: LegacyDatabase, sql: str) -> list[tuple[object, ...]]:
    with legacy.connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]
