"""Start-up recovery: what a crashed or killed process left half done is settled before work starts."""

from __future__ import annotations

from mvidarr.db import Database
from mvidarr.downloads import service as downloads
from mvidarr.jobs.runner import worker_gone
from mvidarr.organise import recovery as organise


async def recover(db: Database) -> None:
    """Complete or roll back interrupted moves (before anything touches files), then close download
    attempts whose process is gone so no video stays "downloading" forever."""
    await organise.recover_moves(db.writer, worker_gone=worker_gone)
    await downloads.reconcile_orphans(db)
