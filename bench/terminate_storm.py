"""Pages under a storm of terminated PostgreSQL connections, as gunicorn serves them.

    .venv/bin/python bench/terminate_storm.py [--seconds 20] [--every 0.2]

Starts gunicorn (2 sync workers) over a scratch PostgreSQL database (bench/load.py's set-up:
a district round of two communes and a reviewer). A reviewer loads the round's board and its
consolidated page back to back while, every --every seconds, every connection of the scratch
database is terminated (pg_terminate_backend, as a restart does) — at any point of a request,
the end-of-request rollback included. Issue 26 saw gunicorn's own bare "Internal Server
Error" for 50 of 852 page loads in such a storm.
Prints the answers by kind and the server log's tracebacks and "database unavailable" lines.
Last line: `pages <n> ok <n> busy_503 <n> bare_500 <n> other <n> tracebacks <n> log_lines <n>`.
Goal: bare_500 0, other 0, tracebacks 0; every 503 with Retry-After.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Browser, Database, Server, prepare  # noqa: E402

BUSY = "Máy chủ đang bận, vui lòng thử lại"


async def storm(database: Database, every: float, stop: asyncio.Event) -> int:
    import psycopg

    kills = 0
    async with await psycopg.AsyncConnection.connect(database.admin_url, autocommit=True) as conn:
        while not stop.is_set():
            cursor = await conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid()", (database.name,))
            kills += (await cursor.fetchone())[0]
            await asyncio.sleep(every)
    return kills


async def drive(server: Server, database: Database, data: dict, seconds: float, every: float) -> dict:
    reviewer = Browser(server.port)
    await reviewer.login(data["reviewers"][0])
    counts = {"ok": 0, "busy_503": 0, "bare_500": 0, "other": 0, "503_without_retry_after": 0}
    stop = asyncio.Event()
    killer = asyncio.create_task(storm(database, every, stop))
    ends = time.monotonic() + seconds
    pages = [f"/rounds/{data['round']}", f"/rounds/{data['round']}/consolidated"]
    n = 0
    while time.monotonic() < ends:
        reply = await reviewer.request("GET", pages[n % 2])
        n += 1
        if reply.status == 200:
            counts["ok"] += 1
        elif reply.status == 503 and BUSY in reply.body:
            counts["busy_503"] += 1
            if not any(k.lower() == "retry-after" for k, _ in reply.headers):
                counts["503_without_retry_after"] += 1
        elif reply.status == 500 and "Internal Server Error" in reply.body:
            counts["bare_500"] += 1
        else:
            counts["other"] += 1
    stop.set()
    counts["terminated"] = await killer
    counts["pages"] = n
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("TONGHOP_LOAD_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--every", type=float, default=0.2)
    args = parser.parse_args()
    database = Database.scratch("postgresql", args.pg_url, suffix="_storm")
    folder = Path(tempfile.mkdtemp(prefix="tonghop-storm-"))
    server = None
    try:
        data = prepare(database, 2, 1)
        server = Server(database, 2, folder)
        server.wait_ready()
        counts = asyncio.run(drive(server, database, data, args.seconds, args.every))
    finally:
        if server is not None:
            server.stop()
        database.drop()
    log = server.log_path.read_text(errors="replace")
    tracebacks, lines = log.count("Traceback"), log.count("database unavailable")
    print(f"{counts['pages']} pages while {counts['terminated']} connections were terminated: {counts['ok']} ok, "
          f"{counts['busy_503']} × 503 (“{BUSY}”, {counts['503_without_retry_after']} without Retry-After), "
          f"{counts['bare_500']} bare 500, {counts['other']} other; server log: {tracebacks} tracebacks, "
          f"{lines} 'database unavailable' lines")
    print(f"pages {counts['pages']} ok {counts['ok']} busy_503 {counts['busy_503']} bare_500 {counts['bare_500']} "
          f"other {counts['other']} tracebacks {tracebacks} log_lines {lines}")


if __name__ == "__main__":
    main()
