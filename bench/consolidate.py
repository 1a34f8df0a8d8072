"""Consolidation of 30, 200 and 1,000 fully filled quarterly reports against one SQL GROUP BY.

    .venv/bin/python bench/consolidate.py

For each size: the time of app.consolidate.load_consolidation (loading included), the
time of `SELECT key, SUM(int_value) FROM submission_value ... GROUP BY key` over the same
stored values in the same run, their ratio, and the number of SQL queries that
GET /rounds/<id>/consolidated issues (it must not grow with the number of units).
Goal: ratio ≤ 3 at 1,000 units. Last line: `ratio <number>` at 1,000 units.
"""
from __future__ import annotations

import statistics
import time
from datetime import date

from _setup import bench_app, quarterly_values
from sqlalchemy import event, insert

from app.demo import seed_fields
from app.extensions import db
from app.models import ReportingRound, SubmissionDocument, SubmissionValue
from app.services.consolidation import load_consolidation
from app.services.orgtree import add_unit
from app.services.rounds import round_template
from tests.factories import make_round, make_user

SIZES = (30, 200, 1000)
REPEAT = 5
GROUP_BY = db.text(
    "SELECT key, SUM(int_value) FROM submission_value "
    "WHERE submission_id IN (SELECT id FROM submission WHERE round_id = :round_id AND status = 'approved') "
    "GROUP BY key"
)


def build(size: int):
    seed_fields()
    province = add_unit("P", "Tỉnh Thử Nghiệm", "province")
    district = add_unit("P.D", "Huyện Thử Nghiệm", "district", province, place_name="Thử Nghiệm")
    units = [add_unit(f"P.D.X{i:04d}", f"Xã Số {i}", "commune", district, place_name=f"Số {i}", sort_order=i)
             for i in range(1, size + 1)]
    db.session.commit()
    reviewer = make_user(district, role="reviewer", username="tonghop.bench")
    round_ = make_round(district, expected=units)
    rows = []
    # A handful of distinct filled reports, reused: values differ per unit only through the seed.
    samples = [quarterly_values(round_, seed) for seed in range(1, 11)]
    for n, sub in enumerate(round_.submissions):
        for key, value in samples[n % len(samples)].items():
            rows.append({"submission_id": sub.id, "key": key, "version": 1,
                         "int_value": value if isinstance(value, int) else None,
                         "text_value": value if isinstance(value, str) else None})
        sub.status = "approved"
    db.session.execute(insert(SubmissionValue), rows)
    # Two documents a unit, as communes issue in a quarter: the page must not list them all.
    section = round_template(round_).sections_of("documents")[0].id
    db.session.execute(insert(SubmissionDocument), [
        {"submission_id": sub.id, "section_id": section, "doc_type": "Kế hoạch", "number": f"{n + 10}/KH-UBND",
         "issued_on": date(2024, 1, 10 + n), "position": n,
         "summary": "Kế hoạch cải cách hành chính năm 2024 trên địa bàn xã, kiểm soát thủ tục hành chính"}
        for sub in round_.submissions for n in range(2)])
    db.session.commit()
    return round_.id, reviewer.username, len(rows)


def timed(fn) -> float:
    times = []
    for _ in range(REPEAT):
        db.session.expire_all()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(size: int) -> float:
    app = bench_app(f"consolidate{size}")
    with app.app_context():
        round_id, username, value_rows = build(size)
        round_ = db.session.get(ReportingRound, round_id)
        load_consolidation(round_)  # warm the template cache, as a running server has it
        app_time = timed(lambda: load_consolidation(db.session.get(ReportingRound, round_id)))
        sql_time = timed(lambda: db.session.execute(GROUP_BY, {"round_id": round_id}).all())
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "secret123"}).status_code == 303
    queries = []
    listener = lambda *a, **k: queries.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(f"/rounds/{round_id}/consolidated")
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.status_code
    ratio = app_time / sql_time
    print(f"{size:>5} units ({value_rows:,} values): load_consolidation {app_time * 1000:8.1f} ms · "
          f"SQL GROUP BY {sql_time * 1000:7.1f} ms · ratio {ratio:5.2f} · "
          f"GET consolidated page: {len(queries)} SQL queries, {len(response.data) // 1024} KB")
    return ratio


def main() -> None:
    ratios = [run(size) for size in SIZES]
    print(f"ratio {ratios[-1]:.2f}")


if __name__ == "__main__":
    main()
