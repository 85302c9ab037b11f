"""Durable jobs: the queue, the history and the live state of every long task."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
TERMINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
_ACTIVE_SQL = text("status IN ('queued', 'running') AND dedupe_key IS NOT NULL")


class Job(Base):
    """One unit of background work; the row is the source of truth for its state."""

    __tablename__ = "job"
    __table_args__ = (
        # Claiming scans queued jobs by priority, then age.
        Index("ix_job_status_priority_id", "status", "priority", "id"),
        # Per-type counts, and the run time histogram of /metrics from the index alone.
        Index("ix_job_type_status_run_s", "type", "status", "run_s"),
        # Identical active jobs are de-duplicated by key.
        Index(
            "uq_job_dedupe_key_active",
            "dedupe_key",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    status: Mapped[JobStatus] = mapped_column(String(16), default=JobStatus.QUEUED)
    priority: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None]
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    eta_s: Mapped[float | None]
    speed: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(String(1000))
    error_detail: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    timeout_s: Mapped[float | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    awaiting_children: Mapped[bool] = mapped_column(default=False)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    heartbeat_at: Mapped[datetime | None]
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    run_s: Mapped[float | None]
    """Seconds from start to finish, written when the job finishes (for /metrics)."""


class JobLog(Base):
    """One log line a job wrote; bounded per job."""

    __tablename__ = "job_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    level: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
