"""Report PDFs: conversion speed, peak memory, and page requests while PDFs convert.

    .venv/bin/python bench/pdf.py            # 12 communes, 3 timed conversions, 10 concurrent requests
    .venv/bin/python bench/pdf.py --quick    # fewer of each

A throwaway SQLite database (WAL) holds a district of filled, approved quarterly reports,
each with its Word settings saved (signer named).

1. Conversion: the district's consolidated report and communes' own reports are converted
   one after another by the job runner in this process (run_once: Word file, LibreOffice
   headless to PDF/A-2b, signature field). Pages per second over the whole job, and the
   peak resident memory of the largest LibreOffice process (getrusage of children) and of
   this Python process.
2. Concurrency: gunicorn (4 sync workers) and one `flask worker` (2 threads, at most 2 jobs
   at once over the installation) on that database. An administrator loads the round's
   board 40 times in a row (the baseline); then 10 PDF requests are posted at once (10
   reports) and, while the worker converts them, the board is loaded 40 times again. Each
   page request's time is measured by the client; the ratio of the p95 under conversion to
   the baseline's p95 is the figure, and no page request may take longer than the
   baseline's slowest by more than the ratio shown. The PDF requests themselves only queue
   a job: their time is printed too.

Last line: `pages_per_s <n> lo_peak_mb <n> page_p95_ratio <r> max_running <n> jobs_done <n>/10`.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import http.cookiejar
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, bench_app, percentile, quarterly_values

VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-password-1"
CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def build(app, communes: int) -> dict:
    from app.demo import seed_fields
    from app.extensions import db
    from app.models import User
    from app.services.document_settings import save_settings
    from tests.factories import make_round, make_tree, set_values, submission_for

    with app.app_context():
        seed_fields()
        db.session.commit()
        province, district, units = make_tree(communes=communes)
        round_ = make_round(district, expected=units)
        signers = {}
        for n, unit in enumerate(units):
            sub = submission_for(round_, unit)
            set_values(sub, quarterly_values(round_, n), status="approved")
            signers[sub.id] = f"Nguyễn Văn Ký {n}"
            save_settings(unit, round_.id, {"symbol": "BC-UBND", "recipient": "UBND huyện Thử Nghiệm",
                                            "signer_title": "CHỦ TỊCH", "signer_name": signers[sub.id],
                                            "signer_prefix": "TM. ỦY BAN NHÂN DÂN"})
        save_settings(district, round_.id, {"symbol": "BC-UBND", "recipient": "UBND tỉnh Thử Nghiệm",
                                            "signer_title": "PHÓ CHỦ TỊCH", "signer_name": "Lê Như Đông",
                                            "signer_prefix": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"})
        admin = User(username="bench.admin", full_name="Quản trị", role="admin", unit=province)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        return {"round": round_.id, "district": district.id, "submissions": list(signers)}


def conversions(app, world: dict, runs: int) -> tuple[float, int, float]:
    from app.extensions import db
    from app.models import ReportPdf, Submission
    from app.services.jobs import Limits, enqueue, run_once
    from app.services.report_pdf import PDF_JOB

    pages, seconds = 0, 0.0
    with app.app_context():
        reports = [(world["district"], world["round"])]
        for sid in world["submissions"][: runs - 1]:
            sub = db.session.get(Submission, sid)
            reports.append((sub.unit_id, sub.round_id))
        for unit_id, round_id in reports[:runs]:
            enqueue(PDF_JOB, {"unit_id": unit_id, "round_id": round_id, "provisional": False})
            db.session.commit()
            start = time.perf_counter()
            job = run_once(Limits())
            elapsed = time.perf_counter() - start
            if job.state != "done":
                raise SystemExit(f"job failed: {job.message}")
            row = db.session.query(ReportPdf).filter(ReportPdf.job_id == job.id).one()
            print(f"  {'consolidation' if unit_id == world['district'] else 'commune report':<15} "
                  f"{row.pages:>3} pages {elapsed:6.2f} s {row.size // 1024:>5} KB")
            pages += row.pages
            seconds += elapsed
    lo_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return pages / seconds, pages, lo_peak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(jar)
        self.no_redirect = urllib.request.build_opener(jar, NoRedirect())
        self.token = ""

    def get(self, path: str) -> tuple[int, float, str]:
        start = time.perf_counter()
        with self.opener.open(self.base + path, timeout=60) as reply:
            body = reply.read().decode()
            return reply.status, time.perf_counter() - start, body

    def post(self, path: str, form: dict) -> tuple[int, float]:
        """The POST alone: its 303 is not followed (the page it leads to is another request)."""
        start = time.perf_counter()
        data = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        try:
            with self.no_redirect.open(self.base + path, data=data, timeout=60) as reply:
                reply.read()
                status = reply.status
        except urllib.error.HTTPError as reply:
            status = reply.code
        return status, time.perf_counter() - start

    def login(self) -> None:
        self.token = CSRF_FORM.search(self.get("/login")[2]).group(1)
        status, _ = self.post("/login", {"username": "bench.admin", "password": PASSWORD})
        assert status == 303, status
        self.token = CSRF_HEADER.search(self.get("/signatures/trust")[2]).group(1)


def wait_ready(port: int, log: Path) -> None:
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not start: {log.read_text()[-2000:]}")


def board_times(client: Client, round_id: int, n: int) -> list[float]:
    times = []
    for _ in range(n):
        status, elapsed, _ = client.get(f"/rounds/{round_id}")
        assert status == 200
        times.append(elapsed)
    return times


def concurrency(app, world: dict, requests: int, pages: int) -> tuple[float, int, int]:
    from sqlalchemy import create_engine, text

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    folder = Path(tempfile.mkdtemp(prefix="tonghop-bench-pdf-"))
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "TONGHOP_JOB_MAX_RUNNING": "2",
           "PYTHONPATH": str(ROOT)}
    port = free_port()
    web_log, worker_log = folder / "gunicorn.log", folder / "worker.log"
    web = subprocess.Popen([VENV_BIN / "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT,
                           env=env, stdout=web_log.open("w"), stderr=subprocess.STDOUT)
    worker = subprocess.Popen([VENV_BIN / "flask", "worker", "--threads", "2", "--poll", "0.5"], cwd=ROOT, env=env,
                              stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
    engine = create_engine(url)
    try:
        wait_ready(port, web_log)
        client = Client(port)
        client.login()
        board_times(client, world["round"], 5)  # warm every worker
        baseline = board_times(client, world["round"], pages)
        targets = world["submissions"][:requests]
        posters = [Client(port) for _ in targets]
        for poster in posters:
            poster.login()
        running_seen = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                with engine.connect() as conn:
                    running_seen[0] = max(running_seen[0], conn.execute(
                        text("SELECT count(*) FROM job WHERE state = 'running'")).scalar())
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
            posted = list(pool.map(lambda pair: pair[0].post(f"/signatures/submissions/{pair[1]}/pdf", {}),
                                   zip(posters, targets)))
        during = board_times(client, world["round"], pages)
        with engine.connect() as conn:
            still = conn.execute(text("SELECT count(*) FROM job WHERE state IN ('queued', 'running')")).scalar()
        deadline = time.perf_counter() + 600
        done = 0
        while time.perf_counter() < deadline:
            with engine.connect() as conn:
                done = conn.execute(text("SELECT count(*) FROM job WHERE state = 'done'")).scalar()
                failed = conn.execute(text("SELECT count(*) FROM job WHERE state = 'failed'")).scalar()
            if done + failed >= len(targets):
                break
            time.sleep(0.5)
        total = time.perf_counter() - started
        stop.set()
        assert all(status == 303 for status, _ in posted), posted
        post_times = [t for _, t in posted]
        print(f"  10 PDF requests answered: p50 {percentile(post_times, 50) * 1000:.0f} ms, "
              f"max {max(post_times) * 1000:.0f} ms (they queue a job); {done}/{len(targets)} PDFs done in {total:.1f} s")
        print(f"  board, alone:           p50 {percentile(baseline, 50) * 1000:6.1f} ms  p95 {percentile(baseline, 95) * 1000:6.1f} ms"
              f"  max {max(baseline) * 1000:6.1f} ms")
        print(f"  board, PDFs converting: p50 {percentile(during, 50) * 1000:6.1f} ms  p95 {percentile(during, 95) * 1000:6.1f} ms"
              f"  max {max(during) * 1000:6.1f} ms  ({still} jobs still queued or running after the {pages} loads)")
        print(f"  jobs running at once, most seen: {running_seen[0]} (limit 2)")
        ratio = percentile(during, 95) / percentile(baseline, 95)
        return ratio, running_seen[0], done
    finally:
        for process in (worker, web):
            process.terminate()
        for process in (worker, web):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    communes, runs, pages = (10, 2, 20) if args.quick else (12, 3, 40)
    app = bench_app("pdf")
    world = build(app, communes)
    print(f"Conversions, one at a time ({runs}):")
    pages_per_s, total_pages, lo_peak = conversions(app, world, runs)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {total_pages} pages, {pages_per_s:.2f} pages/s; peak RSS LibreOffice {lo_peak:.0f} MB, "
          f"this Python process {self_peak:.0f} MB")
    print("Page requests while 10 PDFs are requested at once:")
    ratio, running, done = concurrency(app, world, 10, pages)
    print(f"pages_per_s {pages_per_s:.2f} lo_peak_mb {lo_peak:.0f} page_p95_ratio {ratio:.2f} "
          f"max_running {running} jobs_done {done}/10")


if __name__ == "__main__":
    main()
