"""Copy the latest benchmark table (bench/results/latest.md) into README.md between its markers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def main() -> int:
    table = (ROOT / "bench" / "results" / "latest.md").read_text(encoding="utf-8").strip()
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        print("README.md has no benchmark markers", file=sys.stderr)
        return 1
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    readme_path.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")
    print("README.md benchmark table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
