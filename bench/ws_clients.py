"""WebSocket clients for the jobs benchmark, run as their own process: `python -m bench.ws_clients`.

Opens N connections to `/api/v1/ws`, authenticates, subscribes each to `jobs`, prints `ready`
once every snapshot arrived, then counts the distinct jobs each client saw finish until every
client saw `--expect` of them (or the timeout). Prints one JSON line with the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class Client:
    def __init__(self) -> None:
        self.finished: set[int] = set()
        self.events = 0
        self.close_code: int | None = None
        self.done_at: float | None = None


async def _open(url: str, token: str) -> ClientConnection:
    ws = await connect(url, max_queue=None, open_timeout=30)
    await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
    await ws.send('{"type": "subscribe", "topics": ["jobs"]}')
    while orjson.loads(await ws.recv())["type"] != "snapshot":
        pass
    return ws


async def _listen(ws: ClientConnection, client: Client, expect: int) -> None:
    try:
        async for raw in ws:
            message = orjson.loads(raw)
            kind = message["type"]
            if kind.startswith("job."):
                client.events += 1
                if kind == "job.finished":
                    client.finished.add(int(message["data"]["id"]))
                    if len(client.finished) >= expect and client.done_at is None:
                        client.done_at = time.perf_counter()
                        return
    except ConnectionClosed as exc:
        client.close_code = exc.rcvd.code if exc.rcvd is not None else None


async def run(url: str, token: str, clients: int, expect: int, timeout_s: float) -> dict[str, Any]:
    sockets: list[ClientConnection] = []
    for start in range(0, clients, 20):  # open in waves, as browsers reconnecting would
        sockets.extend(await asyncio.gather(*(_open(url, token) for _ in range(start, min(clients, start + 20)))))
    states = [Client() for _ in sockets]
    print("ready", flush=True)
    started = time.perf_counter()
    listeners = [asyncio.create_task(_listen(ws, state, expect)) for ws, state in zip(sockets, states, strict=True)]
    await asyncio.wait(listeners, timeout=timeout_s)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    counts = [len(state.finished) for state in states]
    finishes = [state.done_at - started for state in states if state.done_at is not None]
    return {
        "clients": len(states),
        "all_received_every_terminal_event": min(counts) >= expect,
        "terminal_events_min": min(counts),
        "terminal_events_max": max(counts),
        "job_events_per_client_max": max(state.events for state in states),
        "disconnected": sum(1 for state in states if state.close_code is not None),
        "seconds_until_last_client_done": round(max(finishes), 2) if finishes else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--expect", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.token, args.clients, args.expect, args.timeout))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
