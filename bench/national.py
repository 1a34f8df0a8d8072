"""A national round in PostgreSQL (issue 24): the Government Office → 34 provinces → about
4,000 reporting units (communes and provincial departments).

    .venv/bin/python bench/national.py                    # 4,000 units, then 100 for the growth
    .venv/bin/python bench/national.py --units 4000 --base 100 --profile

For each size the bench creates a PostgreSQL database (``--db``, default
postgresql://postgres@127.0.0.1:5432/test_national_bench; dropped at the end), builds the
tree with bulk inserts, fills this quarter and the previous one (every unit's report
approved), consolidates every province and sends it upward (all but one), then starts a
fresh worker process which times, through the Flask test client in-process, the province's
board, the national board, the national consolidated page, one suggestion panel, the
national Word and Excel, and the last province's upward page and its sending: server
CPU (the worker's ``time.process_time`` plus the CPU of the PostgreSQL backends serving it,
read from /proc) and wall time (``perf_counter``), median of 3 (sending once). The
worker's peak resident memory (``ru_maxrss``) is the peak per worker: it holds the app,
the pages and the exports, not the building.

Goals: every page < 500 ms server CPU, Word and Excel < 5 s, peak < 300 MB, growth =
(server CPU at 4,000 ÷ at 100) ÷ 40 ≤ 1.3, over the summed server CPU of all the timed
requests (each request's own growth is printed too). Last line:
``national_ok pages_ms … word_s … xlsx_s … peak_mb … growth …`` or ``national_failed …``
naming what missed.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime

from _setup import ROOT, quarterly_values  # noqa: F401  (puts the project on sys.path)
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.models import OrgUnit, ReportingRound, Submission, SubmissionValue

PROVINCES = 34
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test_national_bench"
DEPARTMENT_SHARE = 0.17  # about 680 of 4,000: a province's sở, ban, ngành
THIS, PREVIOUS = (2026, 3), (2026, 2)
PAGE_GOAL_MS, FILE_GOAL_S, PEAK_GOAL_MB, GROWTH_GOAL = 500, 5.0, 300, 1.3


def driver_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def recreate(url: str, drop_only: bool = False) -> None:
    parsed = make_url(driver_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            # A throwaway database: no wait for the disk at each commit of the building.
            conn.execute(text(f'ALTER DATABASE "{parsed.database}" SET synchronous_commit = off'))
    admin.dispose()


def make_app(url: str):
    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = driver_url(url)
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    return create_app(BenchConfig)


def insert_units(parent: OrgUnit, count: int, first_sort: int) -> None:
    """``count`` communes and departments under a province: one INSERT, one UPDATE for paths."""
    departments = int(count * DEPARTMENT_SHARE)
    rows = []
    for i in range(count):
        department = i >= count - departments
        kind = "department" if department else "commune"
        name = f"Sở Số {i + 1} {parent.place_name}" if department else f"Xã {parent.place_name} {i + 1}"
        rows.append({"code": f"{parent.code}.{'S' if department else 'X'}{i + 1:04d}", "name": name, "kind": kind,
                     "place_name": name.split(" ", 1)[1], "parent_id": parent.id, "path": "/",
                     "sort_order": first_sort + i, "active": True})
    db.session.execute(insert(OrgUnit), rows)
    db.session.execute(update(OrgUnit).where(OrgUnit.parent_id == parent.id)
                       .values(path=parent.path + OrgUnit.id.cast(db.String) + "/"))


def fill_round(round_, units: list[int], samples: list[dict], offset: int) -> None:
    """Every unit's report, approved: bulk rows (the round opened with one unit)."""
    have = {s.unit_id for s in round_.submissions}
    now = datetime(2026, 10, 5, 2, 0)
    missing = [{"round_id": round_.id, "unit_id": u, "status": "approved", "version": 1, "first_submitted_at": now,
                "submitted_at": now, "approved_at": now, "updated_at": now} for u in units if u not in have]
    if missing:  # an empty list would insert one row of defaults
        db.session.execute(insert(Submission), missing)
    db.session.execute(update(Submission).where(Submission.round_id == round_.id).values(
        status="approved", first_submitted_at=now, submitted_at=now, approved_at=now, updated_at=now))
    ids = db.session.execute(select(Submission.id, Submission.unit_id).where(Submission.round_id == round_.id)).all()
    db.session.execute(SubmissionValue.__table__.delete().where(
        SubmissionValue.submission_id.in_(select(Submission.id).where(Submission.round_id == round_.id))))
    rows = []
    for sid, unit_id in ids:
        for key, value in samples[(unit_id + offset) % len(samples)].items():
            rows.append({"submission_id": sid, "key": key, "version": 1,
                         "int_value": value if isinstance(value, int) else None,
                         "text_value": value if isinstance(value, str) else None})
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(SubmissionValue), rows[start:start + 20_000])


def build(units_total: int) -> dict:
    """The tree, two quarters filled, every province but the last sent upward."""
    from app.demo import seed_fields
    from app.services.consolidation import load_consolidation, submit_upward, upward_submission
    from app.services.orgtree import add_unit
    from tests.factories import make_round, make_user

    seed_fields()
    central = add_unit("VPCP", "Văn phòng Chính phủ", "central", place_name="Hà Nội")
    provinces = [add_unit(f"T{i:02d}", f"Tỉnh Số {i}", "province", central, place_name=f"Số {i}", sort_order=i)
                 for i in range(1, PROVINCES + 1)]
    db.session.flush()
    below = units_total - PROVINCES
    for i, province in enumerate(provinces):
        insert_units(province, below // PROVINCES + (1 if i < below % PROVINCES else 0), 1)
    db.session.commit()
    children = {p.id: list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == p.id))) for p in provinces}
    reviewers = {p.id: make_user(p, role="reviewer", username=f"tonghop.{p.code.lower()}") for p in provinces}
    office = make_user(central, role="reviewer", username="tonghop.vpcp")
    samples = None
    rounds = {}
    for offset, (year, quarter) in enumerate((PREVIOUS, THIS)):
        national = make_round(central, year=year, index=quarter, expected=provinces, deadline=date(2030, 12, 31))
        for province in provinces:
            first = db.session.get(OrgUnit, children[province.id][0])
            round_ = make_round(province, year=year, index=quarter, expected=[first], deadline=date(2030, 12, 1))
            samples = samples or [quarterly_values(round_, seed) for seed in range(1, 11)]
            fill_round(round_, children[province.id], samples, offset)
            db.session.commit()
            rounds[(year, quarter, province.id)] = round_.id
        # Each province consolidates and sends upward (the last one of this quarter is timed).
        for province in provinces:
            if (year, quarter) == THIS and province is provinces[-1]:
                continue
            round_ = db.session.get(ReportingRound, rounds[(year, quarter, province.id)])
            problems = submit_upward(load_consolidation(round_), upward_submission(round_), reviewers[province.id])
            assert not problems, problems
            db.session.commit()
        db.session.execute(update(Submission).where(Submission.round_id == national.id,
                                                    Submission.status == "submitted").values(status="approved"))
        db.session.commit()
        rounds[(year, quarter)] = national.id
    counted = db.session.scalar(select(db.func.count()).select_from(SubmissionValue))
    last = provinces[-1]
    return {"national": rounds[THIS], "province_round": rounds[(*THIS, provinces[0].id)],
            "last_round": rounds[(*THIS, last.id)], "office": office.username,
            "province_reviewer": reviewers[provinces[0].id].username, "last_reviewer": reviewers[last.id].username,
            "units": db.session.scalar(select(db.func.count()).select_from(OrgUnit)), "values": counted}


def backend_cpu() -> float:
    """CPU seconds of the PostgreSQL backends serving this database (same machine): the
    database's share of the server time, which the worker's own process_time leaves out."""
    total = 0.0
    pids = db.session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def timed(client, method: str, url: str, repeat: int, **kw) -> dict:
    cpu, wall, database = [], [], []
    status = None
    for _ in range(repeat):
        d0 = backend_cpu()
        c0, w0 = time.process_time(), time.perf_counter()
        response = getattr(client, method)(url, **kw)
        body = response.get_data()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        database.append(backend_cpu() - d0)
        status = response.status_code
        response.close()
        assert status in (200, 303), (url, status, body[:300])
    return {"app": statistics.median(cpu), "database": statistics.median(database),
            "cpu": statistics.median([a + b for a, b in zip(cpu, database)]),
            "wall": statistics.median(wall), "status": status, "bytes": len(body)}


def measure(url: str, info: dict, profile: bool) -> dict:
    """In a fresh process: the worker's view of the national round."""
    from flask import g

    app = make_app(url)
    results = {}
    with app.app_context():
        client = app.test_client()

        def sign_in(username: str) -> None:
            client.post("/logout")
            g.pop("_login_user", None)
            response = client.post("/login", data={"username": username, "password": "secret123"})
            g.pop("_login_user", None)
            assert response.status_code == 303, response.get_data(as_text=True)[:300]

        national, province_round = info["national"], info["province_round"]
        sign_in(info["province_reviewer"])
        results["province board"] = timed(client, "get", f"/rounds/{province_round}", 3)
        sign_in(info["last_reviewer"])
        # The page the reviewer reads before sending (what is lacking), then the sending.
        results["upward confirmation page"] = timed(client, "get", f"/rounds/{info['last_round']}/upward", 3)
        results["send one province upward"] = timed(client, "post", f"/rounds/{info['last_round']}/upward", 1,
                                                    data={"confirm": "1"})
        sign_in(info["office"])
        # The last province's report, now submitted, approved like the others.
        with app.app_context():
            db.session.execute(update(Submission).where(Submission.round_id == national).values(status="approved"))
            db.session.commit()
        pages = {
            "national board": f"/rounds/{national}",
            "national consolidated": f"/rounds/{national}/consolidated",
            "suggestion panel": f"/rounds/{national}/suggestions/I.2",
        }
        for name, page in pages.items():
            results[name] = timed(client, "get", page, 3)
        results["national word"] = timed(client, "get", f"/exports/rounds/{national}.docx", 3)
        results["national excel"] = timed(client, "get", f"/exports/rounds/{national}.xlsx", 3)
        if profile:
            from pyinstrument import Profiler

            for name in ("national consolidated", "national board", "national word"):
                url_ = pages.get(name) or f"/exports/rounds/{national}.docx"
                profiler = Profiler()
                profiler.start()
                client.get(url_).close()
                profiler.stop()
                print(f"--- {name}", file=sys.stderr)
                print(profiler.output_text(unicode=True, color=False, show_all=False)[:6000], file=sys.stderr)
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def run_size(url: str, units: int, profile: bool) -> dict:
    recreate(url)
    try:
        app = make_app(url)
        started = time.perf_counter()
        with app.app_context():
            db.create_all()
            info = build(units)
            db.session.remove()
            db.engine.dispose()
        built = time.perf_counter() - started
        child = subprocess.run([sys.executable, __file__, "--child", json.dumps(info), "--db", url]
                               + (["--profile"] if profile else []), capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(f"national_failed worker: {child.stderr[-2000:]}")
        if profile:
            print(child.stderr, file=sys.stderr)
        results = json.loads(child.stdout.strip().splitlines()[-1])
        results["built_s"] = built
        results["info"] = info
        return results
    finally:
        recreate(url, drop_only=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--base", type=int, default=100)
    parser.add_argument("--db", default=os.environ.get("NATIONAL_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.db, json.loads(args.child), args.profile)))
        return
    sizes = {}
    for units in (args.base, args.units):
        sizes[units] = run_size(args.db, units, args.profile and units == args.units)
        r = sizes[units]
        print(f"{r['info']['units']} units ({r['info']['values']} values), built in {r['built_s']:.0f} s; "
              f"worker peak {r['peak_mb']:.0f} MB")
        for name, m in r.items():
            if isinstance(m, dict) and "cpu" in m:
                print(f"  {name:26s} server cpu {m['cpu'] * 1000:7.1f} ms (app {m['app'] * 1000:7.1f}, database "
                      f"{m['database'] * 1000:6.1f})  wall {m['wall'] * 1000:7.1f} ms  {m['bytes']:>9,d} B")
    big, small = sizes[args.units], sizes[args.base]
    measured = [k for k, v in big.items() if isinstance(v, dict) and "cpu" in v]
    files = ("national word", "national excel")
    pages_ms = max(big[k]["cpu"] for k in measured if k not in files) * 1000
    word_s, xlsx_s = big["national word"]["cpu"], big["national excel"]["cpu"]
    peak_mb = max(big["peak_mb"], small["peak_mb"])
    ratio = args.units / args.base
    growths = {k: big[k]["cpu"] / max(small[k]["cpu"], 1e-6) / ratio for k in measured}
    for k, v in growths.items():
        print(f"  growth {k:28s} {v:.3f}")
    growth = sum(big[k]["cpu"] for k in measured) / sum(small[k]["cpu"] for k in measured) / ratio
    missed = [f"page {k} {big[k]['cpu'] * 1000:.0f} ms" for k in measured
              if k not in files and big[k]["cpu"] * 1000 >= PAGE_GOAL_MS]
    missed += [f"{k} {big[k]['cpu']:.2f} s" for k in files if big[k]["cpu"] >= FILE_GOAL_S]
    missed += [f"peak {peak_mb:.0f} MB"] if peak_mb >= PEAK_GOAL_MB else []
    missed += [f"growth {growth:.2f}"] if growth > GROWTH_GOAL else []
    figures = f"pages_ms {pages_ms:.0f} word_s {word_s:.2f} xlsx_s {xlsx_s:.2f} peak_mb {peak_mb:.0f} growth {growth:.2f}"
    print(f"national_failed {'; '.join(missed)} — {figures}" if missed else f"national_ok {figures}")


if __name__ == "__main__":
    main()
