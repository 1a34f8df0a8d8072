"""Many workers, one cell: races between saves must give conflicts, never lost values or errors.

    .venv/bin/python bench/concurrent_saves.py [--workers 3] [--saves 60]

Starts gunicorn with several workers on a throwaway SQLite database (WAL) on 127.0.0.1,
fills one commune's quarterly report, then fires N concurrent saves of one cell that all
name the same version: exactly one may win (200), the rest must be 409. Then 16 saves of
different cells in parallel, which must all succeed. Prints the status counts and the
server's error count; stops the server. Loopback only, bounded in count and time.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
KEY = "I.4/ho_tich/c5"
SETUP = """
from app import create_app
from app.extensions import db
from app.demo import seed_fields
from tests.factories import make_round, make_tree, make_user, set_values, submission_for
app = create_app()
with app.app_context():
    seed_fields(); db.session.commit()
    _, district, units = make_tree(communes=1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    set_values(sub, {"I.4/ho_tich/c5": 1})
    make_user(units[0], username="xa.race")
    print(sub.id)
"""


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, username: str) -> None:
        _, html = self.request("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        self.request("/login", {"csrf_token": token, "username": username, "password": "secret123"})
        _, home = self.request("/")
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)

    def version(self, sub_id: int, key: str) -> str:
        _, page = self.request(f"/submissions/{sub_id}")
        return re.search(rf'name="ver\.{re.escape(key)}" value="(\d+)"', page).group(1)

    def save(self, sub_id: int, key: str, value: str, version: str) -> int:
        status, _ = self.request(f"/submissions/{sub_id}/save", {f"v.{key}": value, f"ver.{key}": version},
                                 {"HX-Request": "true", "X-CSRFToken": self.token})
        return status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--saves", type=int, default=60)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tonghop-race-")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/race.sqlite3", FLASK_APP="wsgi.py",
               PYTHONPATH=str(ROOT), SECRET_KEY="bench-only")
    subprocess.run([VENV_BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    sub_id = int(subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout.split()[-1])
    port = free_port()
    log = open(Path(folder) / "server.log", "w")
    server = subprocess.Popen([VENV_BIN / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        # gunicorn's workers may take long to start on a busy machine: wait for the first
        # login up to two minutes (a refused or timed-out connection is an OSError).
        ready_by = time.monotonic() + 120
        while True:
            try:
                client.login("xa.race")
                break
            except (urllib.error.URLError, AttributeError, OSError):
                if time.monotonic() > ready_by:
                    raise
                time.sleep(0.2)
        version = client.version(sub_id, KEY)
        with cf.ThreadPoolExecutor(16) as pool:
            same = collections.Counter(pool.map(lambda i: client.save(sub_id, KEY, str(100 + i), version),
                                                range(args.saves)))
        cells = [f"I.4/{row}/{col}" for row in ("ho_tich", "chung_thuc", "dat_dai", "bao_dam") for col in ("c4", "c8", "c9", "c12")]
        versions = {key: client.version(sub_id, key) for key in cells}
        with cf.ThreadPoolExecutor(8) as pool:
            different = collections.Counter(pool.map(lambda k: client.save(sub_id, k, "7", versions[k]), cells))
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    errors = (Path(folder) / "server.log").read_text().count("Traceback")
    print(f"{args.saves} concurrent saves of one cell, same version, {args.workers} workers: {dict(sorted(same.items()))}")
    print(f"16 different cells in parallel: {dict(sorted(different.items()))}")
    print(f"server tracebacks: {errors}")
    ok = same.get(200) == 1 and same.get(409) == args.saves - 1 and different.get(200) == 16 and not errors
    print(f"winners {same.get(200, 0)} conflicts {same.get(409, 0)} errors {errors} {'ok' if ok else 'FAILED'}")


if __name__ == "__main__":
    main()
