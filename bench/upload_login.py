"""Two uploads at once must not slow the login page: /login while two officers upload.

    .venv/bin/python bench/upload_login.py              # SQLite, gunicorn 4 sync workers
    .venv/bin/python bench/upload_login.py --seconds 5  # shorter phases

Starts gunicorn as bench/load.py does (production settings, a throwaway SQLite database,
two officers' accounts), then, in each phase, two officers post an upload back to back
while an anonymous browser loads `/login` every 50 ms, each request on its own connection:
- baseline: no uploads;
- hostile: a workbook of 520,000 shared strings (issue 26: it once cost 5.3 s of CPU and
  92 MB per upload before refusal, and pushed /login to 4.5 s) — now refused on cheap
  signals before any parser runs;
- largest accepted: a real workbook of 49,000 distinct strings, just under the shared
  strings limit, which the parser does read before the upload is refused as not a report.
Prints per phase: uploads answered and their median time, /login p50/p95/max in ms.
Last line: `login_max_ms baseline <n> hostile <n> largest <n>`. Goal: every max < 500 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CSRF_FORM, Browser, Database, Server, pct, prepare  # noqa: E402


def hostile_workbook() -> bytes:
    """520,000 shared strings, a 1.4 MB zip: the file the issue measured, in kind."""
    import zipfile

    strings = b"".join(b"<si><t>s%d</t></si>" % i for i in range(520_000))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          b'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/sharedStrings.xml", b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                                           b'spreadsheetml/2006/main">' + strings + b"</sst>")
    return out.getvalue()


def largest_accepted() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("Bao cao")
    for i in range(49_000):
        sheet.write_string(i // 40, i % 40, f"Nội dung ô {i}")
    book.close()
    return out.getvalue()


async def upload(browser: Browser, submission: int, data: bytes) -> int:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{browser.token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bao-cao.xlsx\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode() \
        + data + f"\r\n--{boundary}--\r\n".encode()
    path = f"/exports/submissions/{submission}/upload"
    lines = [f"POST {path} HTTP/1.0", f"Host: 127.0.0.1:{browser.port}",
             "Cookie: " + "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
             f"Content-Type: multipart/form-data; boundary={boundary}", f"Content-Length: {len(body)}"]
    reader, writer = await asyncio.open_connection("127.0.0.1", browser.port)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        raw = await reader.read()
    finally:
        writer.close()
    return int(raw.split(b" ", 2)[1])


async def phase(port: int, officers: list[tuple[Browser, int]], data: bytes | None, seconds: float) -> dict:
    stop = asyncio.Event()
    uploads: list[float] = []
    statuses: set[int] = set()

    async def officer(browser: Browser, submission: int) -> None:
        while not stop.is_set():
            began = time.monotonic()
            statuses.add(await upload(browser, submission, data))
            uploads.append(time.monotonic() - began)

    async def visitor() -> list[float]:
        anonymous, times = Browser(port), []
        while not stop.is_set():
            began = time.monotonic()
            reply = await anonymous.request("GET", "/login")
            times.append(time.monotonic() - began)
            if reply.status != 200:
                raise SystemExit(f"/login answered {reply.status}")
            await asyncio.sleep(0.05)
        return times

    tasks = [asyncio.create_task(officer(b, s)) for b, s in officers] if data is not None else []
    login = asyncio.create_task(visitor())
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    times = await login
    return {"uploads": len(uploads), "upload_median_ms": statistics.median(uploads) * 1000 if uploads else 0,
            "statuses": sorted(statuses), "p50": pct(times, 50), "p95": pct(times, 95), "max": max(times) * 1000}


async def drive(server: Server, data: dict, seconds: float) -> dict:
    officers = []
    for name in ("can.bo.000", "can.bo.001"):
        browser = Browser(server.port)
        await browser.login(name)
        submission = next(o["submission"] for o in data["officers"] if o["username"] == name)
        page = await browser.request("GET", f"/exports/submissions/{submission}/upload")
        browser.token = CSRF_FORM.search(page.body).group(1)
        officers.append((browser, submission))
    results = {}
    for label, payload in (("baseline", None), ("hostile", hostile_workbook()), ("largest", largest_accepted())):
        results[label] = result = await phase(server.port, officers, payload, seconds)
        size = f"{len(payload) / 1e6:.1f} MB" if payload else "-"
        print(f"{label:<9} file {size:>7}  uploads {result['uploads']:>4} (median {result['upload_median_ms']:.0f} ms, "
              f"answers {result['statuses']})  /login p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms, "
              f"max {result['max']:.0f} ms", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    database = Database.scratch("sqlite", "")
    folder = Path(tempfile.mkdtemp(prefix="tonghop-upload-login-"))
    server = None
    try:
        data = prepare(database, 2, 0)
        server = Server(database, args.workers, folder)
        server.wait_ready()
        print(f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        results = asyncio.run(drive(server, data, args.seconds))
    finally:
        if server is not None:
            server.stop()
        database.drop()
    print(f"tracebacks in the server log: {server.tracebacks()}")
    print("login_max_ms " + " ".join(f"{label} {r['max']:.0f}" for label, r in results.items()))


if __name__ == "__main__":
    main()
