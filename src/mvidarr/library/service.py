"""Root folders: the library folders MVidarr scans and organises into."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import CONTENT, Conflict, InvalidInput, NotFound
from mvidarr.library import repository, roots
from mvidarr.library.schemas import RootFolderCreate, RootFolderPublic, RootFolderUpdate, RootRemoved, RootVideos
from mvidarr.models import MediaFile, RootFolder

log = logging.getLogger(__name__)


class RootFolderNotFound(NotFound):
    def __init__(self, root_id: int) -> None:
        super().__init__(f"root folder {root_id} does not exist")


class NoRootFolder(Conflict):
    """Nowhere to scan or put files: the user must add a root folder first."""

    kind, title = "no-root-folder", "No root folder"

    def __init__(self, purpose: str) -> None:
        super().__init__(
            f"there is no root folder to {purpose}: add your library folder under Settings -> Library "
            "(a fresh install uses MVIDARR_LIBRARY_DIR, by default ./data/library)"
        )


async def require_root_folder(session: AsyncSession, purpose: str, root_folder_id: int | None = None) -> None:
    """Raise NoRootFolder unless the given root folder (or, with none given, any root folder) exists."""
    stmt = select(RootFolder.id).limit(1)
    if root_folder_id is not None:
        stmt = stmt.where(RootFolder.id == root_folder_id)
    if await session.scalar(stmt) is None:
        raise NoRootFolder(purpose)


async def _get(session: AsyncSession, root_id: int) -> RootFolder:
    root = await session.get(RootFolder, root_id)
    if root is None:
        raise RootFolderNotFound(root_id)
    return root


async def _refresh_state(root: RootFolder) -> None:
    state = await asyncio.to_thread(roots.check_folder, root.path)
    root.accessible = state.accessible
    root.free_space_bytes = state.free_bytes
    root.checked_at = utcnow()


def _public(root: RootFolder, file_count: int) -> RootFolderPublic:
    return RootFolderPublic.model_validate(root).model_copy(update={"file_count": file_count})


async def list_root_folders(session: AsyncSession) -> list[RootFolderPublic]:
    folders = await repository.all_root_folders(session)
    counts = await repository.file_counts(session)
    await asyncio.gather(*(_refresh_state(root) for root in folders))
    return [_public(root, counts.get(root.id, 0)) for root in folders]


async def read_root_folder(session: AsyncSession, root_id: int) -> RootFolderPublic:
    root = await _get(session, root_id)
    await _refresh_state(root)
    count = await session.scalar(select(func.count()).select_from(MediaFile).where(MediaFile.root_folder_id == root_id))
    return _public(root, count or 0)


def own_folders(settings: Settings) -> roots.DataFolders:
    return roots.DataFolders(data_dir=settings.data_dir, library_dir=settings.library_path)


async def create_root_folder(session: AsyncSession, data: RootFolderCreate, settings: Settings) -> RootFolderPublic:
    path, problem = await asyncio.to_thread(roots.validate_new_path, data.path, own_folders(settings))
    if path is None:
        raise InvalidInput(problem or "invalid path", loc=("body", "path"), type_=CONTENT)
    for other in await repository.all_root_folders(session):
        if roots.overlaps(path, Path(other.path)):
            relation = "is" if path == Path(other.path) else "overlaps"
            raise Conflict(f"{path} {relation} root folder {other.path!r} (id {other.id})")
    root = RootFolder(path=str(path), name=data.name or path.name or str(path))
    await _refresh_state(root)
    session.add(root)
    await session.flush()
    return _public(root, 0)


async def update_root_folder(session: AsyncSession, root_id: int, data: RootFolderUpdate) -> RootFolderPublic:
    root = await _get(session, root_id)
    root.name = data.name
    await session.flush()
    return await read_root_folder(session, root_id)


async def delete_root_folder(session: AsyncSession, root_id: int, *, videos: RootVideos | None) -> RootRemoved:
    """Forgets a root folder. One that holds known files needs `videos`: `keep` leaves their videos in
    the library as missing (so none stays "downloaded" with no file), `remove` deletes those videos;
    files on disk are never touched either way."""
    root = await _get(session, root_id)
    count = await session.scalar(select(func.count()).select_from(MediaFile).where(MediaFile.root_folder_id == root_id))
    if count and videos is None:
        raise RootFolderHoldsFiles(root.path, count)
    removed = missing = 0
    if count and videos == "remove":
        removed = await repository.delete_videos_in_root(session, root_id)
    elif count:
        # Their files are forgotten with the folder: a video with no current file left elsewhere is missing.
        missing = await repository.mark_missing_with_root(session, root_id)
    await session.delete(root)
    await session.flush()
    return RootRemoved(files_forgotten=count or 0, videos_missing=missing, videos_removed=removed)


class RootFolderHoldsFiles(Conflict):
    def __init__(self, path: str, count: int) -> None:
        super().__init__(
            f"root folder {path!r} holds {count} known file(s): choose what happens to their videos "
            "(videos=keep leaves them as missing, videos=remove deletes them; files on disk are never touched)"
        )


def _prepare_default_folder(settings: Settings) -> tuple[Path | None, str | None]:
    try:
        settings.library_path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return None, f"cannot create {settings.library_path} ({exc.strerror})"
    return roots.validate_new_path(str(settings.library_path), own_folders(settings))


async def ensure_default_root_folder(db: Database, settings: Settings) -> None:
    """First run: with no root folder at all, the default library folder becomes the first one."""
    if not settings.default_root_folder:
        return
    async with db.writer() as session:
        if await repository.all_root_folders(session):
            return
        path, problem = await asyncio.to_thread(_prepare_default_folder, settings)
        if path is None:
            log.warning(
                "the default library folder cannot be a root folder: %s; set MVIDARR_LIBRARY_DIR or add one in "
                "Settings -> Library",
                problem,
            )
            return
        root = RootFolder(path=str(path), name="Library")
        await _refresh_state(root)
        session.add(root)
        await session.commit()
    log.info("added the default library folder %s as the first root folder", path)
