from __future__ import annotations

from pydantic import Field

from mvidarr.kit.schemas import Schema, UTCDatetime


class TrashEntryPublic(Schema):
    id: int
    root_folder_id: int
    original_path: str = Field(description="Where the file was, relative to its root folder.")
    trash_path: str = Field(description="The entry's folder in the trash (the file keeps its relative path in it).")
    sidecars: list[str] = Field(description="Files that moved with it (NFO, thumbnails, subtitles).")
    size: int
    reason: str = Field(description="video.deleted, artist.deleted or duplicate.merged.")
    video_id: int | None
    artist_name: str | None
    video_title: str | None
    deleted_by: int | None
    deleted_at: UTCDatetime
    restorable_until: UTCDatetime = Field(description="When the scheduled purge deletes it for good.")


class RestoreResult(Schema):
    id: int
    root_folder_id: int
    restored_path: str = Field(description="Where the file is now, relative to its root folder.")
    renamed: bool = Field(description="True when the original path was taken and a free variant was used.")
    video_id: int | None = Field(
        description="The video the file belongs to again, under the id it had before it was deleted; null for "
        "files trashed before version 0021 of the database or owned by no video (the scan matches those)."
    )
    scan_job_id: int = Field(description="The scan that picks the file up again and matches it.")
