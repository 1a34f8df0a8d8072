"""Google Lighthouse (mobile) on the entry page: a commune officer's report, median of 3 runs.

    .venv/bin/python bench/lighthouse.py [--runs 3]

Seeds the demo database (`flask db upgrade`, `flask seed-demo`) in a temp folder, serves it with
gunicorn on a free local port as production does (no proxy: the app compresses, app/transfer.py),
has the district return Xã Bình Chánh's report of the open round (the demo approves it; returned, it
is the data-entry form the officer fills in; `--approved` keeps it as seeded), signs in as its demo
officer (xa.binhchanh / demo1234) and audits the first report linked from the officer's home page. npm `lighthouse@13` is installed into the git-ignored
`.cache/lighthouse` when missing and run on Debian's chromium (CHROME_PATH=/usr/bin/chromium,
`--headless=new --no-sandbox`) with its default mobile form factor and throttling; the session
cookie travels in `--extra-headers`, so the audited page is the report, not the login page.
Prints, per run and as the median, the performance score and CLS; the last line is
`lighthouse_ok perf <n> cls <n>` when mobile performance ≥ 90 and CLS < 0.05, else
`lighthouse_failed …`.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
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
LIGHTHOUSE_DIR = ROOT / ".cache" / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
USERNAME, PASSWORD = "xa.binhchanh", "demo1234"
GOAL_PERF, GOAL_CLS = 90, 0.05

# The demo approves every report of Xã Bình Chánh; the district returns the one of the open round so
# the officer's entry page is the data-entry form (inputs, autosave), as while filling it in.
RETURN_CURRENT = """
from app import create_app
from app.extensions import db
from app.models import Submission, User
from app.services.submissions import move
app = create_app()
with app.app_context():
    officer = db.session.scalar(db.select(User).where(User.username == "xa.binhchanh"))
    current = [s for s in db.session.scalars(db.select(Submission).where(Submission.unit_id == officer.unit_id))
               if s.round.status == "open"]
    move(current[0], None, "return", "Bổ sung số liệu quý (bench/lighthouse.py)")
    db.session.commit()
"""


def ensure_lighthouse() -> None:
    if LIGHTHOUSE_BIN.exists():
        return
    print("installing lighthouse@13 into .cache/lighthouse …", flush=True)
    subprocess.run(["npm", "install", "--prefix", str(LIGHTHOUSE_DIR), "--no-audit", "--no-fund", "lighthouse@13"],
                   cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_env(folder: str, returned: bool) -> dict:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/demo.sqlite3", FLASK_APP="wsgi.py",
               PYTHONPATH=str(ROOT), SECRET_KEY="bench-only-" + "0" * 64)
    env.pop("TONGHOP_ENV", None)
    subprocess.run([VENV_BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([VENV_BIN / "flask", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    if returned:
        subprocess.run([sys.executable, "-c", RETURN_CURRENT], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def wait_ready(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log_path.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


def sign_in(base: str) -> tuple[str, str]:
    """The officer's session cookie (as a Cookie header) and the URL of the first report on the home page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": USERNAME, "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(base + "/login", data=body), timeout=30).read()
    with opener.open(base + "/", timeout=30) as response:
        home, landed = response.read().decode(), response.geturl()
    if "/login" in landed:
        raise SystemExit(f"sign-in as {USERNAME} failed")
    found = re.search(r'href="(/submissions/\d+)"', home)
    if not found:
        raise SystemExit(f"no report linked from {landed}")
    url = base + found.group(1)
    with opener.open(url, timeout=30) as response:
        if response.status != 200 or "/login" in response.geturl():
            raise SystemExit(f"{url} answered {response.status} at {response.geturl()}")
    return "; ".join(f"{c.name}={c.value}" for c in jar), url


def run_lighthouse(url: str, cookie: str, folder: Path, run: int) -> dict:
    out = folder / f"lighthouse-{run}.json"
    headers = folder / "headers.json"
    headers.write_text(json.dumps({"Cookie": cookie}))
    command = [str(LIGHTHOUSE_BIN), url, "--output=json", f"--output-path={out}", "--form-factor=mobile",
               "--only-categories=performance", f"--extra-headers={headers}",
               "--chrome-flags=--headless=new --no-sandbox", "--quiet"]
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ, CHROME_PATH=CHROME), capture_output=True, text=True)
    if done.returncode or not out.exists():
        raise RuntimeError(f"lighthouse exited {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse runtime error: {report['runtimeError']}")
    final = report.get("finalDisplayedUrl") or report.get("finalUrl", "")
    if "/login" in final:
        raise RuntimeError(f"lighthouse audited the login page ({final}): the cookie was not accepted")
    audits = report["audits"]
    score = report["categories"]["performance"]["score"]
    return {"perf": round(score * 100) if score is not None else float("nan"),
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "fcp": audits["first-contentful-paint"]["numericValue"],
            "lcp": audits["largest-contentful-paint"]["numericValue"],
            "tbt": audits["total-blocking-time"]["numericValue"],
            "kb": audits["total-byte-weight"]["numericValue"] / 1024,
            "url": final}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--approved", action="store_true",
                        help="audit the report as seeded (approved, read-only) instead of returned for editing")
    args = parser.parse_args()
    try:
        ensure_lighthouse()
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"lighthouse_failed install: {error}")
        sys.exit(1)
    folder = Path(tempfile.mkdtemp(prefix="tonghop-lighthouse-"))
    env = seeded_env(str(folder), returned=not args.approved)
    port = free_port()
    log_path = folder / "server.log"
    log = open(log_path, "w")
    server = subprocess.Popen([VENV_BIN / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    results = []
    try:
        wait_ready(server, port, log_path)
        cookie, url = sign_in(f"http://127.0.0.1:{port}")
        print(f"audited page: {url} (signed in as {USERNAME}); gunicorn {args.workers} workers; data in {folder}")
        print(f"{'run':>3} {'perf':>5} {'CLS':>7} {'FCP ms':>8} {'LCP ms':>8} {'TBT ms':>7} {'KB':>6}")
        for run in range(1, args.runs + 1):
            r = run_lighthouse(url, cookie, folder, run)
            results.append(r)
            print(f"{run:>3} {r['perf']:>5} {r['cls']:>7.3f} {r['fcp']:>8.0f} {r['lcp']:>8.0f} {r['tbt']:>7.0f} {r['kb']:>6.1f}",
                  flush=True)
    except (RuntimeError, urllib.error.URLError) as error:
        print(str(error))
        print(f"lighthouse_failed after {len(results)} runs: {str(error).splitlines()[0][:200]}")
        sys.exit(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    median = {k: statistics.median(r[k] for r in results) for k in ("perf", "cls", "fcp", "lcp", "tbt", "kb")}
    print(f"median perf {median['perf']:.0f} (goal ≥ {GOAL_PERF}), CLS {median['cls']:.3f} (goal < {GOAL_CLS}), "
          f"FCP {median['fcp']:.0f} ms, LCP {median['lcp']:.0f} ms, TBT {median['tbt']:.0f} ms, "
          f"{median['kb']:.1f} KB transferred")
    ok = median["perf"] >= GOAL_PERF and median["cls"] < GOAL_CLS
    print(f"lighthouse_{'ok' if ok else 'failed'} perf {median['perf']:.0f} cls {median['cls']:.3f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
