"""Every ORM model, imported here so Alembic and the app see one complete metadata."""

from mvidarr.models.artist import Artist
from mvidarr.models.genre import ArtistGenre, Genre, VideoGenre
from mvidarr.models.media_file import MediaFile
from mvidarr.models.root_folder import RootFolder
from mvidarr.models.setting import Setting
from mvidarr.models.video import Video, VideoKind, VideoStatus

__all__ = [
    "Artist",
    "ArtistGenre",
    "Genre",
    "MediaFile",
    "RootFolder",
    "Setting",
    "Video",
    "VideoGenre",
    "VideoKind",
    "VideoStatus",
]
