"""Ranking search results: never blindly the first one."""

from __future__ import annotations

import pytest

from mvidarr.downloads.ranking import MIN_SCORE, Candidate, Wanted, rank, score, source_key, unique, youtube_id

WANTED = Wanted(artist="Massive Attack", title="Teardrop", duration_s=330.0, label="Virgin")


def result(title: str, channel: str | None, duration_s: float | None = 330.0, height: int | None = 1080) -> Candidate:
    return Candidate(
        url=f"https://www.youtube.com/watch?v={abs(hash(title + str(channel))) % 10**11:011d}",
        origin="search",
        title=title,
        channel=channel,
        duration_s=duration_s,
        height=height,
    )


def test_the_official_upload_beats_an_earlier_cover_and_a_lyric_video() -> None:
    cover = result("Teardrop (Massive Attack cover) - Jane Doe", "Jane Doe Music", duration_s=290)
    lyrics = result("Massive Attack - Teardrop (Lyrics)", "LyricsWorld", duration_s=331)
    live = result("Massive Attack - Teardrop (Live at Glastonbury)", "Glasto", duration_s=402)
    official = result("Massive Attack - Teardrop (Official Video)", "MassiveAttackVEVO", duration_s=331)
    ranked = rank(WANTED, [cover, lyrics, live, official])
    assert ranked[0] is official, [(c.title, c.score) for c in ranked]
    assert "VEVO" in " ".join(official.reasons)
    assert ranked.index(live) > ranked.index(official)
    assert ranked[-1].rejected or ranked[-1] is cover


def test_another_song_by_the_artist_is_rejected() -> None:
    other = score(WANTED, result("Massive Attack - Angel (Official Video)", "MassiveAttackVEVO"))
    assert other.rejected
    assert other.score is not None
    assert other.score < MIN_SCORE
    assert any("below" in reason for reason in other.reasons)


def test_the_labels_channel_counts_as_the_artist() -> None:
    labelled = score(WANTED, result("Teardrop", "Virgin Records"))
    stranger = score(WANTED, result("Teardrop", "Some Uploader"))
    assert labelled.score is not None
    assert stranger.score is not None
    assert labelled.score > stranger.score
    assert "the label's channel" in " ".join(labelled.reasons)


def test_duration_disagreement_costs() -> None:
    close = score(WANTED, result("Massive Attack - Teardrop", "MassiveAttackVEVO", duration_s=331))
    far = score(WANTED, result("Massive Attack - Teardrop", "MassiveAttackVEVO", duration_s=600))
    assert close.score is not None
    assert far.score is not None
    assert close.score > far.score
    assert "duration 270 s off" in far.reasons


def test_rejected_results_sort_last_and_ties_keep_search_order() -> None:
    bad = result("Completely Different Song", "Nobody")
    a = result("Massive Attack - Teardrop", "MassiveAttackVEVO")
    b = Candidate(url="https://youtu.be/bbbbbbbbbbb", origin="search", title=a.title, channel=a.channel)
    b.duration_s, b.height = a.duration_s, a.height
    ranked = rank(WANTED, [bad, a, b])
    assert ranked == [a, b, bad]
    assert bad.rejected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=u7K72X4eo_s&t=3", "u7K72X4eo_s"),
        ("https://youtu.be/u7K72X4eo_s", "u7K72X4eo_s"),
        ("https://m.youtube.com/shorts/u7K72X4eo_s", "u7K72X4eo_s"),
        ("https://music.youtube.com/watch?v=short", None),
        ("https://vimeo.com/12345", None),
    ],
)
def test_youtube_ids(url: str, expected: str | None) -> None:
    assert youtube_id(url) == expected


def test_one_key_per_source_and_unique_keeps_the_first() -> None:
    assert source_key("https://youtu.be/u7K72X4eo_s") == source_key("https://www.youtube.com/watch?v=u7K72X4eo_s")
    assert source_key("HTTP://Example.ORG/a.mp4#frag") == "http://example.org/a.mp4"
    first = Candidate(url="https://youtu.be/u7K72X4eo_s", origin="youtube_id")
    again = Candidate(url="https://www.youtube.com/watch?v=u7K72X4eo_s", origin="search")
    assert unique([first, again]) == [first]
