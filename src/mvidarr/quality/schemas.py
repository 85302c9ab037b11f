from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from mvidarr.artists.schemas import ArtistRef
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, conflict, limit, unset_or

QualityLabel = Literal["2160p", "1440p", "1080p", "720p", "576p", "480p", "360p", "240p", "SD"]
CodecName = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$", description="FFmpeg's name, e.g. h264, hevc, mp4.")]
MbPerMinute = Annotated[float, Field(ge=0, le=100_000)]
ProfileName = Annotated[str, limit(100, 1), Clean]


def check_profile(allowed: Sequence[str], cutoff: str, low: float | None, high: float | None) -> None:
    if len(set(allowed)) != len(allowed):
        raise ValueError("allowed_labels lists a label twice")
    if cutoff not in allowed:
        raise conflict("cutoff must be one of allowed_labels")
    if low is not None and high is not None and low > high:
        raise conflict("min_mb_per_minute is above max_mb_per_minute")


SponsorBlockMode = Literal["off", "cut", "mark"]
SponsorBlockCategory = Literal[
    "sponsor", "intro", "outro", "selfpromo", "preview", "filler", "interaction", "music_offtopic", "hook"
]
SPONSORBLOCK_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("music_offtopic", "Non-music section"),
    ("intro", "Intro"),
    ("outro", "Outro / credits"),
    ("sponsor", "Sponsor"),
    ("selfpromo", "Self-promotion"),
    ("interaction", "Interaction reminder"),
    ("preview", "Preview / recap"),
    ("filler", "Filler"),
    ("hook", "Hook / greetings"),
)
"""SponsorBlock's categories (https://wiki.sponsor.ajay.app/w/Types) in the words the quality page shows."""
SPONSORBLOCK_HELP = (
    "What downloads do with SponsorBlock's segments of the chosen categories: off, cut (removed from the file) "
    "or mark (kept, as chapters). Only YouTube sources have SponsorBlock segments."
)


class QualityProfileCreate(InputSchema):
    name: ProfileName
    allowed_labels: list[QualityLabel] = Field(
        min_length=1,
        max_length=9,
        json_schema_extra={"uniqueItems": True},
        description="Labels downloads may pick, best-liked first.",
    )
    cutoff: QualityLabel = Field(description="A file at this label or better needs no upgrade.")
    preferred_video_codecs: list[CodecName] = Field(default_factory=list, max_length=10)
    preferred_container: CodecName | None = None
    min_mb_per_minute: MbPerMinute | None = Field(default=None, description="Smaller files are suspicious.")
    max_mb_per_minute: MbPerMinute | None = Field(default=None, description="Larger files are refused by downloads.")
    upgrade_allowed: bool = True
    sponsorblock: SponsorBlockMode = Field(default="off", description=SPONSORBLOCK_HELP)
    sponsorblock_categories: list[SponsorBlockCategory] = Field(
        default_factory=lambda: list[SponsorBlockCategory](["music_offtopic"]),
        max_length=9,
        description="SponsorBlock categories cut or marked.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_profile(self.allowed_labels, self.cutoff, self.min_mb_per_minute, self.max_mb_per_minute)
        return self


class QualityProfileUpdate(InputSchema):
    """Only the fields sent are changed; the result must still be consistent."""

    name: ProfileName | None = unset_or()
    allowed_labels: (
        Annotated[list[QualityLabel], Field(min_length=1, max_length=9, json_schema_extra={"uniqueItems": True})] | None
    ) = unset_or()
    cutoff: QualityLabel | None = unset_or()
    preferred_video_codecs: Annotated[list[CodecName], Field(max_length=10)] | None = unset_or()
    preferred_container: CodecName | None = None
    min_mb_per_minute: MbPerMinute | None = None
    max_mb_per_minute: MbPerMinute | None = None
    upgrade_allowed: bool | None = unset_or()
    sponsorblock: SponsorBlockMode | None = unset_or(description=SPONSORBLOCK_HELP)
    sponsorblock_categories: Annotated[list[SponsorBlockCategory], Field(max_length=9)] | None = unset_or()


class QualityProfilePublic(Schema):
    id: int
    name: str
    allowed_labels: list[str]
    cutoff: str
    preferred_video_codecs: list[str]
    preferred_container: str | None
    min_mb_per_minute: float | None
    max_mb_per_minute: float | None
    upgrade_allowed: bool
    sponsorblock: str = Field(description=SPONSORBLOCK_HELP)
    sponsorblock_categories: list[str]
    is_default: bool = Field(default=False, description="Used for artists without a profile of their own.")
    artist_count: int = 0
    ytdlp_format: str = Field(default="", description="yt-dlp format expression derived from the profile.")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ProfileRef(Schema):
    id: int
    name: str
    cutoff: str
    allowed_labels: list[str]
    upgrade_allowed: bool


class FileQuality(Schema):
    id: int
    relative_path: str
    size: int
    container: str | None
    duration_s: float | None
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    video_profile: str | None
    bit_depth: int | None
    hdr: str | None
    video_bitrate: int | None
    audio_codec: str | None
    audio_channels: int | None
    audio_sample_rate: int | None
    audio_bitrate: int | None
    overall_bitrate: int | None
    quality_label: str | None
    quality_score: float | None
    probe_error: str | None
    analysed_at: UTCDatetime | None


class Verdict(Schema):
    cutoff_met: bool | None = Field(description="None when there is no file or no profile to judge against.")
    allowed: bool | None = Field(description="Whether the file's label is one the profile allows.")
    upgrade_wanted: bool
    reasons: list[str] = Field(description="Why, in words: one line per rule the file was checked against.")
    best_available_label: str | None = Field(
        default=None, description="The best quality the video's source offered when last checked (upgrade search)."
    )
    best_available_checked_at: UTCDatetime | None = Field(default=None, description="When that was checked.")
    better_version_exists: bool | None = Field(
        default=None,
        description="False when the source was checked and offers nothing better than the current file; "
        "None when unknown.",
    )


class VideoQualityReport(Schema):
    video_id: int
    title: str
    artist: ArtistRef
    file: FileQuality | None
    profile: ProfileRef | None
    verdict: Verdict


class Bucket(Schema):
    key: str | None = Field(description="The label, codec, container or HDR format; null when unknown or none.")
    count: int
    size: int
    duration_s: float


class ArtistQuality(Schema):
    artist: ArtistRef
    count: int
    size: int
    duration_s: float
    by_label: dict[str, int]


class QualitySummary(Schema):
    files: int
    size: int
    duration_s: float
    unreadable: int
    by_label: list[Bucket]
    by_video_codec: list[Bucket]
    by_audio_codec: list[Bucket]
    by_container: list[Bucket]
    by_hdr: list[Bucket]
    artists: list[ArtistQuality] | None = Field(default=None, description="Per artist, with `per_artist=true`.")


class CutoffUnmetItem(Schema):
    video_id: int
    title: str
    artist: ArtistRef
    file_id: int
    quality_label: str | None
    quality_score: float | None
    profile: ProfileRef


class AnalyzeRequest(InputSchema):
    """Which files to probe again: name videos, an artist, a root folder, or everything."""

    video_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(default=None, max_length=1000)
    artist_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    root_folder_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    all: bool = Field(default=False, description="Every current file in the library.")

    @model_validator(mode="after")
    def _something(self) -> Self:
        chosen = [self.video_ids is not None, self.artist_id is not None, self.root_folder_id is not None, self.all]
        if sum(chosen) != 1:
            raise conflict("choose exactly one of video_ids, artist_id, root_folder_id or all")
        return self
