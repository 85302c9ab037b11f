"""What the app's lifespan builds, handed to endpoints as typed FastAPI dependencies (decision 0047).

Each process resource lives on `app.state` under one name and is read from there in this module
only: an endpoint asks for `EventsDep`, `ProvidersDep`, `ClockDep`, `DatabaseDep` or `ProgressDep` (and `SettingsDep`
from `mvidarr.config`, `SessionDep` from `mvidarr.db`) and never touches `connection.app.state`.
The dependencies take the connection, so WebSocket routes use them too. Jobs get the same resources
from their context (`ctx.events`, `ctx.providers`, `ctx.settings`...).

"hub" names two things, so neither is called that here: `events` is the event hub (live updates,
`mvidarr.events.hub.EventHub`), `providers` the provider hub (MusicBrainz, IMVDb, YouTube...,
`mvidarr.providers.hub.ProviderHub`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from mvidarr.config import SettingsDep
from mvidarr.db import Database
from mvidarr.errors import ServiceUnavailable
from mvidarr.events.hub import EventHub
from mvidarr.jobs.clock import Clock
from mvidarr.providers.hub import ProviderHub
from mvidarr.watch.progress import ProgressBuffer


async def _events(connection: HTTPConnection) -> EventHub:
    events: EventHub = connection.app.state.events
    return events


async def _clock(connection: HTTPConnection) -> Clock:
    clock: Clock = connection.app.state.clock
    return clock


async def _database(connection: HTTPConnection) -> Database:
    db: Database = connection.app.state.db
    return db


async def _progress(connection: HTTPConnection) -> ProgressBuffer:
    progress: ProgressBuffer = connection.app.state.progress
    return progress


async def _providers(connection: HTTPConnection) -> ProviderHub:
    providers: ProviderHub | None = getattr(connection.app.state, "providers", None)
    if providers is None:
        raise ServiceUnavailable("providers are not running in this process")
    return providers


async def _providers_if_running(connection: HTTPConnection) -> ProviderHub | None:
    providers: ProviderHub | None = getattr(connection.app.state, "providers", None)
    return providers


async def _events_if_running(connection: HTTPConnection) -> EventHub | None:
    events: EventHub | None = getattr(connection.app.state, "events", None)
    return events


async def _data_dir(settings: SettingsDep) -> Path:
    return settings.data_dir


EventsDep = Annotated[EventHub, Depends(_events)]
"""The event hub: live updates to browsers and listeners."""
ClockDep = Annotated[Clock, Depends(_clock)]
"""The clock jobs and schedules are timed by (a test app's is fake)."""
DatabaseDep = Annotated[Database, Depends(_database)]
"""The database, for flows that open their own units of work (no transaction held while hashing a
password, a backup's consistent copy)."""
ProgressDep = Annotated[ProgressBuffer, Depends(_progress)]
"""This process's buffer of play positions, written every `progress_flush_s` (mvidarr.watch.progress)."""
ProvidersDep = Annotated[ProviderHub, Depends(_providers)]
"""The provider hub (MusicBrainz, IMVDb, YouTube...); 503 where providers do not run."""
DataDirDep = Annotated[Path, Depends(_data_dir)]
"""The data dir (artwork, cookies, backups)."""
ProvidersIfRunningDep = Annotated[ProviderHub | None, Depends(_providers_if_running)]
"""The provider hub, or None before the lifespan started it (health checks answer either way)."""
EventsIfRunningDep = Annotated[EventHub | None, Depends(_events_if_running)]
"""The event hub, or None before the lifespan started it."""
