"""A synthetic library of rows (no files) for demos and benchmarks.

One module past 400 lines on purpose: one generator of rows whose ids refer to each other
(artists, videos, files, jobs); split, the id maps would be passed between modules.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.genres.repository import ensure as ensure_genres
from mvidarr.kit.text import fold, identity_key, sort_name
from mvidarr.models import Artist, ArtistGenre, MediaFile, RootFolder, Video, VideoGenre
from mvidarr.quality.scoring import quality_label, quality_score

FIRST = [
    "Björk",
    "Zoë",
    "José",
    "Søren",
    "Ólafur",
    "Chloé",
    "Maëlle",
    "Jürgen",
    "Łukasz",
    "Håkan",
    "Renée",
    "Amaru",
    "Aaliyah",
    "Marcus",
    "Nina",
    "Kenji",
    "Yuki",
    "Ana",
    "Dmitri",
    "Fatoumata",
    "Liam",
    "Ines",
    "Mateo",
    "Sade",
    "Priya",
    "Omar",
    "Lena",
    "Tomás",
    "Ayumi",
    "Kwame",
]
LAST = [
    "Ström",
    "Müller",
    "García",
    "Nørgaard",
    "O'Brien",
    "Ødegård",
    "Nakamura",
    "Fernández",
    "Kowalski",
    "Lindqvist",
    "Okafor",
    "Dubois",
    "Rossi",
    "Haddad",
    "Novak",
    "Silva",
    "Park",
    "Mensah",
    "Ivanova",
    "Santos",
    "Andersson",
    "Yilmaz",
    "Moreau",
    "Costa",
    "Björnsson",
]
ADJECTIVES = [
    "Velvet",
    "Electric",
    "Silent",
    "Golden",
    "Neon",
    "Broken",
    "Wild",
    "Crystal",
    "Midnight",
    "Crimson",
    "Hollow",
    "Lucky",
    "Frozen",
    "Cosmic",
    "Savage",
    "Gentle",
    "Burning",
    "Paper",
    "Heavy",
    "Blue",
    "Motörized",
    "Hyper",
    "Lost",
    "Northern",
    "Tiny",
]
NOUNS = [
    "Foxes",
    "Machines",
    "Hearts",
    "Ghosts",
    "Rivers",
    "Kings",
    "Daughters",
    "Satellites",
    "Wolves",
    "Engines",
    "Lanterns",
    "Tigers",
    "Echoes",
    "Mirrors",
    "Sisters",
    "Pilots",
    "Shadows",
    "Comets",
    "Giants",
    "Bandits",
    "Roses",
    "Oceans",
    "Ravens",
    "Cities",
]
SCRIPTS = [
    "少女時代",
    "きゃりーぱみゅぱみゅ",
    "방탄소년단",
    "Кино",
    "Μάνος",
    "فيروز",
    "Sigur Rós",
    "Mötley Crüe",
    "Beyoncé",
    "Motörhead",
    "Måneskin",
    "Rosalía",
    "Stromae",
    "Die Ärzte",
]
TITLE_WORDS = [
    "Love",
    "Night",
    "Fire",
    "Dream",
    "Heart",
    "Summer",
    "Rain",
    "Dance",
    "Light",
    "Home",
    "Gold",
    "Time",
    "Storm",
    "Paradise",
    "Highway",
    "Tonight",
    "Forever",
    "Echo",
    "Sugar",
    "Thunder",
    "Diamonds",
    "Runaway",
    "Stranger",
    "Mirror",
    "Satellite",
    "Wonderwall",
    "Hurricane",
    "Kiss",
    "Monster",
    "Angel",
    "Radio",
    "Island",
    "Shadow",
    "Freedom",
]
TITLE_PATTERNS = [
    "{a} {b}",
    "{a}",
    "The {a} {b}",
    "{a} of {b}",
    "Don't Stop the {a}",
    "{a} in the {b}",
    "Another {a}",
    "{a} Tonight",
    "Call Me {a}",
    "{a} & {b}",
    "Música de {a}",
    "Nuit {a}",
]
GENRES = [
    "Pop",
    "Rock",
    "Hip Hop",
    "R&B",
    "Electronic",
    "Indie",
    "Metal",
    "Punk",
    "Soul",
    "Jazz",
    "Country",
    "Reggae",
    "K-Pop",
    "J-Pop",
    "Dance",
    "Alternative",
    "Folk",
    "Funk",
    "Synthpop",
    "Latin",
]
VERSIONS = ["explicit", "clean", "director's cut", "alternate", "extended"]
KINDS = [("official", 70), ("live", 10), ("lyric", 8), ("audio", 5), ("performance", 4), ("other", 3)]
STATUS_NO_FILE = [("wanted", 60), ("missing", 15), ("ignored", 12), ("failed", 8), ("queued", 5)]
COUNTRIES = ["US", "GB", "SE", "IS", "NO", "DE", "FR", "JP", "KR", "BR", "ES", "NG", "CA", "AU", "IT"]
# (width, height, weight) of plausible music-video files
FRAMES = [
    (3840, 2160, 6),
    (3840, 1600, 1),
    (2560, 1440, 3),
    (1920, 1080, 40),
    (1920, 800, 4),
    (1440, 1080, 2),
    (1280, 720, 22),
    (854, 480, 10),
    (720, 576, 3),
    (640, 360, 7),
    (426, 240, 2),
]
CODECS = [
    ("h264", "mp4", "aac", 55),
    ("vp9", "webm", "opus", 20),
    ("hevc", "matroska", "eac3", 10),
    ("av1", "mp4", "opus", 8),
    ("mpeg4", "avi", "mp3", 3),
    ("h264", "matroska", "ac3", 4),
]
BATCH = 5000


class SeedRefused(Exception):
    """The database already has artists and --force was not given."""


def _weighted(rng: random.Random, choices: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(choices, weights=[c[-1] for c in choices])[0]


def _artist_names(rng: random.Random, count: int) -> Iterator[str]:
    seen: set[str] = set()
    makers = [
        lambda: f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        lambda: f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
        lambda: f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
        lambda: rng.choice(FIRST),
        lambda: f"{rng.choice(SCRIPTS)}",
    ]
    produced = 0
    attempt = 0
    while produced < count:
        attempt += 1
        name = rng.choice(makers)()
        if attempt > count * 3:
            name = f"{name} {attempt}"
        key = identity_key(name)
        if key in seen:
            continue
        seen.add(key)
        produced += 1
        yield name


def _title(rng: random.Random) -> str:
    return rng.choice(TITLE_PATTERNS).format(a=rng.choice(TITLE_WORDS), b=rng.choice(TITLE_WORDS))


def _file_row(rng: random.Random, video_id: int, root_id: int, path: str, duration: float) -> dict[str, Any]:
    width, height, _ = _weighted(rng, FRAMES)
    vcodec, container, acodec, _ = _weighted(rng, CODECS)
    fps = rng.choice([23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0])
    vbit = int(width * height * fps * rng.uniform(0.04, 0.12))
    abit = rng.choice([128_000, 160_000, 192_000, 256_000, 320_000])
    channels = rng.choice([2, 2, 2, 2, 6])
    return {
        "video_id": video_id,
        "root_folder_id": root_id,
        "relative_path": path,
        "is_current": True,
        "size": int((vbit + abit) / 8 * duration),
        "mtime": time.time() - rng.uniform(0, 3e8),
        "container": container,
        "duration_s": duration,
        "width": width,
        "height": height,
        "fps": fps,
        "video_codec": vcodec,
        "video_profile": "High" if vcodec == "h264" else None,
        "bit_depth": 10 if vcodec in ("hevc", "av1") and rng.random() < 0.5 else 8,
        "hdr": "HDR10" if height >= 2160 and rng.random() < 0.3 else None,
        "video_bitrate": vbit,
        "audio_codec": acodec,
        "audio_channels": channels,
        "audio_sample_rate": rng.choice([44_100, 48_000]),
        "audio_bitrate": abit,
        "overall_bitrate": vbit + abit,
        "quality_label": quality_label(width, height),
        "quality_score": quality_score(
            width=width,
            height=height,
            video_codec=vcodec,
            video_bitrate=vbit,
            fps=fps,
            audio_codec=acodec,
            audio_bitrate=abit,
            audio_channels=channels,
        ),
        "analysed_at": utcnow(),
        "created_at": utcnow(),
    }


async def _insert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model), rows[start : start + BATCH])


async def seed_library(
    settings: Settings, *, artists: int, videos_per_artist: int, seed: int = 1, force: bool = False
) -> str:
    started = time.perf_counter()
    rng = random.Random(seed)
    db = Database.connect(settings.database, pool_size=1, pg_schema=settings.database_schema)
    try:
        async with db.writer() as session:
            existing = await session.scalar(select(func.count()).select_from(Artist))
            if existing and not force:
                raise SeedRefused(
                    f"the database already has {existing} artist(s); seed-demo only fills an empty "
                    "library (pass --force to add demo rows anyway)"
                )
            root_path = str(settings.library_path)
            root_id = await session.scalar(select(RootFolder.id).where(RootFolder.path == root_path))
            if root_id is None:
                settings.library_path.mkdir(parents=True, exist_ok=True)
                root = RootFolder(path=root_path, name="Library")
                session.add(root)
                await session.flush()
                root_id = root.id
            genre_ids = list((await ensure_genres(session, GENRES)).values())
            taken = set((await session.execute(select(Artist.name_key))).scalars())
            now = utcnow()
            artist_rows: list[dict[str, Any]] = []
            for name in _artist_names(rng, artists):
                key = identity_key(name)
                if key in taken:
                    name, key = f"{name} (demo {seed})", identity_key(f"{name} (demo {seed})")
                taken.add(key)
                artist_rows.append(
                    {
                        "name": name,
                        "sort_name": sort_name(name),
                        "sort_key": fold(sort_name(name)),
                        "disambiguation": "",
                        "name_key": key,
                        "disambiguation_key": "",
                        "search_text": fold(f"{name} {sort_name(name)}"),
                        "country": rng.choice(COUNTRIES),
                        "begin_year": rng.randint(1960, 2020),
                        "monitored": rng.random() < 0.8,
                        "auto_download": rng.random() < 0.3,
                        "include_words": [],
                        "exclude_words": [],
                        "locked_fields": [],
                        "created_at": now - timedelta(days=rng.uniform(0, 900)),
                        "updated_at": now,
                    }
                )
            await _insert(session, Artist, artist_rows)
            keys = [row["name_key"] for row in artist_rows]
            id_by_key: dict[str, int] = {}
            for start in range(0, len(keys), 500):
                result = await session.execute(
                    select(Artist.name_key, Artist.id).where(Artist.name_key.in_(keys[start : start + 500]))
                )
                id_by_key.update(result.all())
            artist_genre_rows: list[dict[str, Any]] = []
            video_rows: list[dict[str, Any]] = []
            for row in artist_rows:
                artist_id = id_by_key[row["name_key"]]
                artist_genres = rng.sample(genre_ids, rng.randint(1, 3))
                artist_genre_rows += [{"artist_id": artist_id, "genre_id": g, "source": "demo"} for g in artist_genres]
                for _ in range(videos_per_artist):
                    title = _title(rng)
                    version = rng.choice(VERSIONS) if rng.random() < 0.05 else ""
                    year = rng.randint(1975, 2025)
                    video_rows.append(
                        {
                            "artist_id": artist_id,
                            "title": title,
                            "sort_title": sort_name(title),
                            "sort_key": fold(sort_name(title)),
                            "artist_sort_key": row["sort_key"],
                            "version": version,
                            "kind": _weighted(rng, KINDS)[0],
                            "status": "wanted",
                            "monitored": True,
                            "year": year,
                            "duration_s": round(rng.uniform(150, 420), 2),
                            "album": f"{rng.choice(TITLE_WORDS)} {rng.choice(NOUNS)}",
                            "featured_artists": [],
                            "directors": [],
                            "producers": [],
                            "sources": [],
                            "locked_fields": [],
                            "field_provenance": {},
                            "search_text": fold(f"{title} {version}"),
                            "created_at": now - timedelta(days=rng.uniform(0, 900)),
                            "updated_at": now,
                            "_genres": artist_genres,
                            "_artist": row["name"],
                        }
                    )
            has_file = [rng.random() < 2 / 3 for _ in video_rows]
            for row, with_file in zip(video_rows, has_file, strict=True):
                row["status"] = "downloaded" if with_file else _weighted(rng, STATUS_NO_FILE)[0]
            extras = [(row.pop("_genres"), row.pop("_artist")) for row in video_rows]
            first_id = (await session.scalar(select(func.max(Video.id))) or 0) + 1
            await _insert(session, Video, video_rows)
            ids = list(
                (await session.execute(select(Video.id).where(Video.id >= first_id).order_by(Video.id))).scalars()
            )
            video_genre_rows: list[dict[str, Any]] = []
            file_rows: list[dict[str, Any]] = []
            for video_id, row, (vgenres, artist_name), with_file in zip(ids, video_rows, extras, has_file, strict=True):
                video_genre_rows += [{"video_id": video_id, "genre_id": g, "source": "demo"} for g in vgenres[:2]]
                if with_file:
                    path = f"{artist_name}/{artist_name} - {row['title']} [{video_id}].mp4"
                    file_rows.append(_file_row(rng, video_id, root_id, path, row["duration_s"]))
            await _insert(session, ArtistGenre, artist_genre_rows)
            await _insert(session, VideoGenre, video_genre_rows)
            await _insert(session, MediaFile, file_rows)
            await session.commit()
        if not db.is_sqlite:
            # PostgreSQL plans by statistics that autovacuum gathers only later, and reads a page
            # from an index alone only once the table is vacuumed: both, now, as after any bulk load.
            async with db.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                tables = "artist, video, media_file, artist_genre, video_genre"
                await autocommit.exec_driver_sql(f"VACUUM (ANALYZE) {tables}")
    finally:
        await db.dispose()
    elapsed = time.perf_counter() - started
    return f"seeded {len(artist_rows)} artists, {len(video_rows)} videos and {len(file_rows)} files in {elapsed:.1f} s"
