"""The runtime install (`make run`: requirements/lock.txt) has every distribution that code under
src/ imports, wherever the import stands (top level or inside a function): a dev-only dependency
imported by the app fails here rather than in a user's job log."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "mvidarr"
LOCK = REPO / "requirements" / "lock.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> set[str]:
    pinned = re.finditer(r"^([A-Za-z0-9_.\-]+)\s*(?:==|\[)", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    return {_normal(match.group(1)) for match in pinned}


def _imported_modules(path: Path) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def _missing() -> dict[str, list[str]]:
    locked = _locked()
    providers = packages_distributions()
    missing: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for module, line in _imported_modules(path):
            if module in ("mvidarr", "__future__") or module in sys.stdlib_module_names:
                continue
            distributions = providers.get(module)
            if not distributions:
                missing.setdefault(module, []).append(f"{path.relative_to(REPO)}:{line} (no installed distribution)")
                continue
            if not any(_normal(dist) in locked for dist in distributions):
                missing.setdefault(distributions[0], []).append(f"{path.relative_to(REPO)}:{line}")
    return missing


def test_every_import_under_src_is_in_the_runtime_lock() -> None:
    missing = _missing()
    assert not missing, "imported by the app but not installed by `make run`: " + "; ".join(
        f"{dist} at {', '.join(places[:3])}" for dist, places in sorted(missing.items())
    )


def test_the_check_sees_a_dev_only_import(tmp_path: Path) -> None:
    """pytest is installed here but not in the runtime lock: the check must call it out."""
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    import pytest\n    return pytest\n", encoding="utf-8")
    imported = {name for name, _ in _imported_modules(module)}
    assert imported == {"pytest"}
    assert "pytest" not in _locked()
    assert all(_normal(dist) not in _locked() for dist in packages_distributions()["pytest"])
