"""The handful of artists and videos the fake upstream knows, with their ids at every provider."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FakeVideo:
    imvdb_id: int
    title: str
    year: int
    release_date: str
    youtube_id: str
    directors: tuple[str, ...]
    producers: tuple[str, ...] = ()
    featured: tuple[str, ...] = ()
    version: str | None = None
    duration_s: int = 240
    recording_mbid: str = ""
    album: str | None = None
    audiodb_track: str = ""
    views: int = 1_000_000


@dataclass(frozen=True)
class FakeArtist:
    name: str
    sort_name: str
    mbid: str
    imvdb_id: int
    audiodb_id: str
    spotify_id: str
    wikidata_id: str
    wikipedia_title: str
    country: str
    begin: str
    kind: str
    genres: tuple[str, ...]
    biography: str
    channel_id: str
    videos: tuple[FakeVideo, ...] = field(default_factory=tuple)
    disambiguation: str = ""
    imvdb_slug: str = ""
    aliases: tuple[str, ...] = ()
    """MusicBrainz aliases: other scripts and spellings."""
    imvdb_name_missing: bool = False
    """IMVDb's entity search gives this artist with `name: null` (only the slug), as it does for some."""


ARTISTS: tuple[FakeArtist, ...] = (
    FakeArtist(
        name="Daft Punk",
        sort_name="Daft Punk",
        mbid="056e4f3e-d505-4dad-8ec1-d04f521cbb56",
        imvdb_id=1001,
        audiodb_id="111492",
        spotify_id="4tZwfgrHOc3mvqYlEYSvVi",
        wikidata_id="Q185828",
        wikipedia_title="Daft Punk",
        country="FR",
        begin="1993",
        kind="Group",
        genres=("electronic", "house", "french house"),
        biography="Daft Punk were a French electronic music duo formed in Paris in 1993.",
        channel_id="UC_kRDKYrUlrbtrSiyu5Tflg",
        imvdb_slug="daft-punk",
        videos=(
            FakeVideo(
                imvdb_id=5001,
                title="Around the World",
                year=1997,
                release_date="1997-04-07",
                youtube_id="LKYPYj2XX80",
                directors=("Michel Gondry",),
                producers=("Julie Fong",),
                duration_s=240,
                recording_mbid="7d4b8ef2-9b0e-4b9a-a6b4-3f1b9c8e0a11",
                album="Homework",
                audiodb_track="32793500",
            ),
            FakeVideo(
                imvdb_id=5002,
                title="Get Lucky",
                year=2013,
                release_date="2013-04-19",
                youtube_id="5NV6Rdv1a3I",
                directors=("Cédric Hervet",),
                featured=("Pharrell Williams", "Nile Rodgers"),
                duration_s=369,
                recording_mbid="1e7c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                album="Random Access Memories",
                audiodb_track="32793501",
            ),
        ),
    ),
    FakeArtist(
        name="Björk",
        sort_name="Björk",
        mbid="87c5dedd-371d-4a53-9f7f-80522fb7f3cb",
        imvdb_id=1002,
        audiodb_id="111304",
        spotify_id="7w29UYBi0qsHi5RTcv3lmA",
        wikidata_id="Q42455",
        wikipedia_title="Björk",
        country="IS",
        begin="1965-11-21",
        kind="Person",
        genres=("art pop", "electronic"),
        biography="Björk Guðmundsdóttir is an Icelandic singer, songwriter and producer.",
        channel_id="UCbTWqCfQ1K3Vx0U1nzo9nEg",
        imvdb_slug="bjork",
        aliases=("Bjork", "Björk Guðmundsdóttir"),
        imvdb_name_missing=True,
        videos=(
            FakeVideo(
                imvdb_id=5101,
                title="All Is Full of Love",
                year=1999,
                release_date="1999-06-07",
                youtube_id="AjI2J2SQ528",
                directors=("Chris Cunningham",),
                duration_s=252,
                recording_mbid="2f8a6c3e-1d2b-4c5a-9e8f-7a6b5c4d3e2f",
                album="Homogenic",
                audiodb_track="32793600",
            ),
        ),
    ),
    FakeArtist(
        name="宇多田ヒカル",
        sort_name="Utada, Hikaru",
        mbid="a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        imvdb_id=1003,
        audiodb_id="112233",
        spotify_id="7lbSsjYACZHn1MSDXPxNF2",
        wikidata_id="Q230910",
        wikipedia_title="Hikaru Utada",
        country="JP",
        begin="1983-01-19",
        kind="Person",
        genres=("j-pop",),
        biography="Hikaru Utada is a Japanese-American singer-songwriter.",
        channel_id="UCZyl5Xn1BTqBbtQYzZ2ZZyA",
        disambiguation="Japanese singer",
        imvdb_slug="hikaru-utada",
        aliases=("Hikaru Utada", "Utada Hikaru", "Utada"),
        videos=(
            FakeVideo(
                imvdb_id=5201,
                title="First Love",
                year=1999,
                release_date="1999-04-28",
                youtube_id="o1sUaVJUeB0",
                directors=("Kazuaki Kiriya",),
                version="2014 remaster",
                duration_s=257,
                recording_mbid="3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d",
                album="First Love",
                audiodb_track="32793700",
            ),
        ),
    ),
)


def by_imvdb_video(video_id: int) -> tuple[FakeArtist, FakeVideo] | None:
    for artist in ARTISTS:
        for video in artist.videos:
            if video.imvdb_id == video_id:
                return artist, video
    return None


def by_youtube(youtube_id: str) -> tuple[FakeArtist, FakeVideo] | None:
    for artist in ARTISTS:
        for video in artist.videos:
            if video.youtube_id == youtube_id:
                return artist, video
    return None


def matching_artists(query: str, *, aliases: bool = False) -> list[FakeArtist]:
    """Artists whose name (or, where the provider searches them, an alias) the query names."""
    q = query.casefold()
    return [
        a
        for a in ARTISTS
        if a.name.casefold() in q
        or q in a.name.casefold()
        or q in a.sort_name.casefold()
        or (aliases and any(alias.casefold() in q or q == alias.casefold() for alias in a.aliases))
    ]


@dataclass(frozen=True)
class Namesake:
    """An artist only MusicBrainz knows, sharing a name with another."""

    name: str
    mbid: str
    disambiguation: str
    country: str
    score: int


# Two artists named "Nirvana", as on musicbrainz.org: both score 100 for the name alone.
NAMESAKES: tuple[Namesake, ...] = (
    Namesake("Nirvana", "5b11f4ce-a62d-471e-81fc-a69a8278c7da", "90s US grunge band", "US", 100),
    Namesake("Nirvana", "9282c8b4-ca0b-4c6b-b7e3-4f7762dfc4d6", "60s band from the UK", "GB", 100),
    Namesake("Nirvana Tribute", "c1d2e3f4-0000-4000-8000-00000000aaaa", "tribute band", "DE", 61),
)


@dataclass(frozen=True)
class Band:
    """An artist whose real name reads like a joint credit ("Simon & Garfunkel"), as a provider lists it."""

    name: str
    mbid: str
    aliases: tuple[str, ...] = ()
    sort_name: str = ""
    on_musicbrainz: bool = True
    imvdb_id: int = 0
    """On IMVDb when set (searched there by its exact name)."""


# MusicBrainz knows these as one artist each; IMVDb knows Chase & Status (which the fake's
# MusicBrainz lacks, so the IMVDb path is tested on its own).
BANDS: tuple[Band, ...] = (
    Band("Simon & Garfunkel", "5d02f264-e225-41ff-83f7-d9b1f0b1874a"),
    Band("Earth, Wind & Fire", "535afeda-2538-435d-9dd1-5e10be586774"),
    Band("Florence + the Machine", "5fee3020-513b-48c2-b1f7-4681b01db0c6"),
    Band(
        "Daryl Hall & John Oates",
        "2b3d2a9c-1ab4-4f1c-86c3-5f8a6c8a9d0e",
        aliases=("Hall & Oates", "Hall and Oates"),
        sort_name="Hall, Daryl & Oates, John",
    ),
    Band("Years & Years", "3f9a0d4e-7b1c-4c8e-9a2d-6e5f4b3a2c1d"),
    Band("Tyler, The Creator", "f6beac20-5dfe-4d1f-ae02-0b0a740aafd6", sort_name="Tyler, The Creator"),
    Band("Crosby, Stills, Nash & Young", "7f2b6a1c-3d4e-4f5a-8b9c-0d1e2f3a4b5c"),
    Band("Chase & Status", "", on_musicbrainz=False, imvdb_id=1901),
)


def bands_named(query: str, *, provider: str) -> list[tuple[Band, int]]:
    """Bands a search for `query` finds, with a MusicBrainz-like score: 100 for the exact name or an
    alias, 50 when the query is only part of the name."""
    q = query.strip().strip('"').casefold()
    found: list[tuple[Band, int]] = []
    for band in BANDS:
        if not (band.on_musicbrainz if provider == "musicbrainz" else band.imvdb_id):
            continue
        names = [band.name.casefold(), *(a.casefold() for a in band.aliases)]
        if q in names:
            found.append((band, 100))
        elif q and any(q in n for n in names):
            found.append((band, 50))
    return found
