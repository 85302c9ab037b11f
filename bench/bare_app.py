"""The baseline: a bare FastAPI app with one fixed JSON route, served like MVidarr is.

`bench.run` starts it with `python -m uvicorn bench.bare_app:app` and the same uvicorn settings
as `mvidarr serve`, and reports MVidarr's throughput as a ratio to this app's.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"status": "ok"}
