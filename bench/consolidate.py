"""The consolidated report's reads for 30, 200, 1,000 and 4,000 fully filled quarterly
reports against one SQL GROUP BY.

    .venv/bin/python bench/consolidate.py              # 30, 200, 1,000, 4,000 units
    .venv/bin/python bench/consolidate.py --units 1000 --profile   # pyinstrument's tree too

Times are CPU seconds of this process, which runs SQLite too: on a shared machine wall
time mostly measures the neighbours. Each size builds the round and the same district's rounds of the previous quarter and the
same quarter last year (every unit's report approved in each), as the figure sentences
compare with both. Timed, 5 turns, medians: ``load_consolidation`` (counts summed by the
database, texts, survey fields and measured indicators read per unit) against
``SELECT key, SUM(int_value) FROM submission_value ... GROUP BY key`` over the same round
in the same turns (the ratio: the median of the turns' ratios); and ``round_comparisons``, the two earlier rounds' sums the
sentences compare with (two rounds' worth of rows: about 2× the GROUP BY by nature). Also
the number of SQL queries GET /rounds/<id>/consolidated issues, comparisons and figure
sentences included (it must not grow with the number of units).
Goal: ratio ≤ 2 at 1,000 and 4,000 units. Last line: `ratio <number>` at the largest size.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from types import SimpleNamespace

from _setup import bench_app, quarterly_values
from sqlalchemy import delete, event, insert

from app.demo import seed_fields
from app.extensions import db
from app.models import ReportingRound, SubmissionDocument, SubmissionValue
from app.services.consolidation import RoundConsolidation, load_consolidation, round_comparisons
from app.services.orgtree import add_unit
from app.services.rounds import round_template
from tests.factories import make_round, make_user

SIZES = (30, 200, 1000, 4000)
REPEAT = 5
INCLUDED: dict = {}  # round id → its included reports, for the comparisons
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
    # A handful of distinct filled reports, reused: values differ per unit only through the seed.
    samples = None
    value_rows = 0
    for year, index in ((2023, 2), (2024, 1), (2024, 2)):  # last year's quarter, the previous one, this one
        round_ = make_round(district, year=year, index=index, expected=units)
        samples = samples or [quarterly_values(round_, seed) for seed in range(1, 11)]
        rows = []
        for n, sub in enumerate(round_.submissions):
            for key, value in samples[(n + year + index) % len(samples)].items():
                rows.append({"submission_id": sub.id, "key": key, "version": 1,
                             "int_value": value if isinstance(value, int) else None,
                             "text_value": value if isinstance(value, str) else None})
            sub.status = "approved"
        # A round opens with some values carried over from the last one: the whole report replaces them.
        db.session.execute(delete(SubmissionValue).where(SubmissionValue.submission_id.in_([s.id for s in round_.submissions])))
        db.session.execute(insert(SubmissionValue), rows)
        value_rows = len(rows)
        # Two documents a unit, as communes issue in a quarter: the page must not list them all.
        section = round_template(round_).sections_of("documents")[0].id
        db.session.execute(insert(SubmissionDocument), [
            {"submission_id": sub.id, "section_id": section, "doc_type": "Kế hoạch", "number": f"{n + 10}/KH-UBND",
             "issued_on": date(year, 1, 10 + n), "position": n,
             "summary": "Kế hoạch cải cách hành chính trên địa bàn xã, kiểm soát thủ tục hành chính"}
            for sub in round_.submissions for n in range(2)])
        db.session.commit()
    return round_.id, reviewer.username, value_rows


def consolidation(round_id: int) -> None:
    load_consolidation(db.session.get(ReportingRound, round_id))


def comparisons(round_id: int) -> None:
    """Like for like, as the page compares: over the units included in this round."""
    round_ = db.session.get(ReportingRound, round_id)
    round_comparisons(round_, RoundConsolidation(round_, None, None, [], INCLUDED[round_id], {}, False))


def timed_in_turn(*fns) -> list[list[float]]:
    """Each function's CPU times, REPEAT of each, run in turn (a, b, c, a, b, c, …): the
    machine's speed drifts within a minute, and a turn sees the same machine."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(REPEAT):
        for fn, kept in zip(fns, times):
            db.session.expire_all()
            start = time.process_time()
            fn()
            kept.append(time.process_time() - start)
    return times


def run(size: int, profile: bool = False) -> float:
    app = bench_app(f"consolidate{size}")
    with app.app_context():
        round_id, username, value_rows = build(size)
        consolidation(round_id)  # warm the template cache, as a running server has it
        # Plain unit ids: the timed runs expire the session, and these must not reload per unit.
        INCLUDED[round_id] = [SimpleNamespace(unit_id=s.unit_id)
                              for s in load_consolidation(db.session.get(ReportingRound, round_id)).included]
        app_times, compare_times, sql_times = timed_in_turn(
            lambda: consolidation(round_id), lambda: comparisons(round_id),
            lambda: db.session.execute(GROUP_BY, {"round_id": round_id}).all())
        app_time, compare_time, sql_time = map(statistics.median, (app_times, compare_times, sql_times))
        ratio = statistics.median(a / s for a, s in zip(app_times, sql_times))
        engine = db.engine
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(REPEAT):
                    db.session.expire_all()
                    consolidation(round_id)
                    comparisons(round_id)
            print(profiler.output_text(color=False))
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "secret123"}).status_code == 303
    queries = []
    listener = lambda *a, **k: queries.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(f"/rounds/{round_id}/consolidated")
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.status_code
    print(f"{size:>5} units ({value_rows:,} values a round): load_consolidation {app_time * 1000:7.1f} ms · "
          f"SQL GROUP BY {sql_time * 1000:6.1f} ms · ratio {ratio:5.2f} · comparisons (2 earlier rounds) "
          f"{compare_time * 1000:6.1f} ms, {compare_time / sql_time:4.2f}× · "
          f"GET consolidated page: {len(queries)} SQL queries, {len(response.data) // 1024} KB", flush=True)
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's profile of the reads")
    args = parser.parse_args()
    ratios = [run(size, args.profile) for size in args.units]
    print(f"ratio {ratios[-1]:.2f}")


if __name__ == "__main__":
    main()
