"""A worker process loads every job type the app defines (it does not import the web app)."""

from __future__ import annotations

import re
from pathlib import Path

import mvidarr
from mvidarr.jobs.runner import BUILTIN_MODULES

PACKAGE = Path(mvidarr.__file__).parent


def test_every_module_that_registers_job_types_is_loaded_by_workers() -> None:
    defining = {
        "mvidarr." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^@job_type\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert len(defining) >= 10
    assert defining <= set(BUILTIN_MODULES), sorted(defining - set(BUILTIN_MODULES))
