"""Weight of the data-entry page of the quarterly template, fully filled, as a browser downloads it.

    .venv/bin/python bench/page_weight.py

Bytes of the HTML, app.css, app.js, early.js and htmx: raw, as the app itself sends them to a
browser that accepts gzip (app/transfer.py: `make run`, gunicorn without a proxy), and
gzip-compressed at level 6 (deploy/nginx.conf) and at level 1 (nginx's default
gzip_comp_level). Goal: ≤ 100 KB total.
"""
from __future__ import annotations

import gzip

from _setup import ROOT, bench_app, filled_submission

from app import HTMX_FILE
from app.extensions import db
from app.models import SubmissionDocument

GOAL_KB = 100


def main() -> None:
    app = bench_app("page-weight")
    with app.app_context():
        sub, user = filled_submission(3, "xa.weight")
        db.session.add(SubmissionDocument(submission_id=sub.id, section_id="I.5.1", doc_type="KH", number="05/KH-UBND",
                                          summary="Kế hoạch cải cách hành chính năm", position=0))
        db.session.commit()
        sub_id, username = sub.id, user.username
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "secret123"}).status_code == 303
    response = client.get(f"/submissions/{sub_id}")
    assert response.status_code == 200
    static = ROOT / "app" / "static"
    parts = {"HTML (GET /submissions/<id>)": (response.data, f"/submissions/{sub_id}")}
    for name in ("app.css", "app.js", "early.js", HTMX_FILE):
        parts[name] = ((static / name).read_bytes(), f"/static/{name}")
    totals = [0, 0, 0, 0]
    print(f"{'part':40} {'raw':>9} {'as sent':>9} {'gzip -6':>9} {'gzip -1':>9}")
    for name, (data, url) in parts.items():
        sent = client.get(url, headers={"Accept-Encoding": "gzip"})
        sizes = (len(data), len(sent.data), len(gzip.compress(data, 6)), len(gzip.compress(data, 1)))
        sent.close()
        totals = [t + n for t, n in zip(totals, sizes)]
        print(f"{name:40} {sizes[0]:>9,} {sizes[1]:>9,} {sizes[2]:>9,} {sizes[3]:>9,}")
    print(f"{'total':40} {totals[0]:>9,} {totals[1]:>9,} {totals[2]:>9,} {totals[3]:>9,}")
    print(f"as sent by the app {totals[1] / 1024:.1f} KB; gzip -6 {totals[2] / 1024:.1f} KB (goal ≤ {GOAL_KB} KB; "
          f"{totals[3] / 1024:.1f} KB at gzip level 1)")


if __name__ == "__main__":
    main()
