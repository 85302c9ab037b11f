"""The seam other kinds register through: every indexed kind is a searchable kind, and the triggers
generated for a source cover insert, update, delete and its related tables on both databases."""

from __future__ import annotations

from mvidarr.search.schemas import SearchKind
from mvidarr.search.sources import SOURCES, VIDEOS, drop_trigger_statements, trigger_statements


def test_every_indexed_kind_can_be_asked_for() -> None:
    assert {kind.value for kind in SearchKind} == {source.kind for source in SOURCES}
    assert all("{id}" in source.page for source in SOURCES)


def test_generated_triggers_cover_every_event() -> None:
    sqlite = trigger_statements("sqlite", VIDEOS)
    assert [s.split()[2] for s in sqlite] == [
        "search_video_insert", "search_video_update", "search_video_delete",
        "search_video_artist_update", "search_video_artist_delete",
    ]  # fmt: skip
    assert 'BEFORE DELETE ON "artist"' in sqlite[-1]
    assert "OLD.id" in sqlite[-1]
    postgres = " ".join(trigger_statements("postgresql", VIDEOS))
    for fragment in ("AFTER INSERT OR DELETE ON video", "AFTER UPDATE OF title, version, search_text, artist_id",
                     "BEFORE DELETE ON \"artist\"", "AFTER UPDATE OF name, search_text ON \"artist\""):  # fmt: skip
        assert fragment in postgres
    assert len(drop_trigger_statements("sqlite", VIDEOS)) == len(sqlite)


def test_a_private_source_writes_its_viewer_and_quotes_the_user_table() -> None:
    from mvidarr.search.sources import PLAYLISTS

    sqlite = trigger_statements("sqlite", PLAYLISTS)
    assert "viewer_id) SELECT 'playlist'" in sqlite[0]
    assert 'BEFORE DELETE ON "user"' in sqlite[-1]
    assert "viewer_id" not in " ".join(trigger_statements("sqlite", VIDEOS)), "public kinds leave it NULL"
