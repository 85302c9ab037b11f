"""Every ES module the pages load parses (a syntax error breaks a whole page, and merges make them):
checked with Node.js, which the single sign-on tests need anyway."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "mvidarr" / "web" / "static" / "js"
NODE = shutil.which("node")
MODULES = sorted(STATIC.rglob("*.js"))

pytestmark = pytest.mark.skipif(
    NODE is None and os.environ.get("CI") != "true", reason="Node.js is not installed (it is in CI)"
)


def test_the_scripts_are_found() -> None:
    assert len(MODULES) > 20


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(STATIC)))
def test_module_parses(module: Path) -> None:
    assert NODE is not None, "CI needs Node.js"
    checked = subprocess.run(
        [NODE, "--input-type=module", "--check"],
        input=module.read_bytes(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr.decode()
