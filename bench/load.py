"""Deadline-day load: many officers autosaving, reviewers watching, against the floor of one UPDATE.

    .venv/bin/python bench/load.py                        # SQLite (WAL), a temp file
    .venv/bin/python bench/load.py --db postgresql        # a scratch database, created and dropped
    .venv/bin/python bench/load.py --quick                # the bounded run `make test` uses
    .venv/bin/python bench/load.py --db postgresql --nodes 2 --workers 2   # two application nodes
    .venv/bin/python bench/load.py --db postgresql --nodes 2 --workers 2 --pgbouncer   # through PgBouncer

Starts gunicorn (sync workers, default 4) on 127.0.0.1 over a throwaway database holding one
district round of quarterly reports, one commune per officer, each report already filled.
The load generator is one asyncio process on the same machine (loopback only); every phase
ends by itself after its set time.

Load mix, the same in every phase:
- officers (default 100), each logged in as its own commune's account, autosave one cell at a
  time exactly as the page does (`POST /submissions/<id>/save`, HX-Request, the CSRF header,
  the version last seen): 6 in 10 saves are cells of the dossier table (I.4, whose totals the
  reply recomputes), 2 in 10 indicators (I.1, I.3), 2 in 10 a narrative (I.2, a paragraph);
  each value differs from the last, so every save writes;
- reviewers (default 4) of the district each load the round's board (`/rounds/<id>`), pause
  1 s, load the consolidated report (`/rounds/<id>/consolidated`), pause 1 s, and again.

Phases:
1. floor, saturated: as many clients as officers post to `POST /bench/update` (bench/
   load_wsgi.py: a bare Flask app in the same gunicorn, one committed `UPDATE submission_value
   SET int_value` of a row in the officer's report that no autosave touches), pausing 0–20 ms
   between requests; rate of 200s per second;
2. autosave, saturated: the officers autosave with the same pauses; rate of 200s per second;
   phases 1 and 2 run twice, alternating, and the totals are summed, so both see the same
   machine (it is shared);
3. paced: saves are sent at a fixed rate (default 200/s) spread over the officers, each officer
   one save at a time as htmx does; latency runs from the moment a save was due, so a
   queue behind a slow save counts (no coordinated omission).
Errors: any save or page answered other than 200, a timeout or refused connection, and each
traceback in the server log. Afterwards every acknowledged save is looked up in the
database: the stored value must be the last acknowledged one (or a later one), and each
acknowledged save must have its change-log row; what is missing is counted as lost.
With `--backup-during DIR`, `flask backup` runs in the middle of the first autosave phase;
the archive is restored into a fresh database and every save acknowledged before the backup
began must be in it (missing values are added to lost).

Last line: `saves_per_s <n> floor_per_s <n> p95_ms <n> errors <n> lost <n>`.
Goal on 2 cores: saves_per_s ≥ max(200, floor_per_s / 3), p95 < 100 ms at 200/s, 0 errors, 0 lost.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "tai-chinh-cong-khai-2026"
TIMEOUT = 30.0
MAX_LAG = 10.0  # paced saves this late are not sent (counted as errors): the run stays bounded
CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
# Keys an officer saves, cycled in this order: 6 table cells, 2 indicators, 2 narratives.
KEYS = ["I.4/ho_tich/c4", "I.4/chung_thuc/c8", "I.1/published", "I.4/dat_dai/c9", "I.2/text",
        "I.4/ho_tich/c12", "I.3/received", "I.4/chung_thuc/c4", "I.4/dat_dai/c4", "I.2/text"]
FLOOR_KEY = "I.3/in_progress"  # the floor endpoint's UPDATE writes here, never where officers save
NARRATIVE = ("Ủy ban nhân dân xã đã rà soát, công khai đầy đủ thủ tục hành chính tại Bộ phận Một cửa; "
             "tiếp nhận và giải quyết hồ sơ đúng quy trình, không có phản ánh, kiến nghị quá hạn. Lần cập nhật {n}.")
TEXT_NUMBER = re.compile(r"Lần cập nhật (\d+)\.")

SECRET_KEY = secrets.token_hex(32)  # per run; production refuses a weak one
SETUP_PASSWORD_HASH = "pbkdf2:sha256:1000"  # logins are not what this measures


# --- database and server -----------------------------------------------------------------

@dataclass
class Database:
    kind: str
    url: str
    admin_url: str | None = None  # PostgreSQL: where the scratch database is created and dropped
    name: str | None = None

    @classmethod
    def scratch(cls, kind: str, pg_url: str, suffix: str = "") -> "Database":
        if kind == "sqlite":
            folder = tempfile.mkdtemp(prefix="tonghop-load-")
            return cls("sqlite", f"sqlite:///{folder}/load{suffix}.sqlite3")
        parts = urllib.parse.urlsplit(pg_url)
        name = f"tonghop_load_{os.getpid()}{suffix}"
        db = cls("postgresql", urllib.parse.urlunsplit(parts._replace(path="/" + name)), pg_url, name)
        db._admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        return db

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def env(self) -> dict:
        return dict(os.environ, DATABASE_URL=self.url, FLASK_APP="wsgi.py", PYTHONPATH=str(ROOT),
                    SECRET_KEY=SECRET_KEY, TONGHOP_ENV="production",
                    # Hundreds of officers sign in from this one machine: not a password spray.
                    TONGHOP_LOGIN_ACCOUNTS_PER_ADDRESS="100000")


SETUP = """
import json, random, sys
from app import create_app
from app.extensions import db
from app.demo import _quarterly_values, seed_fields
from app.models import User
from app.services.rounds import round_template
from tests.factories import make_round, make_tree, set_values, submission_for
officers, reviewers, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = create_app({"PASSWORD_HASH_METHOD": %r})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    seed_fields(); db.session.commit()
    _, district, units = make_tree(communes=officers)
    round_ = make_round(district, expected=units)
    template = round_template(round_)
    def account(unit, role, username):
        user = User(username=username, full_name="Cán bộ " + username, role=role, unit=unit, phone="0912345678")
        user.set_password(password)
        db.session.add(user)
        return user
    out = {"round": round_.id, "officers": [], "reviewers": []}
    for i, unit in enumerate(units):
        sub = submission_for(round_, unit)
        set_values(sub, _quarterly_values(template, random.Random(i)))
        account(unit, "reporter", f"can.bo.{i:03d}")
        out["officers"].append({"username": f"can.bo.{i:03d}", "submission": sub.id})
    for i in range(reviewers):
        account(district, "reviewer", f"tong.hop.{i}")
        out["reviewers"].append(f"tong.hop.{i}")
    db.session.commit()
    print(json.dumps(out))
""" % SETUP_PASSWORD_HASH


def prepare(database: Database, officers: int, reviewers: int) -> dict:
    import json

    env = database.env()
    done = subprocess.run([sys.executable, "-c", SETUP, str(officers), str(reviewers), PASSWORD], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 serving bench/load_wsgi.py; its log is read for tracebacks."""

    def __init__(self, database: Database, workers: int, folder: Path, env: dict | None = None):
        self.port = free_port()
        self.log_path = folder / "server.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [VENV_BIN / "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--backlog", "2048",
             "--timeout", "60", "--pythonpath", str(BENCH), "load_wsgi:app"],
            cwd=ROOT, env=env or database.env(), stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far (from /proc)."""
        total = 0
        pids = [self.process.pid]
        try:
            pids += [int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]
        except OSError:
            return float("nan")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def tracebacks(self) -> int:
        return self.log_path.read_text(errors="replace").count("Traceback")


class Bouncer:
    """Debian's PgBouncer in transaction mode between the nodes and PostgreSQL (README,
    "Deployment"); the nodes then run with psycopg's prepared statements off."""

    def __init__(self, database: Database, folder: Path):
        import shutil

        parts = urllib.parse.urlsplit(database.url)
        name = parts.path.lstrip("/")
        self.port = free_port()
        folder = folder / "pgbouncer"
        folder.mkdir()
        (folder / "users.txt").write_text(f'"{parts.username or "postgres"}" ""\n')
        ini = folder / "pgbouncer.ini"
        ini.write_text(
            f"[databases]\n{name} = host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} dbname={name}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder}/users.txt\npool_mode = transaction\n"
            f"max_client_conn = 2000\ndefault_pool_size = 20\nlogfile = {folder}/pgbouncer.log\n")
        command = ["pgbouncer", str(ini)]
        if os.geteuid() == 0:  # PgBouncer will not run as root
            folder.parent.chmod(0o711)  # mkdtemp's 0700: let the postgres user reach its folder
            for path in (folder, *folder.iterdir()):
                shutil.chown(path, "postgres")
            command = ["pgbouncer", "-u", "postgres", str(ini)]
        self.output = open(folder.parent / "pgbouncer.out", "w")
        self.process = subprocess.Popen(command, stdout=self.output, stderr=subprocess.STDOUT)
        self.url = urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{self.port}"))
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"pgbouncer did not start: {(folder.parent / 'pgbouncer.out').read_text()[-2000:]}")
                time.sleep(0.2)

    def env(self, database: Database) -> dict:
        return dict(database.env(), DATABASE_URL=self.url, TONGHOP_PG_PREPARE_THRESHOLD="none")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.output.close()


class Nodes:
    """Several independent gunicorn instances on one database, as on several machines
    behind nginx: each its own master, workers and port; people are spread over them."""

    def __init__(self, database: Database, count: int, workers: int, folder: Path, env: dict | None = None):
        self.servers = []
        for n in range(count):
            (folder / f"node{n}").mkdir(exist_ok=True)
            self.servers.append(Server(database, workers, folder / f"node{n}", env))
        self.process = self.servers[0].process  # py-spy follows the first node

    @property
    def port(self) -> int:
        return self.servers[0].port

    def port_for(self, n: int) -> int:
        return self.servers[n % len(self.servers)].port

    def wait_ready(self) -> None:
        for server in self.servers:
            server.wait_ready()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def cpu_seconds(self) -> float:
        return sum(server.cpu_seconds() for server in self.servers)

    def tracebacks(self) -> int:
        return sum(server.tracebacks() for server in self.servers)


# --- the load generator: a small HTTP/1.0 client on asyncio --------------------------------

@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: str


class Browser:
    """One person's cookies and CSRF token; each request is its own connection (gunicorn's
    sync workers close after every response, as browsers behind nginx see them do)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    async def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.0", f"Host: 127.0.0.1:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            raw = await reader.read()
        finally:
            writer.close()
        head, _, payload = raw.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        reply_headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head_lines[1:] if ":" in line]
        for name, value in reply_headers:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        return Reply(int(head_lines[0].split()[1]), reply_headers, payload.decode("utf-8", "replace"))

    async def login(self, username: str) -> None:
        page = await self.request("GET", "/login")
        token = CSRF_FORM.search(page.body).group(1)
        reply = await self.request("POST", "/login", {"csrf_token": token, "username": username, "password": PASSWORD})
        if reply.status not in (302, 303):
            raise SystemExit(f"login of {username} answered {reply.status}")
        home = await self.request("GET", "/")
        self.token = CSRF_HEADER.search(home.body).group(1)


@dataclass
class Stats:
    ok: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def merge(self, other: "Stats") -> None:
        self.ok += other.ok
        self.errors += other.errors
        self.latencies += other.latencies


@dataclass
class Ack:
    value: int
    at: float  # monotonic time the 200 arrived


class Officer:
    def __init__(self, port: int, username: str, submission: int, versions: dict[str, int], row_id: int):
        self.browser = Browser(port)
        self.anonymous = Browser(port)  # the floor endpoint has no login: no cookies
        self.username = username
        self.submission = submission
        self.versions = versions  # key → version last acknowledged
        self.row_id = row_id  # the floor endpoint's row: in this officer's report, a key no save touches
        self.counter = {key: 0 for key in KEYS}
        self.acks: dict[str, list[Ack]] = {key: [] for key in KEYS}
        self.turn = 0
        self.busy = asyncio.Lock()

    async def save(self, stats: Stats, due: float | None = None) -> None:
        key = KEYS[self.turn % len(KEYS)]
        self.turn += 1
        self.counter[key] += 1
        n = 1000 + self.counter[key]
        typed = NARRATIVE.format(n=n) if key.endswith("/text") else str(n)
        start = due if due is not None else time.monotonic()
        answered = await counted(stats, "save", self.browser.request(
            "POST", f"/submissions/{self.submission}/save",
            {f"v.{key}": typed, f"ver.{key}": str(self.versions[key])},
            {"HX-Request": "true", "X-CSRFToken": self.browser.token}), start)
        if answered is not None:
            self.versions[key] += 1
            self.acks[key].append(Ack(n, answered))

    async def bare_update(self, stats: Stats) -> None:
        self.counter["floor"] = self.counter.get("floor", 0) + 1
        await counted(stats, "floor", self.anonymous.request(
            "POST", "/bench/update", {"v": str(self.counter["floor"]), "id": str(self.row_id)}), time.monotonic())


async def counted(stats: Stats, label: str, request, start: float) -> float | None:
    """Await one request: a 200 is counted with its latency since ``start`` (its due time when
    paced) and the moment it answered is returned; anything else is an error, None."""
    try:
        reply = await asyncio.wait_for(request, TIMEOUT)
    except (OSError, asyncio.TimeoutError) as exc:
        stats.errors.append(f"{label} {type(exc).__name__}")
        return None
    if reply.status != 200:
        stats.errors.append(f"{label} {reply.status}")
        return None
    now = time.monotonic()
    stats.ok += 1
    stats.latencies.append(now - start)
    return now


async def closed_loop(officers: list[Officer], seconds: float, pause: float, floor: bool) -> tuple[Stats, float]:
    """Every officer works flat out with short pauses until the time is up: the saturated rate."""
    stats = Stats()
    start = time.monotonic()
    stop = start + seconds

    async def work(officer: Officer) -> None:
        while time.monotonic() < stop:
            async with officer.busy:
                await (officer.bare_update(stats) if floor else officer.save(stats))
            await asyncio.sleep(random.uniform(0, pause))

    await asyncio.gather(*(work(o) for o in officers))
    return stats, time.monotonic() - start


async def paced(officers: list[Officer], rate: float, seconds: float) -> Stats:
    """Saves due at a fixed rate, round-robin over the officers, each officer one at a time."""
    stats = Stats()
    start = time.monotonic()
    tasks = []

    async def one(officer: Officer, due: float) -> None:
        async with officer.busy:
            if time.monotonic() - due > MAX_LAG:
                stats.errors.append("paced save not sent: server too far behind")
                return
            await officer.save(stats, due=due)

    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(officers[i % len(officers)], due)))
    await asyncio.gather(*tasks)
    return stats


async def reviewers_loop(browsers: list[Browser], round_id: int, stop: asyncio.Event, pause: float,
                         stats: Stats) -> Stats:

    async def look(browser: Browser, path: str) -> None:
        await counted(stats, f"review {path}", browser.request("GET", path), time.monotonic())

    async def work(browser: Browser, offset: float) -> None:
        await asyncio.sleep(offset)
        while not stop.is_set():
            for path in (f"/rounds/{round_id}", f"/rounds/{round_id}/consolidated"):
                await look(browser, path)
                try:
                    await asyncio.wait_for(stop.wait(), pause)
                except asyncio.TimeoutError:
                    pass

    await asyncio.gather(*(work(b, i * pause / max(1, len(browsers))) for i, b in enumerate(browsers)))
    return stats


# --- checks afterwards ---------------------------------------------------------------------

def stored_state(database: Database, officers: list[Officer]) -> tuple[dict, dict]:
    """(submission, key) → stored number (texts: their update number); submission → edit log rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database.url.replace("postgresql://", "postgresql+psycopg://", 1))
    ids = [o.submission for o in officers]
    try:
        with engine.connect() as conn:
            values = {}
            for sid, key, number, words in conn.execute(text(
                    "SELECT submission_id, key, int_value, text_value FROM submission_value WHERE submission_id IN "
                    f"({','.join(map(str, ids))})")):
                if words is not None:
                    match = TEXT_NUMBER.search(words)
                    number = int(match.group(1)) if match else None
                values[(sid, key)] = number
            logged = dict(conn.execute(text(
                "SELECT submission_id, count(*) FROM change_log WHERE action = 'edit' AND submission_id IN "
                f"({','.join(map(str, ids))}) GROUP BY submission_id")).all())
    finally:
        engine.dispose()
    return values, logged


def count_lost(database: Database, officers: list[Officer], before: float | None = None,
               check_log: bool = True) -> tuple[int, int]:
    """(acknowledged values checked, lost): with ``before``, only saves acknowledged before then."""
    values, logged = stored_state(database, officers)
    checked = lost = 0
    for officer in officers:
        acked = 0
        for key, acks in officer.acks.items():
            relevant = [a for a in acks if before is None or a.at < before]
            acked += len(relevant)
            if not relevant:
                continue
            checked += 1
            stored = values.get((officer.submission, key))
            if stored is None or stored < relevant[-1].value:
                lost += 1
        if check_log:
            lost += max(0, acked - logged.get(officer.submission, 0))
    return checked, lost


def initial_versions(database: Database, officers_data: list[dict]) -> tuple[dict, dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database.url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT submission_id, key, version, id FROM submission_value")).all()
    finally:
        engine.dispose()
    versions = {(sid, key): version for sid, key, version, _ in rows}
    row_ids = {sid: row_id for sid, key, _, row_id in rows if key == FLOOR_KEY}
    return versions, row_ids


def restore_and_check(database: Database, archive: Path, officers: list[Officer], backup_started: float,
                      pg_url: str) -> tuple[int, int]:
    target = Database.scratch(database.kind, pg_url, suffix="_restored")
    try:
        subprocess.run([VENV_BIN / "flask", "restore", "--yes", str(archive)], cwd=ROOT, env=target.env(), check=True,
                       capture_output=True)
        return count_lost(target, officers, before=backup_started, check_log=False)
    finally:
        target.drop()


# --- the run -------------------------------------------------------------------------------

def pct(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


async def drive(args, server: Nodes, data: dict, database: Database) -> dict:
    versions, row_ids = initial_versions(database, data["officers"])
    officers = [Officer(server.port_for(n), o["username"], o["submission"],
                        {key: versions.get((o["submission"], key), 0) for key in KEYS}, row_ids[o["submission"]])
                for n, o in enumerate(data["officers"])]
    reviewers = [Browser(server.port_for(n)) for n in range(len(data["reviewers"]))]
    for group in range(0, len(officers), 10):
        await asyncio.gather(*(o.browser.login(o.username) for o in officers[group:group + 10]))
    await asyncio.gather(*(b.login(name) for b, name in zip(reviewers, data["reviewers"])))
    stop = asyncio.Event()
    pages = Stats()  # the reviewers', filled as they go
    review = asyncio.create_task(reviewers_loop(reviewers, data["round"], stop, args.review_pause, pages))
    # Warm-up: every worker imports templates and fills its statement caches.
    await closed_loop(officers, args.warmup, args.pause, floor=False)
    await closed_loop(officers, min(args.warmup, 2), args.pause, floor=True)
    # The reviewers alone: the server CPU of one of their pages, taken out of each phase's
    # CPU per request below for the pages served meanwhile.
    server_before, pages_before = server.cpu_seconds(), pages.ok
    await asyncio.sleep(max(2.0, args.seconds / 3))
    cpu_per_page = (server.cpu_seconds() - server_before) / max(1, pages.ok - pages_before) if data["reviewers"] else 0.0
    result = {"floor": Stats(), "saves": Stats(), "floor_s": 0.0, "saves_s": 0.0, "backup": None,
              "cpu": {"floor": 0.0, "saves": 0.0, "floor_gen": 0.0, "saves_gen": 0.0}}
    cpu = result["cpu"]

    async def measured(kind: str, floor: bool) -> tuple[Stats, float]:
        # Server CPU (master + workers, reviewers' pages included) and the generator's own.
        server_before, generator_before, pages_before = server.cpu_seconds(), time.process_time(), pages.ok
        outcome = await closed_loop(officers, args.seconds, args.pause, floor=floor)
        cpu[kind] += server.cpu_seconds() - server_before - cpu_per_page * (pages.ok - pages_before)
        cpu[kind + "_gen"] += time.process_time() - generator_before
        return outcome

    for run in range(args.repeat):
        floor, floor_s = await measured("floor", floor=True)
        backup = profile = None
        if run == 0 and args.backup_during:
            backup = asyncio.create_task(take_backup(args, database))
        if run == 0 and args.profile:
            profile = asyncio.create_task(record_profile(args, server))
        saves, saves_s = await measured("saves", floor=False)
        if profile is not None:
            await profile
        if backup is not None:
            result["backup"] = await backup
        result["floor"].merge(floor)
        result["saves"].merge(saves)
        result["floor_s"] += floor_s
        result["saves_s"] += saves_s
        print(f"  run {run + 1}: floor {floor.ok / floor_s:.0f}/s, autosave {saves.ok / saves_s:.0f}/s "
              f"(ratio {saves.ok / saves_s / max(floor.ok / floor_s, 1e-9):.2f})", flush=True)
    result["paced"] = await paced(officers, args.rate, args.paced_seconds)
    stop.set()
    result["review"] = await review
    result["officers"] = officers
    result["cpu_per_page"] = cpu_per_page
    return result


async def record_profile(args, server: Server) -> None:
    """py-spy samples every gunicorn process through the autosave phase; prints where the time goes."""
    out = Path(args.profile) / "autosave-phase.txt"
    process = await asyncio.create_subprocess_exec(
        VENV_BIN / "py-spy", "record", "--pid", str(server.process.pid), "--subprocesses", "--nonblocking",
        "--format", "raw", "--rate", "250", "--duration", str(max(1, int(args.seconds) - 1)), "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await process.wait()
    if out.exists():
        print(profile_summary(out.read_text()), flush=True)


def profile_summary(collapsed: str, top: int = 30) -> str:
    """Inclusive share of samples per function (each counted once per stack), busiest first."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            name = re.sub(r" \((?:.*/)?(site-packages/)?", " (", frame)
            inclusive[name] = inclusive.get(name, 0) + int(count)
    lines = [f"  py-spy, autosave phase, {total} samples (all gunicorn processes, idle included):"]
    for name, count in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"  {100 * count / max(total, 1):5.1f}%  {name}")
    return "\n".join(lines)


async def take_backup(args, database: Database) -> tuple[float, Path]:
    await asyncio.sleep(args.seconds / 2)
    archive = Path(args.backup_during) / f"load-{database.kind}.tar.gz"
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(VENV_BIN / "flask", "backup", str(archive), cwd=ROOT,
                                                   env=database.env(), stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"flask backup failed: {output.decode()[-2000:]}")
    print(f"  backup under load: {output.decode().strip()} ({time.monotonic() - started:.1f} s)", flush=True)
    return started, archive


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("TONGHOP_LOAD_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="PostgreSQL server where the scratch database is created (and dropped)")
    parser.add_argument("--workers", type=int, default=4, help="sync workers per node")
    parser.add_argument("--pgbouncer", action="store_true",
                        help="PostgreSQL: the nodes connect through PgBouncer in transaction mode")
    parser.add_argument("--nodes", type=int, default=1,
                        help="independent gunicorn instances (ports) on the one database; people spread over them")
    parser.add_argument("--officers", type=int, default=100)
    parser.add_argument("--reviewers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15, help="length of each saturated phase")
    parser.add_argument("--repeat", type=int, default=2, help="floor/autosave phase pairs")
    parser.add_argument("--pause", type=float, default=0.02, help="officers' longest pause between saves (s)")
    parser.add_argument("--review-pause", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=200, help="paced saves per second")
    parser.add_argument("--paced-seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--backup-during", metavar="DIR", help="take a backup mid-run, restore it and check it")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the workers through the first autosave phase")
    parser.add_argument("--quick", action="store_true", help="2 workers, 6 officers, 1 reviewer, a few seconds")
    args = parser.parse_args(argv)
    if args.quick:
        args.workers, args.officers, args.reviewers, args.seconds, args.repeat = 2, 6, 1, 3, 1
        args.rate, args.paced_seconds, args.warmup, args.review_pause = 20, 2, 1, 0.5
    began = time.monotonic()
    database = Database.scratch(args.db, args.pg_url)
    folder = Path(tempfile.mkdtemp(prefix="tonghop-load-server-"))
    server = bouncer = None
    try:
        data = prepare(database, args.officers, args.reviewers)
        if args.pgbouncer:
            bouncer = Bouncer(database, folder)
        server = Nodes(database, args.nodes, args.workers, folder, bouncer.env(database) if bouncer else None)
        server.wait_ready()
        print(f"database {args.db}{' through PgBouncer (transaction mode)' if bouncer else ''}, {args.nodes} node(s) of gunicorn with {args.workers} sync workers each, "
              f"{args.officers} officers, "
              f"{args.reviewers} reviewers, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
              f"(set up in {time.monotonic() - began:.0f} s)", flush=True)
        result = asyncio.run(drive(args, server, data, database))
    finally:
        if server is not None:
            server.stop()
        if bouncer is not None:
            bouncer.stop()
    try:
        tracebacks = server.tracebacks()
        officers = result["officers"]
        checked, lost = count_lost(database, officers)
        backup_line = None
        if result["backup"] is not None:
            started, archive = result["backup"]
            backup_checked, backup_lost = restore_and_check(database, archive, officers, started, args.pg_url)
            lost += backup_lost
            backup_line = (f"backup taken under load, restored into a fresh database: {backup_checked} acknowledged "
                           f"values checked, {backup_lost} missing")
    finally:
        database.drop()
    floor, saves, paced_stats, review = result["floor"], result["saves"], result["paced"], result["review"]
    errors = len(floor.errors) + len(saves.errors) + len(paced_stats.errors) + len(review.errors) + tracebacks
    floor_rate = floor.ok / result["floor_s"]
    save_rate = saves.ok / result["saves_s"]
    p95 = pct(paced_stats.latencies, 95)
    cpu = result["cpu"]
    floor_cpu, save_cpu = cpu["floor"] / max(floor.ok, 1) * 1000, cpu["saves"] / max(saves.ok, 1) * 1000
    print(f"floor (bare UPDATE endpoint), saturated: {floor_rate:.0f}/s ({floor.ok} in {result['floor_s']:.0f} s), "
          f"p50 {pct(floor.latencies, 50):.0f} ms")
    print(f"autosave, saturated: {save_rate:.0f}/s ({saves.ok} in {result['saves_s']:.0f} s), "
          f"p50 {pct(saves.latencies, 50):.0f} ms; ratio to floor {save_rate / floor_rate:.2f}; "
          f"goal ≥ {max(200, floor_rate / 3):.0f}/s")
    print(f"server CPU per request (gunicorn master + workers, reviewers' share taken out): floor {floor_cpu:.2f} ms, "
          f"autosave {save_cpu:.2f} ms (×{save_cpu / floor_cpu:.2f}); load generator "
          f"{cpu['floor_gen'] / max(floor.ok, 1) * 1000:.2f} / {cpu['saves_gen'] / max(saves.ok, 1) * 1000:.2f} ms")
    print(f"autosave paced at {args.rate:.0f}/s for {args.paced_seconds:.0f} s: {paced_stats.ok} saved, "
          f"p50 {pct(paced_stats.latencies, 50):.1f} ms, p95 {p95:.1f} ms, p99 {pct(paced_stats.latencies, 99):.1f} ms, "
          f"max {pct(paced_stats.latencies, 100):.0f} ms")
    print(f"reviewer pages (board, consolidated): {review.ok}, p50 {pct(review.latencies, 50):.0f} ms, "
          f"p95 {pct(review.latencies, 95):.0f} ms, server CPU {result['cpu_per_page'] * 1000:.0f} ms each")
    if backup_line:
        print(backup_line)
    kinds: dict[str, int] = {}
    for error in floor.errors + saves.errors + paced_stats.errors + review.errors:
        kinds[error] = kinds.get(error, 0) + 1
    print(f"errors by kind: {kinds or 'none'}; server tracebacks {tracebacks}; "
          f"acknowledged values checked {checked}; wall time {time.monotonic() - began:.0f} s")
    print(f"saves_per_s {save_rate:.0f} floor_per_s {floor_rate:.0f} p95_ms {p95:.0f} errors {errors} lost {lost}")


if __name__ == "__main__":
    main()
