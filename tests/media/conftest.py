from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.media import STANDARD_CLIPS, make_broken_files, make_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every standard clip and broken file, made once per run."""
    folder = tmp_path_factory.mktemp("clips")
    made = {spec.name: make_clip(folder, spec) for spec in STANDARD_CLIPS}
    made.update({f"broken:{key}": path for key, path in make_broken_files(folder / "broken").items()})
    return made
