from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, status

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import MANAGER, READONLY, Manager, client_ip
from mvidarr.config import SettingsDep
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID, sort_query
from mvidarr.library import files, service
from mvidarr.library.files import UNMATCHED_SORTABLE
from mvidarr.library.schemas import (
    ManualMatch,
    MatchedFile,
    RootFolderCreate,
    RootFolderPublic,
    RootFolderUpdate,
    RootRemoved,
    RootVideos,
    ScanRequest,
    UnmatchedFile,
)
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/root-folders", tags=["library"])
RootIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Root folder id.")]


@router.get(
    "",
    dependencies=[MANAGER],
    response_model=list[RootFolderPublic],
    summary="List root folders",
    description="Library folders with free space, accessibility (checked now) and file counts.",
    responses=error_responses(422),
)
async def list_root_folders(session: SessionDep) -> list[RootFolderPublic]:
    return await service.list_root_folders(session)


@router.post(
    "",
    dependencies=[MANAGER],
    response_model=RootFolderPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a root folder",
    description="The path must be absolute, exist, be a writable directory, and neither lie inside "
    "nor contain another root folder. System folders (`/`, `/etc`, `/usr`, `/tmp`, ...), MVidarr's data folder, "
    "any folder containing it and its internal folders are refused; the default library folder is allowed.",
    responses=error_responses(400, 409, 422),
)
async def create_root_folder(session: SessionDep, settings: SettingsDep, body: RootFolderCreate) -> RootFolderPublic:
    return await service.create_root_folder(session, body, settings)


@router.get(
    "/{root_id}",
    dependencies=[MANAGER],
    response_model=RootFolderPublic,
    summary="Get a root folder",
    description="One root folder, its state checked now.",
    responses=error_responses(404, 422),
)
async def get_root_folder(session: SessionDep, root_id: RootIdPath) -> RootFolderPublic:
    return await service.read_root_folder(session, root_id)


@router.patch(
    "/{root_id}",
    dependencies=[MANAGER],
    response_model=RootFolderPublic,
    summary="Rename a root folder",
    description="Changes the display name; the path of a root folder cannot change.",
    responses=error_responses(400, 404, 422),
)
async def update_root_folder(session: SessionDep, root_id: RootIdPath, body: RootFolderUpdate) -> RootFolderPublic:
    return await service.update_root_folder(session, root_id, body)


@router.delete(
    "/{root_id}",
    response_model=RootRemoved,
    summary="Remove a root folder",
    description="Forgets the folder; files on disk are never touched. One that holds known files needs "
    "`videos`: `keep` leaves their videos in the library as missing (a video with a current file in another "
    "root folder keeps it), `remove` deletes those videos from the library; otherwise 409. `force=true` is "
    "the older spelling of `videos=keep`.",
    responses=error_responses(404, 409, 422),
)
async def delete_root_folder(
    request: Request,
    session: SessionDep,
    manager: Manager,
    root_id: RootIdPath,
    videos: Annotated[
        RootVideos | None, Query(description="What happens to the videos of its files: keep (as missing) or remove.")
    ] = None,
    force: Annotated[bool, Query(description="Same as `videos=keep`.")] = False,
) -> RootRemoved:
    choice: RootVideos | None = videos or ("keep" if force else None)
    removed = await service.delete_root_folder(session, root_id, videos=choice)
    audit.record(
        session, "root_folder.deleted", actor=manager, target_type="root_folder", target_id=root_id,
        ip=client_ip(request), details={"videos": choice, **removed.model_dump()},
    )  # fmt: skip
    return removed


library_router = APIRouter(prefix="/library", tags=["library"])


@library_router.post(
    "/scan",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Scan the library",
    description="Starts a `library.scan` job for one root folder, or for all of them (no body, or no "
    "`root_folder_id`). A scan of the same root folder already queued or running is answered instead of starting "
    "another. With no root folder at all the answer is 409 (`no-root-folder`): add one first.",
    responses=error_responses(404, 409, 422),
)
async def scan_library(
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    body: Annotated[ScanRequest | None, Body()] = None,
) -> JobPublic:
    job = await files.start_scan(session, events, clock, body or ScanRequest(), manager.user_id)
    return jobs.public(job)


@library_router.get(
    "/unmatched",
    dependencies=[READONLY],
    response_model=Page[UnmatchedFile],
    summary="Unmatched files",
    description="Files found by scans that belong to no video (no artist found, or unreadable), with the reason; "
    "sort by `path`, `size` or `created_at`.",
    responses=error_responses(422),
)
async def list_unmatched(
    session: SessionDep,
    page: PageDep,
    sort: Annotated[str | None, sort_query(UNMATCHED_SORTABLE)] = None,
    root_folder_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this root folder.")] = None,
) -> Page[UnmatchedFile]:
    return await files.list_unmatched(session, page, root_folder_id=root_folder_id, sort=sort)


@library_router.post(
    "/files/{file_id}/match",
    dependencies=[MANAGER],
    response_model=MatchedFile,
    summary="Match a file by hand",
    description="Links a file to an existing video, or to the video of an artist and title (both created when "
    "new). The file becomes the video's current file unless the video already has one.",
    responses=error_responses(404, 422),
)
async def match_file(
    session: SessionDep,
    file_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Media file id.")],
    body: ManualMatch,
) -> MatchedFile:
    return await files.match_manually(session, file_id, body)
