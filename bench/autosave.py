"""Server time of one autosave against a bare Flask endpoint doing one UPDATE on the same database.

    .venv/bin/python bench/autosave.py [--profile]

Both go through the Flask test client in the same process and run, so the ratio is the
cost of the app's work (load the submission, check permission, parse, validate, render
the fragment) over the floor of a request plus one committed write. Goal: ratio ≤ 3.
"""
from __future__ import annotations

import argparse
import os
import time

from _setup import bench_app, filled_submission, percentile

from app.extensions import db

KEY = "I.1/published"
WARMUP, RUNS = 20, 300


def build(app):
    with app.app_context():
        sub, user = filled_submission(1, "xa.bench")
        row_id = db.session.execute(db.text("SELECT id FROM submission_value WHERE submission_id=:s AND key=:k"),
                                    {"s": sub.id, "k": KEY}).scalar_one()
        return sub.id, user.username, row_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true", help="profile the autosave requests with cProfile")
    args = parser.parse_args()
    app = bench_app("autosave")

    def bare_update():
        from flask import request

        db.session.execute(db.text("UPDATE submission_value SET int_value=:v WHERE id=:id"),
                           {"v": int(request.form["v"]), "id": int(request.form["id"])})
        db.session.commit()
        return "ok"

    app.add_url_rule("/bench/update", "bench_update", bare_update, methods=["POST"])
    sub_id, username, row_id = build(app)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "secret123"})
    assert response.status_code == 303, response.status_code
    headers = {"HX-Request": "true"}
    version = [1]

    def autosave(i: int) -> float:
        start = time.perf_counter()
        r = client.post(f"/submissions/{sub_id}/save", headers=headers,
                        data={f"v.{KEY}": str(200 + i % 50 + (i // 50) % 2 * 100), f"ver.{KEY}": str(version[0])})
        elapsed = time.perf_counter() - start
        assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])
        version[0] += 1
        return elapsed

    def update(i: int) -> float:
        start = time.perf_counter()
        r = client.post("/bench/update", data={"v": str(200 + i), "id": str(row_id)})
        elapsed = time.perf_counter() - start
        assert r.status_code == 200
        return elapsed

    # Values must change on every save, or the app (rightly) writes nothing: alternate 200..349.
    counter = iter(range(10**6))
    for _ in range(WARMUP):
        autosave(next(counter)), update(0)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            autosave(next(counter))
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)
    saves, updates = [], []
    save_cpu = update_cpu = 0.0
    for _ in range(RUNS):  # interleaved, so both see the same machine and database state
        before = time.process_time()
        saves.append(autosave(next(counter)))
        middle = time.process_time()
        updates.append(update(next(counter)))
        save_cpu += middle - before
        update_cpu += time.process_time() - middle
    s50, s95 = percentile(saves, 50) * 1000, percentile(saves, 95) * 1000
    u50, u95 = percentile(updates, 50) * 1000, percentile(updates, 95) * 1000
    print(f"autosave (POST /submissions/<id>/save, HX-Request, {RUNS} runs): p50 {s50:.2f} ms  p95 {s95:.2f} ms")
    print(f"bare UPDATE endpoint (same DB, same run):                    p50 {u50:.2f} ms  p95 {u95:.2f} ms")
    # CPU time barely moves when other processes share the machine; wall time does.
    print(f"CPU per request: autosave {save_cpu / RUNS * 1000:.2f} ms, bare UPDATE {update_cpu / RUNS * 1000:.2f} ms "
          f"(ratio {save_cpu / update_cpu:.2f})")
    print(f"ratio {s50 / u50:.2f}")


if __name__ == "__main__":
    main()
