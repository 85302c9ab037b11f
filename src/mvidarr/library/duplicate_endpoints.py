from __future__ import annotations

from fastapi import APIRouter, Request

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import MANAGER, Manager, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.library import duplicates
from mvidarr.library.duplicate_schemas import DuplicateGroup, MergeRequest, MergeResult

router = APIRouter(prefix="/library/duplicates", tags=["library"])


@router.get(
    "",
    dependencies=[MANAGER],
    response_model=Page[DuplicateGroup],
    summary="Duplicate videos",
    description="Groups of videos that are the same: same artist, normalised title and version "
    "('(Official Video)' and punctuation ignored), or current files with the same partial content hash. "
    "Each group names the video and file a merge keeps by default.",
    responses=error_responses(422),
)
async def list_duplicates(session: SessionDep, page: PageDep) -> Page[DuplicateGroup]:
    return await duplicates.list_groups(session, page)


@router.post(
    "/merge",
    response_model=MergeResult,
    summary="Merge duplicate videos",
    description="Keeps the best file (highest quality score, or `keep_file_id`) on one video (`keep_video_id`, "
    "or the owner of that file), moves the other files to the trash, fills the kept video's empty metadata "
    "from the others without touching its locked fields, re-points their other files, and deletes them.",
    responses=error_responses(404, 409, 422),
)
async def merge_duplicates(request: Request, session: SessionDep, manager: Manager, body: MergeRequest) -> MergeResult:
    result = await duplicates.merge(session, body, manager.user_id)
    audit.record(
        session, "videos.merged", actor=manager, target_type="video", target_id=result.kept_video_id,
        ip=client_ip(request),
        details={"removed": result.removed_video_ids, "trashed_files": result.trashed_file_ids},
    )  # fmt: skip
    return result
