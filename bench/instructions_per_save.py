"""Instructions per autosave and per floor request, counted by valgrind: a measure that other
load on the machine does not move.

    .venv/bin/python bench/instructions_per_save.py                    # this checkout, SQLite
    .venv/bin/python bench/instructions_per_save.py --db postgresql    # a scratch database
    .venv/bin/python bench/instructions_per_save.py --tree before=/tmp/old --tree after=.

CPU time per request (bench/cpu_per_save.py) is the quantity that matters, but on a shared
machine it moves by a third between runs. Instructions executed do not: each checkout runs
bench/load.py's set-up (4 officers) and then, in one process through the Flask test client,
N autosaves with bench/load.py's mix (CSRF on, logged in), or N requests to the floor
(bench/load_wsgi.py's bare UPDATE), under `valgrind --tool=cachegrind`. Two runs of different
N are subtracted, so start-up and set-up drop out. Needs valgrind (Debian: apt-get install
valgrind); about a minute per checkout and database.

What it leaves out: gunicorn's own work per request (the same for both, which is why a
server's ratio is lower than this one) and the cost of cache misses.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402

# Runs inside the checkout under test: N requests after 50 to warm up.
CLIENT = r'''
import os, re, sys
root = sys.argv[1]
sys.path[:0] = [root, root + "/bench"]
os.environ["SECRET_KEY"] = "x" * 40
import json, load
kind, n, data = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
if kind == "floor":
    import load_wsgi
    from werkzeug.test import Client
    client = Client(load_wsgi.app)
    def one(i):
        assert client.post("/bench/update", data={"v": str(i), "id": str(data["row"])}).status_code == 200
else:
    from app import create_app
    app = create_app({"WTF_CSRF_ENABLED": True})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    reply = client.post("/login", data={"username": data["username"], "password": load.PASSWORD, "csrf_token": token})
    assert reply.status_code in (302, 303), reply.status_code
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    from app.extensions import db
    with app.app_context():  # what earlier runs left: each save names the version it saw
        versions = dict(db.session.execute(db.text("SELECT key, version FROM submission_value WHERE submission_id = :s"),
                                           {"s": data["submission"]}).all())
    def one(i):
        key = load.KEYS[i % len(load.KEYS)]
        value = load.NARRATIVE.format(n=i) if key.endswith("/text") else str(1000 + i)
        reply = client.post(f"/submissions/{data['submission']}/save", headers={"HX-Request": "true", "X-CSRFToken": token},
                            data={f"v.{key}": value, f"ver.{key}": str(versions.get(key, 0))})
        assert reply.status_code == 200, reply.status_code
        versions[key] = versions.get(key, 0) + 1
for i in range(50 + n):
    one(i)
'''


def instructions(root: Path, database: load.Database, kind: str, n: int, data: dict) -> int:
    import json

    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", CLIENT, str(root), kind, str(n), json.dumps(data)],
        cwd=root, env=dict(database.env(), TONGHOP_ENV="development"), capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def measure(root: Path, kind: str, pg_url: str, small: int, large: int) -> tuple[float, float]:
    load.ROOT = root
    database = load.Database.scratch(kind, pg_url, suffix="_ir")
    try:
        officer = load.prepare(database, 4, 0)["officers"][0]
        _, row_ids = load.initial_versions(database, [officer])
        data = {"username": officer["username"], "submission": officer["submission"], "row": row_ids[officer["submission"]]}
        per = {}
        for what in ("floor", "autosave"):
            per[what] = (instructions(root, database, what, large, data)
                         - instructions(root, database, what, small, data)) / (large - small)
        return per["floor"], per["autosave"]
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH")
    parser.add_argument("--requests", type=int, default=200, help="difference between the two runs' request counts")
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this": str(load.ROOT)}
    for label, path in trees.items():
        floor, save = measure(Path(path).resolve(), args.db, args.pg_url, 50, 50 + args.requests)
        print(f"{label} ({args.db}): instructions per request, floor {floor / 1e6:.2f} M, "
              f"autosave {save / 1e6:.2f} M, ratio {save / floor:.2f}", flush=True)


if __name__ == "__main__":
    main()
