"""Notification targets: create, change, test; the delivery log and its replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.guard import Principal
from mvidarr.db import Database, utcnow
from mvidarr.errors import CONFLICT, CONTENT, Conflict, Forbidden, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import Delivery, DeliveryStatus, NotificationTarget, Role, TargetKind
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy
from mvidarr.notifications import catalogue, repository
from mvidarr.notifications.catalogue import CATALOGUE
from mvidarr.notifications.schemas import DeliveryPublic, EventTypePublic, TargetCreate, TargetPublic, TargetUpdate
from mvidarr.notifications.senders import SendFailed, check_apprise, describe_apprise, script_path
from mvidarr.notifications.worker import deliver

SCRIPTS_ARE_ADMINS = "only admins may manage script targets"


class TargetNotFound(NotFound):
    def __init__(self, target_id: int) -> None:
        super().__init__(f"notification target {target_id} does not exist")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"delivery {delivery_id} does not exist")


def event_types() -> list[EventTypePublic]:
    return [EventTypePublic(type=key, description=text) for key, text in CATALOGUE.items()]


def public(target: NotificationTarget) -> TargetPublic:
    url = target.url
    if target.kind == TargetKind.APPRISE and url:
        url = describe_apprise(url)
    return TargetPublic(
        id=target.id,
        name=target.name,
        kind=target.kind,  # type: ignore[arg-type]
        url=url,
        has_secret=bool(target.secret),
        script=target.script,
        timeout_s=target.timeout_s,
        events=list(target.events or []),
        enabled=target.enabled,
        created_at=target.created_at,
        updated_at=target.updated_at,
    )


async def _check_destination(
    kind: str, url: str | None, script: str | None, policy: NetworkPolicy, scripts: Path
) -> None:
    """Refuse now (422) what could never be delivered: a URL the policy refuses, a script not in the folder."""
    try:
        if kind == TargetKind.WEBHOOK and url is not None:
            await policy.check_url(url)
        elif kind == TargetKind.APPRISE and url is not None:
            await check_apprise(url, policy)
        elif kind == TargetKind.SCRIPT and script is not None:
            script_path(scripts, script)
    except (FetchRefused, SendFailed) as exc:
        field = "script" if kind == TargetKind.SCRIPT else "url"
        raise InvalidInput(str(exc), loc=("body", field), type_=CONTENT) from None
    except FetchFailed:
        pass  # an unresolvable name now may resolve later; each send checks again


def _check_role(principal: Principal, kind: str) -> None:
    if kind == TargetKind.SCRIPT and not principal.at_least(Role.ADMIN):
        raise Forbidden(SCRIPTS_ARE_ADMINS)


async def list_targets(session: AsyncSession, page: PageParams) -> Page[TargetPublic]:
    total = await session.scalar(select(func.count()).select_from(NotificationTarget))
    rows = await session.execute(
        select(NotificationTarget).order_by(NotificationTarget.name).limit(page.page_size).offset(page.offset)
    )
    items = [public(row) for row in rows.scalars()]
    return Page(items=items, total=int(total or 0), page=page.page, page_size=page.page_size)


async def _get(session: AsyncSession, target_id: int) -> NotificationTarget:
    target = await session.get(NotificationTarget, target_id)
    if target is None:
        raise TargetNotFound(target_id)
    return target


async def get_target(session: AsyncSession, target_id: int) -> TargetPublic:
    return public(await _get(session, target_id))


async def _flush_named(session: AsyncSession, name: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"a notification target named {name!r} exists") from None


async def create_target(
    session: AsyncSession, principal: Principal, body: TargetCreate, policy: NetworkPolicy, scripts: Path
) -> TargetPublic:
    _check_role(principal, body.kind)
    await _check_destination(body.kind, body.url, body.script, policy, scripts)
    now = utcnow()
    target = NotificationTarget(
        name=body.name,
        kind=body.kind,
        url=body.url if body.kind != "script" else None,
        secret=body.secret if body.kind == "webhook" else None,
        script=body.script if body.kind == "script" else None,
        timeout_s=body.timeout_s,
        events=list(dict.fromkeys(body.events)),
        enabled=body.enabled,
        created_at=now,
        updated_at=now,
    )
    session.add(target)
    await _flush_named(session, body.name)
    return public(target)


async def update_target(
    session: AsyncSession,
    principal: Principal,
    target_id: int,
    body: TargetUpdate,
    policy: NetworkPolicy,
    scripts: Path,
) -> TargetPublic:
    target = await _get(session, target_id)
    _check_role(principal, target.kind)
    given = body.model_fields_set
    if "url" in given and target.kind == TargetKind.SCRIPT:
        raise InvalidInput("a script target has no url", loc=("body", "url"), type_=CONFLICT)
    if "script" in given and target.kind != TargetKind.SCRIPT:
        raise InvalidInput("only script targets have a script", loc=("body", "script"), type_=CONFLICT)
    if "secret" in given and target.kind != TargetKind.WEBHOOK:
        raise InvalidInput("only webhooks have a secret", loc=("body", "secret"), type_=CONFLICT)
    if ("url" in given and body.url is None and target.kind != TargetKind.SCRIPT) or (
        "script" in given and body.script is None
    ):
        raise InvalidInput("it cannot be removed", loc=("body", "url" if "url" in given else "script"), type_=CONFLICT)
    if body.url is not None or body.script is not None:
        await _check_destination(target.kind, body.url, body.script, policy, scripts)
    values: dict[str, Any] = body.model_dump(include=given)
    if "events" in values and values["events"] is not None:
        values["events"] = list(dict.fromkeys(values["events"]))
    for key, value in values.items():
        if value is None and key not in ("secret",):
            continue
        setattr(target, key, value)
    target.updated_at = utcnow()
    await _flush_named(session, target.name)
    return public(target)


async def delete_target(session: AsyncSession, principal: Principal, target_id: int) -> None:
    target = await _get(session, target_id)
    _check_role(principal, target.kind)
    await session.delete(target)
    await session.flush()


def delivery_public(row: Delivery) -> DeliveryPublic:
    return DeliveryPublic.model_validate(row)


async def list_deliveries(
    session: AsyncSession, page: PageParams, *, target_id: int | None = None, connection_id: int | None = None
) -> Page[DeliveryPublic]:
    rows, total = await repository.deliveries(
        session, target_id=target_id, connection_id=connection_id, limit=page.page_size, offset=page.offset
    )
    return Page(items=[delivery_public(r) for r in rows], total=total, page=page.page, page_size=page.page_size)


async def target_deliveries(session: AsyncSession, target_id: int, page: PageParams) -> Page[DeliveryPublic]:
    await _get(session, target_id)
    return await list_deliveries(session, page, target_id=target_id)


async def replay(session: AsyncSession, principal: Principal, delivery_id: int) -> DeliveryPublic:
    """Send a delivery's payload again, as a new delivery (the old one stays in the log as it was)."""
    original = await session.get(Delivery, delivery_id)
    if original is None:
        raise DeliveryNotFound(delivery_id)
    if original.target_id is not None:
        _check_role(principal, (await _get(session, original.target_id)).kind)
    elif not principal.at_least(Role.ADMIN):
        raise Forbidden("only admins may replay a media-server refresh")
    now = utcnow()
    copy = Delivery(
        target_id=original.target_id,
        connection_id=original.connection_id,
        event_id=original.event_id,
        event_type=original.event_type,
        payload=dict(original.payload),
        status=DeliveryStatus.PENDING,
        attempts=0,
        max_attempts=original.max_attempts,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(copy)
    await session.flush()
    catalogue.announce(session)
    return delivery_public(copy)


def test_payload(target_name: str) -> dict[str, Any]:
    return {
        "event": catalogue.TEST,
        "id": None,
        "at": utcnow().isoformat().replace("+00:00", "Z"),
        "data": {"message": f"a test from MVidarr to {target_name}", "title": "Test notification"},
    }


async def send_test(
    session: AsyncSession, db: Database, principal: Principal, target_id: int, policy: NetworkPolicy, scripts: Path
) -> DeliveryPublic:
    """Send a test event now and log it as a delivery (sent before the request's transaction starts, so
    no database lock is held while the receiver answers)."""
    async with db.reader() as reader:
        target = await reader.get(NotificationTarget, target_id)
    if target is None:
        raise TargetNotFound(target_id)
    _check_role(principal, target.kind)
    payload = test_payload(target.name)
    started = utcnow()
    status, body, error = DeliveryStatus.DELIVERED, None, None
    code: int | None = None
    try:
        sent = await deliver(0, payload, target, None, policy=policy, scripts=scripts)
        code, body = sent.status, sent.response
    except SendFailed as exc:
        status, code, body, error = DeliveryStatus.FAILED, exc.status, exc.response, str(exc)
    finished = utcnow()
    row = Delivery(
        target_id=target.id,
        event_type=catalogue.TEST,
        payload=payload,
        status=status,
        attempts=1,
        max_attempts=1,
        next_attempt_at=started,
        response_status=code,
        response_body=body,
        error=error,
        created_at=started,
        finished_at=finished,
        duration_ms=int((finished - started).total_seconds() * 1000),
    )
    session.add(row)
    await session.flush()
    return delivery_public(row)
