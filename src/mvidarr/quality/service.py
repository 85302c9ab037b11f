"""Quality profiles, and how each file measures up to the profile of its artist."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database, utcnow
from mvidarr.errors import CONFLICT, REFERENCE, Conflict, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams, sort_clauses
from mvidarr.models import Artist, MediaFile, QualityProfile, Video
from mvidarr.quality import repository
from mvidarr.quality.repository import RANKS
from mvidarr.quality.schemas import (
    CutoffUnmetItem,
    FileQuality,
    ProfileRef,
    QualityProfileCreate,
    QualityProfilePublic,
    QualityProfileUpdate,
    QualitySummary,
    Verdict,
    VideoQualityReport,
    check_profile,
)
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

ANY = "Any"
_EVERY = ["2160p", "1440p", "1080p", "720p", "576p", "480p", "360p", "240p", "SD"]
DEFAULT_PROFILES: tuple[dict[str, Any], ...] = (
    {"name": ANY, "allowed_labels": _EVERY, "cutoff": "SD", "preferred_video_codecs": []},
    {"name": "HD 720p+", "allowed_labels": ["2160p", "1440p", "1080p", "720p"], "cutoff": "720p"},
    {
        "name": "Full HD 1080p",
        "allowed_labels": ["1080p", "720p"],
        "cutoff": "1080p",
        "preferred_video_codecs": ["h264", "vp9", "av1"],
    },
    {
        "name": "Ultra HD",
        "allowed_labels": ["2160p", "1440p", "1080p"],
        "cutoff": "2160p",
        "preferred_video_codecs": ["av1", "hevc", "vp9"],
    },
)
HEIGHTS = {"2160p": 2160, "1440p": 1440, "1080p": 1080, "720p": 720, "576p": 576, "480p": 480, "360p": 360, "240p": 240}
_UNMET_PAGE: TypeAdapter[Page[CutoffUnmetItem]] = TypeAdapter(Page[CutoffUnmetItem])


class QualityProfileNotFound(NotFound):
    def __init__(self, profile_id: int) -> None:
        super().__init__(f"quality profile {profile_id} does not exist")


async def ensure_default_profiles(db: Database) -> None:
    """Create the shipped profiles when there are none at all (the migration made them; a user may delete some)."""
    async with db.writer() as session:
        if await session.scalar(select(func.count()).select_from(QualityProfile)):
            return
        for values in DEFAULT_PROFILES:
            session.add(QualityProfile(**{"preferred_video_codecs": [], **values}))
        await session.commit()


def ytdlp_format(profile: QualityProfile) -> str:
    """yt-dlp format expression: preferred codecs first, never taller than the best allowed label."""
    heights = [HEIGHTS[label] for label in profile.allowed_labels if label in HEIGHTS]
    cap = f"[height<={max(heights)}]" if heights else ""
    picks = [f"bestvideo{cap}[vcodec^={codec_prefix(c)}]+bestaudio" for c in profile.preferred_video_codecs]
    picks += [f"bestvideo{cap}+bestaudio", f"best{cap}", "best"]
    return "/".join(picks)


def codec_prefix(codec: str) -> str:
    """yt-dlp's vcodec names: avc1 for h264, hev1/hvc1 for hevc, vp09 for vp9, av01 for av1."""
    return {"h264": "avc1", "hevc": "hev", "vp9": "vp09", "av1": "av01"}.get(codec, codec)


async def default_profile_id(session: AsyncSession) -> int | None:
    """The profile for artists without one: the setting's, else 'Any', else the first."""
    configured = await runtime_settings.get(session, setting_keys.DEFAULT_QUALITY_PROFILE)
    if configured is not None and await session.get(QualityProfile, configured) is not None:
        return configured
    by_name = await repository.profile_by_name(session, ANY)
    if by_name is not None:
        return by_name.id
    return await session.scalar(select(func.min(QualityProfile.id)))


async def _public(
    session: AsyncSession, profile: QualityProfile, counts: dict[int, int] | None = None
) -> QualityProfilePublic:
    counts = counts if counts is not None else await repository.artist_counts(session)
    item = QualityProfilePublic.model_validate(profile)
    return item.model_copy(
        update={
            "is_default": profile.id == await default_profile_id(session),
            "artist_count": counts.get(profile.id, 0),
            "ytdlp_format": ytdlp_format(profile),
        }
    )


async def list_profiles(session: AsyncSession) -> list[QualityProfilePublic]:
    counts = await repository.artist_counts(session)
    return [await _public(session, p, counts) for p in await repository.profiles(session)]


async def get_profile(session: AsyncSession, profile_id: int) -> QualityProfile:
    profile = await session.get(QualityProfile, profile_id)
    if profile is None:
        raise QualityProfileNotFound(profile_id)
    return profile


async def read_profile(session: AsyncSession, profile_id: int) -> QualityProfilePublic:
    return await _public(session, await get_profile(session, profile_id))


async def _unique(session: AsyncSession, name: str, exclude_id: int | None = None) -> None:
    other = await repository.profile_by_name(session, name, exclude_id)
    if other is not None:
        raise Conflict(f"a quality profile named {other.name!r} already exists (id {other.id})")


async def create_profile(session: AsyncSession, data: QualityProfileCreate) -> QualityProfilePublic:
    await _unique(session, data.name)
    profile = QualityProfile(**data.model_dump())
    session.add(profile)
    await session.flush()
    return await _public(session, profile)


async def update_profile(session: AsyncSession, profile_id: int, data: QualityProfileUpdate) -> QualityProfilePublic:
    profile = await get_profile(session, profile_id)
    changes = data.model_dump(exclude_unset=True)
    required_fields = (
        "name",
        "allowed_labels",
        "cutoff",
        "preferred_video_codecs",
        "upgrade_allowed",
        "sponsorblock",
        "sponsorblock_categories",
    )
    for required in required_fields:
        if required in changes and changes[required] is None:
            raise InvalidInput(f"{required} cannot be null", loc=("body", required))
    if "name" in changes:
        await _unique(session, changes["name"], exclude_id=profile_id)
    merged = {
        key: getattr(profile, key) for key in ("allowed_labels", "cutoff", "min_mb_per_minute", "max_mb_per_minute")
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    try:
        check_profile(
            merged["allowed_labels"], merged["cutoff"], merged["min_mb_per_minute"], merged["max_mb_per_minute"]
        )
    except PydanticCustomError as exc:
        raise InvalidInput(exc.message(), loc=("body",), type_=CONFLICT) from None
    for key, value in changes.items():
        setattr(profile, key, value)
    profile.updated_at = utcnow()
    await session.flush()
    return await _public(session, profile)


async def delete_profile(session: AsyncSession, profile_id: int) -> None:
    profile = await get_profile(session, profile_id)
    users = (await repository.artist_counts(session)).get(profile_id, 0)
    if users:
        raise Conflict(f"{users} artist(s) use quality profile {profile.name!r}; give them another profile first")
    if await runtime_settings.get(session, setting_keys.DEFAULT_QUALITY_PROFILE) == profile_id:
        raise Conflict(
            f"quality profile {profile.name!r} is the default (quality.default_profile_id); change that first"
        )
    await session.delete(profile)
    await session.flush()


async def check_profile_exists(session: AsyncSession, profile_id: int | None, loc: tuple[str, ...]) -> None:
    if profile_id is not None and await session.get(QualityProfile, profile_id) is None:
        raise InvalidInput(f"quality profile {profile_id} does not exist", loc=loc, type_=REFERENCE)


# -- judging files --------------------------------------------------------------------------------


def judge(profile: QualityProfile | None, file: MediaFile | None, video: Video | None = None) -> Verdict:
    """Whether a file meets its profile's cutoff, whether its label is allowed, and why, in words.

    With the video, what the last upgrade search found is taken into account: when the source
    offers nothing better than the file, no upgrade is wanted and the reasons say so.
    """
    verdict = _judge(profile, file)
    if video is None or video.best_available_label is None:
        return verdict
    best = video.best_available_label
    current = file.quality_label if file is not None else None
    better = current is None or RANKS.get(best, 0) > RANKS.get(current, 0)
    update: dict[str, Any] = {
        "best_available_label": best,
        "best_available_checked_at": video.best_available_checked_at,
        "better_version_exists": better,
    }
    if not better:
        update["upgrade_wanted"] = False
        update["reasons"] = [*verdict.reasons, f"no better version exists: the source offers at best {best}"]
    return verdict.model_copy(update=update)


def _judge(profile: QualityProfile | None, file: MediaFile | None) -> Verdict:
    if file is None:
        return Verdict(cutoff_met=None, allowed=None, upgrade_wanted=False, reasons=["the video has no file"])
    if profile is None:
        return Verdict(cutoff_met=None, allowed=None, upgrade_wanted=False, reasons=["no quality profile exists"])
    reasons: list[str] = []
    label = file.quality_label
    if label is None:
        why = file.probe_error or "its picture size is unknown"
        cutoff_met, allowed = False, False
        reasons.append(f"the file has no quality label: {why}")
    else:
        cutoff_met = RANKS[label] >= RANKS.get(profile.cutoff, 0)
        relation = "meets" if cutoff_met else "is below"
        reasons.append(f"{label} {relation} the cutoff {profile.cutoff} of profile {profile.name!r}")
        allowed = label in profile.allowed_labels
        if not allowed:
            reasons.append(f"{label} is not among the allowed labels ({', '.join(profile.allowed_labels)})")
    if profile.preferred_video_codecs and file.video_codec and file.video_codec not in profile.preferred_video_codecs:
        reasons.append(
            f"video codec {file.video_codec} is not a preferred one ({', '.join(profile.preferred_video_codecs)})"
        )
    if profile.preferred_container and file.container and file.container != profile.preferred_container:
        reasons.append(f"container {file.container} is not the preferred {profile.preferred_container}")
    if file.duration_s and file.duration_s > 0:
        per_minute = file.size / 1_000_000 / (file.duration_s / 60)
        if profile.min_mb_per_minute is not None and per_minute < profile.min_mb_per_minute:
            reasons.append(f"{per_minute:.1f} MB per minute is below the minimum {profile.min_mb_per_minute:g}")
        if profile.max_mb_per_minute is not None and per_minute > profile.max_mb_per_minute:
            reasons.append(f"{per_minute:.1f} MB per minute is above the maximum {profile.max_mb_per_minute:g}")
    wanted = profile.upgrade_allowed and not cutoff_met
    if not profile.upgrade_allowed and not cutoff_met:
        reasons.append(f"profile {profile.name!r} does not allow upgrades")
    return Verdict(cutoff_met=cutoff_met, allowed=allowed, upgrade_wanted=wanted, reasons=reasons)


async def profile_for_artist(session: AsyncSession, artist: Artist) -> QualityProfile | None:
    profile_id = artist.quality_profile_id or await default_profile_id(session)
    return await session.get(QualityProfile, profile_id) if profile_id is not None else None


def _ref(profile: QualityProfile | None) -> ProfileRef | None:
    return ProfileRef.model_validate(profile) if profile is not None else None


async def video_report(session: AsyncSession, video_id: int) -> VideoQualityReport:
    video = await session.get(Video, video_id)
    if video is None:
        raise NotFound(f"video {video_id} does not exist")
    artist = await session.get(Artist, video.artist_id)
    assert artist is not None
    profile = await profile_for_artist(session, artist)
    file = await repository.current_file(session, video_id)
    return VideoQualityReport(
        video_id=video.id,
        title=video.title,
        artist={"id": artist.id, "name": artist.name},  # type: ignore[arg-type]
        file=FileQuality.model_validate(file) if file is not None else None,
        profile=_ref(profile),
        verdict=judge(profile, file, video),
    )


async def library_summary(session: AsyncSession, *, artist_id: int | None, per_artist: bool) -> QualitySummary:
    if artist_id is not None and await session.get(Artist, artist_id) is None:
        raise NotFound(f"artist {artist_id} does not exist")
    data = await repository.summary(session, artist_id)
    if per_artist:
        data["artists"] = await repository.per_artist(session, artist_id)
    return QualitySummary.model_validate(data)


async def cutoff_unmet(
    session: AsyncSession,
    *,
    artist_id: int | None,
    profile_id: int | None,
    sort: str | None,
    page: PageParams,
) -> Page[CutoffUnmetItem]:
    order = sort_clauses(sort, repository.CUTOFF_SORTABLE, default="score", tiebreak=Video.id)
    rows, total = await repository.cutoff_unmet_page(
        session,
        default_profile_id=await default_profile_id(session),
        artist_id=artist_id,
        profile_id=profile_id,
        order_by=order,
        page=page,
    )
    items = [
        {
            "video_id": r.video_id,
            "title": r.title,
            "artist": {"id": r.artist_id, "name": r.artist_name},
            "file_id": r.file_id,
            "quality_label": r.quality_label,
            "quality_score": r.quality_score,
            "profile": {
                "id": r.profile_id,
                "name": r.profile_name,
                "cutoff": r.cutoff,
                "allowed_labels": r.allowed_labels,
                "upgrade_allowed": r.upgrade_allowed,
            },
        }
        for r in rows
    ]
    return _UNMET_PAGE.validate_python({"items": items, "total": total, "page": page.page, "page_size": page.page_size})
