"""Runtime settings are typed keys read as typed values."""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from pydantic import TypeAdapter

from mvidarr.db import Database
from mvidarr.discovery import settings as discovery_settings
from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.downloads import settings as download_settings
from mvidarr.errors import InvalidInput
from mvidarr.metadata import settings as metadata_settings
from mvidarr.models import Setting
from mvidarr.providers import settings as provider_settings
from mvidarr.providers import tasks as provider_tasks
from mvidarr.settings import registry
from mvidarr.settings import service as runtime_settings
from mvidarr.settings.registry import REGISTRY, SettingDefinition

pytestmark = pytest.mark.anyio

KEY_MODULES: list[types.ModuleType] = [
    registry,
    download_settings,
    metadata_settings,
    discovery_settings,
    provider_tasks,
    provider_settings,
]


def _typed_keys() -> list[tuple[str, Any, SettingDefinition[Any]]]:
    out = []
    for module in KEY_MODULES:
        for name, hint in typing.get_type_hints(module).items():
            if typing.get_origin(hint) is SettingDefinition:
                out.append((f"{module.__name__}.{name}", typing.get_args(hint)[0], getattr(module, name)))
    return out


def test_every_setting_is_a_typed_constant() -> None:
    named = {definition.key for _, _, definition in _typed_keys()}
    for keys in provider_settings.PROVIDER_KEYS.values():
        named |= {keys.enabled.key, keys.base_url.key, keys.timeout_s.key, keys.rate_limit_per_s.key}
        named |= {setting.key for setting in keys.credentials.values()}
    assert set(REGISTRY) - named == set(), "a setting without a typed key"


@pytest.mark.parametrize(("name", "value_type", "definition"), _typed_keys(), ids=lambda v: str(v))
def test_each_default_reads_as_the_type_its_key_declares(
    name: str, value_type: Any, definition: SettingDefinition[Any]
) -> None:
    value = definition.adapter.validate_python(definition.default)
    # Strict: an `int` key whose values are floats (or the other way round) fails here.
    TypeAdapter(value_type).validate_python(value, strict=True)


async def test_typed_read_gives_the_default_then_the_stored_value(db: Database) -> None:
    async with db.writer() as session:
        assert await runtime_settings.get(session, registry.JOBS_RETENTION_DAYS) == 30
        filters = await runtime_settings.get(session, discovery_settings.DEFAULT_FILTERS)
        assert isinstance(filters, DiscoveryFilters)
        session.add(Setting(key=registry.JOBS_RETENTION_DAYS.key, value=7))
        session.add(Setting(key=discovery_settings.DEFAULT_FILTERS.key, value={"min_year": 1990}))
        await session.flush()
        assert await runtime_settings.get(session, registry.JOBS_RETENTION_DAYS) == 7
        filters = await runtime_settings.get(session, discovery_settings.DEFAULT_FILTERS)
        assert filters.min_year == 1990
        await session.rollback()


async def test_a_stored_value_the_type_refuses_reads_as_the_default_or_refuses_when_asked(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.writer() as session:
        session.add(Setting(key=registry.JOBS_RETENTION_DAYS.key, value="soon"))
        session.add(Setting(key=registry.NAMING_TEMPLATE.key, value="{artist}/{nonsense}"))
        await session.flush()
        # A page or a job keeps working on the default, and the log says why.
        assert await runtime_settings.get(session, registry.JOBS_RETENTION_DAYS) == 30
        assert "jobs.retention_days holds a value its type refuses" in caplog.text
        # Where the default would do harm (files moved by another template) it is a 422 naming the key.
        with pytest.raises(InvalidInput) as raised:
            await runtime_settings.get(session, registry.NAMING_TEMPLATE, refuse_stale=True)
        assert raised.value.status == 422
        assert str(raised.value).startswith("library.naming_template:")
        await session.rollback()


def test_a_key_reads_as_its_name_in_messages() -> None:
    assert f"setting {download_settings.YTDLP_UPDATES}" == "setting downloads.ytdlp_updates"
