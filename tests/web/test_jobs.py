"""The job runner: claims are exclusive, the installation-wide limit holds, failures and
dead workers are recorded, external programs stop at their limits."""
from __future__ import annotations

import sys
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Job
from app.reporting.clock import utcnow
from app.services import jobs
from app.services.jobs import JobFailed, Limits, claim, enqueue, handler, run_limited, run_once


@pytest.fixture
def recorded():
    seen = []

    @handler("test_ok")
    def ok(job, params, progress, limits):
        progress(50, "Đang làm")
        seen.append((job.id, params["n"]))
        return f"Xong {params['n']}"

    @handler("test_refused")
    def refused(job, params, progress, limits):
        raise JobFailed("Không làm được việc này.")

    yield seen
    jobs.HANDLERS.pop("test_ok")
    jobs.HANDLERS.pop("test_refused")


def test_jobs_run_in_order_and_record_their_outcome(recorded):
    first = enqueue("test_ok", {"n": 1})
    second = enqueue("test_refused", {})
    db.session.commit()
    done = run_once(Limits())
    assert (done.id, done.state, done.progress, done.message) == (first.id, "done", 100, "Xong 1")
    failed = run_once(Limits())
    assert (failed.id, failed.state, failed.message) == (second.id, "failed", "Không làm được việc này.")
    assert run_once(Limits()) is None
    assert recorded == [(first.id, 1)]


def test_a_claimed_job_is_nobody_elses_and_the_limit_counts_every_node(recorded):
    for n in range(3):
        enqueue("test_ok", {"n": n})
    db.session.commit()
    limits = Limits(max_running=2)
    a = claim(limits, "node-a:1")
    b = claim(limits, "node-b:1")
    assert a.id != b.id and {a.worker, b.worker} == {"node-a:1", "node-b:1"}
    # Two run already, wherever they run: a third worker waits.
    assert claim(limits, "node-c:1") is None
    jobs.run_job(a, limits)
    c = claim(limits, "node-c:1")
    assert c is not None and c.id not in (a.id, b.id)


def test_a_job_whose_worker_died_runs_again_then_gives_up(recorded):
    job = enqueue("test_ok", {"n": 7})
    db.session.commit()
    limits = Limits(time_limit=10)
    claim(limits, "dead:1")
    db.session.execute(db.update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    again = run_once(limits)
    assert again.id == job.id and again.state == "done" and again.attempts == 2
    stuck = enqueue("test_ok", {"n": 8})
    db.session.commit()
    db.session.execute(db.update(Job).where(Job.id == stuck.id).values(
        state="running", attempts=jobs.MAX_ATTEMPTS, heartbeat_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert run_once(limits) is None
    db.session.refresh(stuck)
    assert stuck.state == "failed" and "nhiều lần" in stuck.message


def test_an_unknown_kind_fails_with_a_message():
    enqueue("no_such_kind", {})
    db.session.commit()
    job = run_once(Limits())
    assert job.state == "failed" and "no_such_kind" in job.message


def test_external_programs_stop_at_the_time_limit_and_the_memory_limit():
    with pytest.raises(jobs.ProgramTimedOut):
        run_limited([sys.executable, "-c", "import time; time.sleep(30)"], Limits(time_limit=1))
    hungry = run_limited([sys.executable, "-c", "b = bytearray(600 * 1024 * 1024)"], Limits(memory_mb=300))
    assert hungry.returncode != 0 and b"MemoryError" in hungry.stderr
    fine = run_limited([sys.executable, "-c", "print('ok')"], Limits(memory_mb=300))
    assert fine.returncode == 0 and fine.stdout.strip() == b"ok"


def test_workers_claiming_at_the_same_moment_never_share_a_job(app, recorded):
    import threading

    for n in range(4):
        enqueue("test_ok", {"n": n})
    db.session.commit()
    claimed, errors = [], []
    start = threading.Barrier(6)

    def worker(name: str) -> None:
        with app.app_context():
            try:
                start.wait()
                job = claim(Limits(max_running=3), name)
                if job is not None:
                    claimed.append(job.id)
            except Exception as error:  # reported below, not swallowed
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"node-{n}:1",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # SQLite may answer "database is locked" to a claim racing another writer: that worker
    # simply tries again at its next poll. What never happens: a job claimed twice, or more
    # than the limit running.
    assert all("locked" in e for e in errors), errors
    assert len(claimed) == len(set(claimed)) and 1 <= len(claimed) <= 3
    if db.engine.dialect.name == "postgresql":  # claims wait on each other: exactly the limit
        assert len(claimed) == 3 and not errors
    assert db.session.scalar(db.select(db.func.count(Job.id)).where(Job.state == "running")) == len(claimed)
