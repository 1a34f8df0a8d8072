"""Server CPU per autosave against the bare-UPDATE floor, for one or more checkouts of the code.

    .venv/bin/python bench/cpu_per_save.py                          # this checkout, SQLite
    .venv/bin/python bench/cpu_per_save.py --db postgresql
    .venv/bin/python bench/cpu_per_save.py --tree before=/tmp/old --tree after=.   # alternating

One gunicorn worker (bench/load_wsgi.py) on a throwaway database, 4 officers saving in turn
with bench/load.py's mix, then the floor; the worker's CPU (from /proc) per request is
measured over 2 × N requests of each kind, best of the two. Each checkout gets its own server
and database; with several, they alternate for --rounds rounds and the medians are printed.
CPU time moves much less than rates when other processes share the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402


async def measure(root: Path, kind: str, pg_url: str, requests: int) -> tuple[float, float]:
    load.ROOT = root  # the server and the set-up run from this checkout
    database = load.Database.scratch(kind, pg_url, suffix=f"_{abs(hash(root)) % 1000}")
    server = None
    try:
        data = load.prepare(database, 4, 0)
        server = load.Server(database, 1, Path(tempfile.mkdtemp(prefix="tonghop-cpu-")))
        server.wait_ready()
        versions, row_ids = load.initial_versions(database, data["officers"])
        officers = [load.Officer(server.port, o["username"], o["submission"],
                                 {k: versions.get((o["submission"], k), 0) for k in load.KEYS}, row_ids[o["submission"]])
                    for o in data["officers"]]
        for officer in officers:
            await officer.browser.login(officer.username)

        async def run(floor: bool, n: int) -> float:
            stats = load.Stats()

            async def work(officer):
                for _ in range(n // len(officers)):
                    await (officer.bare_update(stats) if floor else officer.save(stats))

            before = server.cpu_seconds()
            await asyncio.gather(*(work(o) for o in officers))
            if stats.errors:
                raise SystemExit(f"errors: {stats.errors[:5]}")
            return (server.cpu_seconds() - before) / max(stats.ok, 1) * 1000

        await run(False, 100)
        await run(True, 100)  # warm-up
        floor = min([await run(True, requests) for _ in range(2)])
        save = min([await run(False, requests) for _ in range(2)])
        return floor, save
    finally:
        if server is not None:
            server.stop()
        database.drop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this": str(load.ROOT)}
    results: dict[str, list[tuple[float, float]]] = {label: [] for label in trees}
    for _ in range(args.rounds if len(trees) > 1 else 1):
        for label, path in trees.items():
            floor, save = await measure(Path(path).resolve(), args.db, args.pg_url, args.requests)
            results[label].append((floor, save))
            print(f"  {label}: floor {floor:.2f} ms, autosave {save:.2f} ms (×{save / floor:.2f})", flush=True)
    for label, rows in results.items():
        floor, save = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        print(f"{label} ({args.db}): server CPU per request, floor {floor:.2f} ms, autosave {save:.2f} ms, "
              f"ratio {save / floor:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
