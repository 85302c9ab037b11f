"""Every ORM model, imported here so Alembic and the app see one complete metadata."""

from mvidarr.models.api_key import ApiKey
from mvidarr.models.artist import Artist
from mvidarr.models.audit_event import AuditEvent
from mvidarr.models.genre import ArtistGenre, Genre, VideoGenre
from mvidarr.models.job import ACTIVE_STATUSES, TERMINAL_STATUSES, Job, JobLog, JobStatus
from mvidarr.models.media_file import MediaFile
from mvidarr.models.quality_profile import QualityProfile
from mvidarr.models.refresh_token import RefreshToken
from mvidarr.models.root_folder import RootFolder
from mvidarr.models.schedule import Schedule
from mvidarr.models.setting import Setting
from mvidarr.models.user import Role, User
from mvidarr.models.video import Video, VideoKind, VideoStatus

__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "ApiKey",
    "Artist",
    "ArtistGenre",
    "AuditEvent",
    "Genre",
    "Job",
    "JobLog",
    "JobStatus",
    "MediaFile",
    "QualityProfile",
    "RefreshToken",
    "Role",
    "RootFolder",
    "Schedule",
    "Setting",
    "User",
    "Video",
    "VideoGenre",
    "VideoKind",
    "VideoStatus",
]
