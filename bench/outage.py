"""A database outage under gunicorn, as an officer autosaving sees it.

    .venv/bin/python bench/outage.py --db postgresql [--down 3]   # PostgreSQL goes away and comes back
    .venv/bin/python bench/outage.py [--down 8]                   # SQLite: another writer holds the lock

PostgreSQL: gunicorn (2 workers) reaches a scratch database through a TCP relay on
127.0.0.1; the relay is stopped — every connection cut, new ones refused, as during a
server restart — for --down seconds, then started again. The machine's PostgreSQL is never
touched. SQLite: another process holds the write lock (BEGIN EXCLUSIVE) for --down
seconds, longer than the 5 s busy timeout.

One officer saves a cell every 100 ms throughout (loopback only, bounded in time). Prints
what the saves got before, during and after, whether each 503 carried Retry-After and the
message, how long until the first save succeeded again, the server log's tracebacks and
"database unavailable" lines, and whether every acknowledged save is stored.
Last line: `before_ok <n> during_503 <n> during_other <n> after_ok <n> after_other <n>
recovered_ms <n> tracebacks <n> log_lines <n> lost <n>`.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import KEYS, Database, Officer, Server, Stats, count_lost, initial_versions, prepare  # noqa: E402

BUSY = "Máy chủ đang bận, vui lòng thử lại"


class Relay:
    """A TCP relay to PostgreSQL that can be cut like a restarting server."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _serve(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}

        async def pipe(source, sink):
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                sink.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        except asyncio.CancelledError:
            pass
        self.writers -= {writer, up_writer}


async def timeline(officer: Officer, outage, up_before: float, down: float, up_after: float) -> list:
    """Save every 100 ms; ``outage`` is an async context manager that holds the database away."""
    events = []
    start = time.monotonic()

    async def save_until(stop: float, phase: str) -> None:
        while time.monotonic() < stop:
            began = time.monotonic()
            reply = await officer.save(Stats())  # a 503 is what is expected during the outage
            seen = {}
            if reply is not None:
                seen = {"retry_after": dict((k.lower(), v) for k, v in reply.headers).get("retry-after"),
                        "busy_message": BUSY in reply.body}
            events.append((phase, time.monotonic() - start, reply.status if reply else 0, seen))  # when answered
            await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - began)))

    await save_until(start + up_before, "before")
    async with outage():
        await save_until(time.monotonic() + down, "during")
    events.append(("back", time.monotonic() - start, 0, {}))
    await save_until(time.monotonic() + up_after, "after")
    return events


def summarise(events, server: Server, lost: int) -> None:
    def count(phase, ok):
        return sum(1 for p, _, status, _ in events if p == phase and (status == 200) == ok)

    during = [(status, seen) for p, _, status, seen in events if p == "during"]
    during_503 = sum(1 for status, _ in during if status == 503)
    with_header = sum(1 for status, seen in during if status == 503 and (seen.get("retry_after") or "").isdigit()
                      and seen.get("busy_message"))
    outage_end = next(t for p, t, *_ in events if p == "back")
    first_ok = min((t for p, t, status, _ in events if p == "after" and status == 200), default=None)
    recovered_ms = (first_ok - outage_end) * 1000 if first_ok is not None else float("nan")
    log = server.log_path.read_text(errors="replace")
    tracebacks, log_lines = log.count("Traceback"), log.count("database unavailable")
    print(f"before the outage: {count('before', True)} saved, {count('before', False)} other")
    print(f"during: {len(during)} saves, {during_503} answered 503 ({with_header} with Retry-After and "
          f"\"{BUSY}\"), statuses {sorted({s for s, _ in during})}")
    print(f"after: {count('after', True)} saved, {count('after', False)} other; the first successful save "
          f"was answered {recovered_ms:.0f} ms after the database came back")
    print(f"server log: {tracebacks} tracebacks, {log_lines} 'database unavailable' lines; lost {lost}")
    print(f"before_ok {count('before', True)} during_503 {during_503} during_other {len(during) - during_503} "
          f"after_ok {count('after', True)} after_other {count('after', False)} recovered_ms {recovered_ms:.0f} "
          f"tracebacks {tracebacks} log_lines {log_lines} lost {lost}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--down", type=float, default=None, help="seconds the database stays away")
    args = parser.parse_args()
    down = args.down if args.down is not None else (3.0 if args.db == "postgresql" else 8.0)
    asyncio.run(run(args, down))


async def run(args, down: float) -> None:
    database = Database.scratch(args.db, args.pg_url)
    relay = None
    served = database
    if args.db == "postgresql":
        target = urllib.parse.urlsplit(database.url)
        relay = Relay(target.port or 5432)
        await relay.start()
        netloc = f"{target.username + '@' if target.username else ''}127.0.0.1:{relay.port}"
        served = Database("postgresql", urllib.parse.urlunsplit(target._replace(netloc=netloc)))
    folder = Path(tempfile.mkdtemp(prefix="tonghop-outage-"))
    server = None
    try:
        data = await asyncio.to_thread(prepare, database, 1, 0)
        server = Server(served, 2, folder)
        await asyncio.to_thread(server.wait_ready)
        versions, row_ids = initial_versions(database, data["officers"])
        o = data["officers"][0]
        officer = Officer(server.port, o["username"], o["submission"],
                          {key: versions.get((o["submission"], key), 0) for key in KEYS}, row_ids[o["submission"]])
        await officer.browser.login(o["username"])

        class Cut:
            async def __aenter__(self):
                if relay is not None:
                    await relay.stop()
                else:
                    self.lock = sqlite3.connect(database.url.removeprefix("sqlite:///"), isolation_level=None)
                    self.lock.execute("BEGIN EXCLUSIVE")

            async def __aexit__(self, *exc):
                if relay is not None:
                    await relay.start(relay.port)
                else:
                    self.lock.execute("ROLLBACK")
                    self.lock.close()

        print(f"database {args.db}: saving every 100 ms; the database goes away for {down:.0f} s", flush=True)
        events = await timeline(officer, Cut, 2.0, down, 4.0)
    finally:
        if server is not None:
            server.stop()
        if relay is not None:
            await relay.stop()
    try:
        _, lost = count_lost(database, [officer])
    finally:
        database.drop()
    summarise(events, server, lost)


if __name__ == "__main__":
    main()
