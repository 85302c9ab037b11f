from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base


class WorkerProcess(Base):
    """A `mvidarr worker` process as it last reported itself: `/metrics` of any API process shows the
    figures of every live worker, on this host or another one sharing the database (decision 0057)."""

    __tablename__ = "worker_process"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """The job runner's id (host:pid:suffix), as in a running job's `worker_id`."""
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int]
    slots: Mapped[int]
    running_jobs: Mapped[int]
    resident_bytes: Mapped[int] = mapped_column(BigInteger)
    virtual_bytes: Mapped[int] = mapped_column(BigInteger)
    cpu_seconds: Mapped[float]
    report_every_s: Mapped[float]
    started_at: Mapped[datetime]
    reported_at: Mapped[datetime] = mapped_column(index=True)
