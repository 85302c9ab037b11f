from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import MANAGER, Manager, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.library import service
from mvidarr.library.schemas import RootFolderCreate, RootFolderPublic, RootFolderUpdate

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
    "nor contain another root folder.",
    responses=error_responses(400, 409, 422),
)
async def create_root_folder(session: SessionDep, body: RootFolderCreate) -> RootFolderPublic:
    return await service.create_root_folder(session, body)


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
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove a root folder",
    description="Forgets the folder. One that holds known files needs `force=true`; files on disk are never touched.",
    responses=error_responses(404, 409, 422),
)
async def delete_root_folder(
    request: Request,
    session: SessionDep,
    manager: Manager,
    root_id: RootIdPath,
    force: Annotated[bool, Query(description="Also forget the files known under it.")] = False,
) -> None:
    await service.delete_root_folder(session, root_id, force=force)
    audit.record(
        session, "root_folder.deleted", actor=manager, target_type="root_folder", target_id=root_id,
        ip=client_ip(request), details={"force": force},
    )  # fmt: skip
