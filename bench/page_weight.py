"""Weight of the data-entry page of the quarterly template, fully filled, as a browser downloads it.

    .venv/bin/python bench/page_weight.py

Bytes of the HTML, app.css, app.js and htmx, each gzip-compressed at level 6 (the usual
proxy setting) and at level 1 (nginx's default gzip_comp_level). Goal: ≤ 100 KB total.
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
    parts = {"HTML (GET /submissions/<id>)": response.data}
    for name in ("app.css", "app.js", HTMX_FILE):
        parts[name] = (static / name).read_bytes()
    total6 = total1 = 0
    print(f"{'part':40} {'raw':>9} {'gzip -6':>9} {'gzip -1':>9}")
    for name, data in parts.items():
        g6, g1 = len(gzip.compress(data, 6)), len(gzip.compress(data, 1))
        total6, total1 = total6 + g6, total1 + g1
        print(f"{name:40} {len(data):>9,} {g6:>9,} {g1:>9,}")
    print(f"{'total':40} {sum(len(d) for d in parts.values()):>9,} {total6:>9,} {total1:>9,}")
    print(f"total gzip {total6 / 1024:.1f} KB (goal ≤ {GOAL_KB} KB; {total1 / 1024:.1f} KB at gzip level 1)")


if __name__ == "__main__":
    main()
