"""Layout shift and paint times of the data-entry page on an emulated phone, median of 3 loads.

    .venv/bin/python bench/layout_shift.py [--runs 3]

The fully filled quarterly report (as bench/page_weight.py) served by the app on a local
socket, loaded by Debian's chromium through Playwright at 390 × 844 px (mobile, touch), with
Lighthouse's mobile throttling applied through the DevTools protocol (4× CPU slowdown, 150 ms
latency, 1.6 Mbit/s down). Prints, per load and as the median: cumulative layout shift (CLS,
the layout-shift entries without recent input, summed), first contentful paint and largest
contentful paint. Goal: CLS < 0.05. Lighthouse itself (npm) is not needed.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import threading

from _setup import bench_app, filled_submission
from werkzeug.serving import make_server

from app.extensions import db
from app.models import SubmissionDocument

OBSERVE = """() => new Promise(resolve => {
    let cls = 0, lcp = 0;
    new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value; })
        .observe({type: 'layout-shift', buffered: true});
    new PerformanceObserver(list => { for (const e of list.getEntries()) lcp = e.startTime; })
        .observe({type: 'largest-contentful-paint', buffered: true});
    const fcp = (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0;
    setTimeout(() => resolve({cls, lcp, fcp}), 3000);
})"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = bench_app("layout-shift")
    with app.app_context():
        sub, user = filled_submission(3, "xa.shift")
        db.session.add(SubmissionDocument(submission_id=sub.id, section_id="I.5.1", doc_type="KH", number="05/KH-UBND",
                                          summary="Kế hoạch cải cách hành chính năm", position=0))
        db.session.commit()
        sub_id, username = sub.id, user.username
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, locale="vi-VN")
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", "secret123")
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url(lambda url: "/login" not in url)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                                      "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        print(f"{'load':>4} {'CLS':>7} {'FCP ms':>8} {'LCP ms':>8}")
        for run in range(1, args.runs + 1):
            page.goto(f"/submissions/{sub_id}", wait_until="load")
            figures = page.evaluate(OBSERVE)
            results.append(figures)
            print(f"{run:>4} {figures['cls']:>7.3f} {figures['fcp']:>8.0f} {figures['lcp']:>8.0f}")
        browser.close()
    server.shutdown()
    median = {k: statistics.median(r[k] for r in results) for k in ("cls", "fcp", "lcp")}
    print(f"median CLS {median['cls']:.3f} (goal < 0.05), FCP {median['fcp']:.0f} ms, LCP {median['lcp']:.0f} ms")


if __name__ == "__main__":
    main()
