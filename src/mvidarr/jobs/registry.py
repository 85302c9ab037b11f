"""Job types: what each kind of job takes, how it runs, and who may start it."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from mvidarr.models.user import Role

if TYPE_CHECKING:
    from mvidarr.jobs.context import JobContext

P = TypeVar("P", bound=BaseModel)
JobResult = dict[str, Any] | None
Handler = Callable[["JobContext", P], Awaitable[JobResult]]
__all__ = ["REGISTRY", "JobType", "Role", "job_type", "register", "unregister"]


@dataclass(frozen=True, slots=True)
class JobType(Generic[P]):
    """One registered kind of job."""

    name: str
    params: type[P]
    handler: Handler[P]
    description: str
    priority: int = 0
    max_attempts: int = 3
    timeout_s: float | None = 3600.0
    concurrency: int | None = None
    """At most this many run at once over all processes; None is unlimited."""
    concurrency_setting: str | None = None
    """A runtime setting key whose value, when set, overrides `concurrency`."""
    dedupe: bool = False
    """Identical active jobs (same type and params) are not enqueued twice."""
    required_role: Role = Role.MANAGER
    """The least role that may start a job of this type."""
    retry_base_s: float = 5.0
    retry_max_s: float = 900.0

    def dedupe_key(self, params: BaseModel) -> str | None:
        if not self.dedupe:
            return None
        body = orjson.dumps(params.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        return f"{self.name}:{hashlib.sha256(body).hexdigest()[:40]}"

    @property
    def limited(self) -> bool:
        return self.concurrency is not None or self.concurrency_setting is not None


REGISTRY: dict[str, JobType[Any]] = {}


class UnknownJobType(KeyError):
    pass


def register(job_type: JobType[Any], *, replace: bool = False) -> JobType[Any]:
    if job_type.name in REGISTRY and not replace:
        raise ValueError(f"job type {job_type.name} registered twice")
    REGISTRY[job_type.name] = job_type
    return job_type


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def job_type(
    name: str,
    params: type[P],
    *,
    description: str,
    **options: Any,
) -> Callable[[Handler[P]], Handler[P]]:
    """Decorator registering `async def run(ctx, params)` as the handler of job type `name`."""

    def decorate(handler: Handler[P]) -> Handler[P]:
        register(JobType(name=name, params=params, handler=handler, description=description, **options))
        return handler

    return decorate


def get(name: str) -> JobType[Any]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownJobType(name) from None


def limited_types() -> list[JobType[Any]]:
    return [jt for jt in REGISTRY.values() if jt.limited]
