"""Static assets, read once at start and served under a content-hash prefix.

Every asset URL is `/static/<version>/<path>`, where `<version>` hashes the whole static tree.
One prefix for all files keeps ES modules' relative imports (`../api.js`) on the same immutable
version, so browsers may cache them for a year; a new release changes every URL at once.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Assets:
    version: str
    files: dict[str, Asset]

    @classmethod
    def load(cls, root: Path = STATIC_DIR, generated: dict[str, bytes] | None = None) -> Assets:
        """The files under `root` plus `generated` ones (name → body), such as the themes' CSS."""
        files: dict[str, Asset] = {}
        tree = hashlib.sha256()
        bodies = {path.relative_to(root).as_posix(): path for path in root.rglob("*") if path.is_file()}
        extra = generated or {}
        for name in sorted({*bodies, *extra}):
            body = extra[name] if name in extra else bodies[name].read_bytes()
            digest = hashlib.sha256(body).hexdigest()
            tree.update(f"{name}\0{digest}\0".encode())
            media_type = _TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
            files[name] = Asset(body=body, media_type=media_type, etag=f'"{digest[:32]}"')
        return cls(version=tree.hexdigest()[:12], files=files)

    def url(self, name: str) -> str:
        """The cacheable URL of a static file; a missing file is a template bug, so it fails loudly."""
        if name not in self.files:
            raise KeyError(f"no static asset {name!r}")
        return f"/static/{self.version}/{name}"
