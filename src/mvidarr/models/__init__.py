"""Every ORM model, imported here so Alembic and the app see one complete metadata."""

from mvidarr.models.api_key import ApiKey
from mvidarr.models.artist import Artist
from mvidarr.models.audit_event import AuditEvent
from mvidarr.models.blocklist_entry import BlocklistEntry
from mvidarr.models.download import Download, DownloadOutcome
from mvidarr.models.file_move import FileMove, FileMoveState
from mvidarr.models.genre import ArtistGenre, Genre, VideoGenre
from mvidarr.models.import_list import ImportList
from mvidarr.models.job import ACTIVE_STATUSES, TERMINAL_STATUSES, Job, JobLog, JobStatus
from mvidarr.models.legacy_link import LegacyLink
from mvidarr.models.match_review import MatchReview
from mvidarr.models.media_file import MediaFile
from mvidarr.models.monitor import Monitor, MonitorItem
from mvidarr.models.notification import (
    Delivery,
    DeliveryStatus,
    HealthIssue,
    MediaServerConnection,
    NotificationTarget,
    OutboxEvent,
    TargetKind,
)
from mvidarr.models.playlist import Playlist, PlaylistItem
from mvidarr.models.provider import ProviderCacheEntry, ProviderState
from mvidarr.models.quality_profile import QualityProfile
from mvidarr.models.refresh_token import RefreshToken
from mvidarr.models.root_folder import RootFolder
from mvidarr.models.saved_search import SavedSearch
from mvidarr.models.schedule import Schedule
from mvidarr.models.search_document import SearchDocument
from mvidarr.models.setting import Setting
from mvidarr.models.source_host import SourceHost
from mvidarr.models.sso import SsoLogin, SsoProvider, UserIdentity
from mvidarr.models.trash_entry import TrashEntry, TrashState
from mvidarr.models.user import Role, User
from mvidarr.models.video import Video, VideoKind, VideoStatus
from mvidarr.models.video_removal import VideoRemoval
from mvidarr.models.watch import PlayEvent, WatchState
from mvidarr.models.watch_sync import WatchSyncItem, WatchSyncLink
from mvidarr.models.worker_process import WorkerProcess

__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "ApiKey",
    "Artist",
    "ArtistGenre",
    "AuditEvent",
    "BlocklistEntry",
    "Delivery",
    "DeliveryStatus",
    "Download",
    "DownloadOutcome",
    "FileMove",
    "FileMoveState",
    "Genre",
    "HealthIssue",
    "ImportList",
    "Job",
    "JobLog",
    "JobStatus",
    "LegacyLink",
    "MatchReview",
    "MediaFile",
    "MediaServerConnection",
    "Monitor",
    "MonitorItem",
    "NotificationTarget",
    "OutboxEvent",
    "PlayEvent",
    "Playlist",
    "PlaylistItem",
    "ProviderCacheEntry",
    "ProviderState",
    "QualityProfile",
    "RefreshToken",
    "Role",
    "RootFolder",
    "SavedSearch",
    "Schedule",
    "SearchDocument",
    "Setting",
    "SourceHost",
    "SsoLogin",
    "SsoProvider",
    "TargetKind",
    "TrashEntry",
    "TrashState",
    "User",
    "UserIdentity",
    "Video",
    "VideoGenre",
    "VideoKind",
    "VideoRemoval",
    "VideoStatus",
    "WatchState",
    "WatchSyncItem",
    "WatchSyncLink",
    "WorkerProcess",
]
