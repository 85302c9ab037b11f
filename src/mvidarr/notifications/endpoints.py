from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from mvidarr.auth.dependencies import Manager
from mvidarr.config import SettingsDep
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.network.dependencies import PolicyDep
from mvidarr.notifications import service
from mvidarr.notifications.schemas import DeliveryPublic, EventTypePublic, TargetCreate, TargetPublic, TargetUpdate
from mvidarr.state import DatabaseDep as DbDep

router = APIRouter(prefix="/notifications", tags=["notifications"])
TargetIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Notification target id.")]
DeliveryIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Delivery id.")]


async def _scripts(settings: SettingsDep) -> FsPath:
    return FsPath(settings.scripts_folder)


ScriptsDep = Annotated[FsPath, Depends(_scripts)]
SCRIPT_NOTE = " Script targets are for admins only (403 for others)."


@router.get(
    "/event-types",
    response_model=list[EventTypePublic],
    summary="The event catalogue",
    description="Every event a target can subscribe to, with what it means.",
    responses=error_responses(401, 403),
)
async def list_event_types(_manager: Manager) -> list[EventTypePublic]:
    return service.event_types()


@router.get(
    "",
    response_model=Page[TargetPublic],
    summary="List notification targets",
    description="Webhooks, Apprise URLs and scripts, by name. Secrets and Apprise URLs are never shown.",
    responses=error_responses(401, 403, 422),
)
async def list_targets(session: SessionDep, _manager: Manager, page: PageDep) -> Page[TargetPublic]:
    return await service.list_targets(session, page)


@router.post(
    "",
    response_model=TargetPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a notification target",
    description="A webhook (JSON POST signed with HMAC-SHA256 when it has a secret), an Apprise URL, or a script "
    "from the scripts folder. The URL must be allowed by the network policy (LAN hosts only when listed in "
    "`network.allowed_private_hosts`): 422 otherwise. 409 when the name is taken." + SCRIPT_NOTE,
    responses=error_responses(401, 403, 409, 422),
)
async def create_target(
    session: SessionDep, manager: Manager, body: TargetCreate, policy: PolicyDep, scripts: ScriptsDep
) -> TargetPublic:
    return await service.create_target(session, manager, body, policy, scripts)


@router.get(
    "/{target_id}",
    response_model=TargetPublic,
    summary="Get a notification target",
    responses=error_responses(401, 403, 404, 422),
)
async def get_target(session: SessionDep, _manager: Manager, target_id: TargetIdPath) -> TargetPublic:
    return await service.get_target(session, target_id)


@router.patch(
    "/{target_id}",
    response_model=TargetPublic,
    summary="Change a notification target",
    description="Fields left out stay; `secret: null` removes a webhook's secret. The kind cannot change."
    + SCRIPT_NOTE,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_target(
    session: SessionDep,
    manager: Manager,
    target_id: TargetIdPath,
    body: TargetUpdate,
    policy: PolicyDep,
    scripts: ScriptsDep,
) -> TargetPublic:
    return await service.update_target(session, manager, target_id, body, policy, scripts)


@router.delete(
    "/{target_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a notification target",
    description="Its delivery log goes with it." + SCRIPT_NOTE,
    responses=error_responses(401, 403, 404, 422),
)
async def delete_target(session: SessionDep, manager: Manager, target_id: TargetIdPath) -> Response:
    await service.delete_target(session, manager, target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{target_id}/test",
    response_model=DeliveryPublic,
    summary="Send a test notification",
    description="Sends a `test` event to the target now and answers with the delivery (also in its log): "
    "`status` delivered or failed, with the receiver's answer or the error." + SCRIPT_NOTE,
    responses=error_responses(401, 403, 404, 422),
)
async def send_test(
    session: SessionDep, manager: Manager, target_id: TargetIdPath, policy: PolicyDep, scripts: ScriptsDep, db: DbDep
) -> DeliveryPublic:
    return await service.send_test(session, db, manager, target_id, policy, scripts)


@router.get(
    "/{target_id}/deliveries",
    response_model=Page[DeliveryPublic],
    summary="A target's delivery log",
    description="Newest first: each delivery's status, attempts, the receiver's answer and the last error.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_deliveries(
    session: SessionDep, _manager: Manager, target_id: TargetIdPath, page: PageDep
) -> Page[DeliveryPublic]:
    return await service.target_deliveries(session, target_id, page)


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=DeliveryPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a delivery again",
    description="Queues a new delivery with the same payload (the original stays in the log); the delivery "
    "worker sends it at once." + SCRIPT_NOTE,
    responses=error_responses(401, 403, 404, 422),
)
async def replay_delivery(session: SessionDep, manager: Manager, delivery_id: DeliveryIdPath) -> DeliveryPublic:
    return await service.replay(session, manager, delivery_id)
