"""Child processes that die with the process that started them.

Linux's parent-death signal (`prctl(PR_SET_PDEATHSIG)`) makes the kernel SIGKILL a child when its
parent dies, even by `kill -9`, so a pool worker (~80 MB with PyAV loaded) never lives on under PID 1.
Elsewhere the call does nothing; the process pools' own shutdown still runs on a clean exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
# Set by `mvidarr serve --workers N` to its own pid, for the API processes it starts.
SUPERVISOR_ENV = "MVIDARR_SUPERVISOR_PID"


def die_with_parent(parent_pid: int | None = None, sig: signal.Signals = signal.SIGKILL) -> None:
    """Ask the kernel to send `sig` (SIGKILL by default) to this process when its parent dies; exit at once
    if `parent_pid` is given and the parent is already gone (it died between the fork and this call). A
    process-pool initializer; API processes under `serve --workers N` ask for SIGTERM, to shut down
    cleanly."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
