"""Runtime settings: read with defaults, validated writes; secrets sealed at rest and masked."""

from __future__ import annotations

import logging
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.db import utcnow
from mvidarr.errors import CONTENT, FieldError, InvalidInput
from mvidarr.kit.sealing import Sealer
from mvidarr.models import Setting
from mvidarr.network.policy import NetworkPolicy
from mvidarr.settings.registry import ALLOWED_PRIVATE_HOSTS, REGISTRY, SettingDefinition, is_outbound
from mvidarr.settings.schemas import SettingPublic

MASK = "********"
log = logging.getLogger("mvidarr.settings")
T = TypeVar("T")


class SettingsInvalid(InvalidInput):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e.loc[1:]))}: {e.msg}" for e in errors[:3]))
        self.errors = errors


def _public(definition: SettingDefinition[Any], row: Setting | None) -> SettingPublic:
    value = row.value if row is not None else definition.default
    if definition.secret:
        value = MASK if value is not None else None
    return SettingPublic(
        key=definition.key,
        label=definition.label,
        value=value,
        default=None if definition.secret else definition.default,
        is_set=row is not None,
        secret=definition.secret,
        description=definition.description,
        value_schema=definition.json_schema(),
        updated_at=row.updated_at if row is not None else None,
    )


async def list_settings(session: AsyncSession) -> list[SettingPublic]:
    rows = {row.key: row for row in (await session.execute(select(Setting))).scalars()}
    return [_public(definition, rows.get(key)) for key, definition in sorted(REGISTRY.items())]


async def get(
    session: AsyncSession, setting: SettingDefinition[T], *, sealer: Sealer | None = None, refuse_stale: bool = False
) -> T:
    """The value in force for a setting (its default when unset), validated as the setting's type;
    secrets are opened with `sealer`, for internal use. See `valid` for a stored value the type
    no longer accepts."""
    return valid(setting, await get_value(session, setting.key, sealer=sealer), refuse_stale=refuse_stale)


def valid(setting: SettingDefinition[T], raw: Any, *, refuse_stale: bool = False) -> T:
    """A stored (JSON) value as the setting's type. One the type no longer accepts (saved by an older
    version) is logged and the default is used, so no page or job breaks on it; with `refuse_stale`
    (where the default would do harm, e.g. move files by another naming template) it is a
    user-fixable 422 naming the setting."""
    try:
        return cast(T, setting.adapter.validate_python(raw))
    except ValidationError as exc:
        message = "; ".join(e["msg"] for e in exc.errors()[:3])
        if refuse_stale or raw == setting.default:
            raise InvalidInput(f"{setting.key}: {message}", loc=(setting.key,), type_=CONTENT) from None
        log.warning("setting %s holds a value its type refuses (%s); its default is used", setting.key, message)
        return cast(T, setting.adapter.validate_python(setting.default))


async def get_value(session: AsyncSession, key: str, *, sealer: Sealer | None = None) -> Any:
    """The stored JSON value for a key looked up by name (the default when unset), unvalidated: for
    code handed a key at run time (a job type's concurrency setting, export). Code that knows its
    setting uses `get`."""
    definition = REGISTRY[key]
    row = await session.get(Setting, key)
    if row is None:
        return definition.default
    if definition.secret and Sealer.is_sealed(row.value):
        if sealer is None:
            raise ValueError(f"setting {key} is secret; pass the app's sealer to read it")
        return sealer.open(row.value)
    return row.value


def validate_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Each value checked against its key's type; every problem reported with its key."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key, raw in changes.items():
        definition = REGISTRY.get(key)
        if definition is None:
            errors.append(FieldError(loc=["body", key], msg="unknown setting", type="unknown_setting"))
            continue
        if raw is None:
            clean[key] = None
            continue
        try:
            clean[key] = definition.adapter.dump_python(definition.adapter.validate_python(raw), mode="json")
        except ValidationError as exc:
            errors.extend(FieldError(loc=["body", key, *e["loc"]], msg=e["msg"], type=e["type"]) for e in exc.errors())
    if errors:
        raise SettingsInvalid(errors)
    return clean


async def _check_outbound(clean: dict[str, Any], policy: NetworkPolicy) -> None:
    urls = [(key, value) for key, value in clean.items() if value and is_outbound(REGISTRY[key])]
    if not urls:
        return
    if ALLOWED_PRIVATE_HOSTS.key in clean:
        policy = NetworkPolicy.allowing(clean[ALLOWED_PRIVATE_HOSTS.key] or (), policy.resolver)
    for _key, url in urls:
        await policy.check_url(str(url))


async def update_settings(
    session: AsyncSession,
    changes: dict[str, Any],
    *,
    sealer: Sealer,
    actor: Principal | None = None,
    ip: str | None = None,
    policy: NetworkPolicy | None = None,
) -> list[SettingPublic]:
    """Saves the given values (secrets sealed with the app secret); `null` resets a key to its default.
    With `policy`, a URL MVidarr will fetch (a provider's API root, a package index) must pass the
    outbound-network policy, as changed by the same request."""
    clean = validate_changes(changes)
    if policy is not None:
        await _check_outbound(clean, policy)
    user_id = actor.user_id if actor is not None else None
    for key, value in clean.items():
        if value is not None and REGISTRY[key].secret:
            value = sealer.seal(value if isinstance(value, str) else str(value))
        if value is None:
            await session.execute(delete(Setting).where(Setting.key == key))
            continue
        row = await session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value, updated_by=user_id))
        else:
            row.value = value
            row.updated_at = utcnow()
            row.updated_by = user_id
    await session.flush()
    if clean:
        # Values of secrets never reach the audit log; others are recorded as set.
        recorded = {key: ("(secret)" if REGISTRY[key].secret and v is not None else v) for key, v in clean.items()}
        audit.record(session, "settings.updated", actor=actor, ip=ip, target_type="settings", details=recorded)
    return await list_settings(session)
