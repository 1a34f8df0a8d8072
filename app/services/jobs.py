"""Background jobs: heavy work (a report's PDF, …) queued in the database and run by
`flask worker` processes, never by a web worker.

Several app nodes share one database, so the queue lives there. A worker claims a job
atomically — PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` under a transaction-scoped
advisory lock that also guards the count of running jobs; SQLite: one conditional UPDATE,
which SQLite runs under its single write lock — so two workers never run the same job and
no more than ``max_running`` jobs run at once across all nodes. A job whose worker died
(no heartbeat for longer than the time limit allows) is queued again, at most
``MAX_ATTEMPTS`` times. External programs run through ``run_limited``: their own process
group, a wall-clock limit and an address-space limit.
"""
from __future__ import annotations

import json
import logging
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text, update

from ..extensions import db
from ..models import Job
from ..reporting.clock import utcnow

log = logging.getLogger("tonghop.jobs")
MAX_ATTEMPTS = 3
# Any constant will do: it names the lock that serialises claims across nodes (PostgreSQL).
CLAIM_LOCK = 250_025


class JobFailed(Exception):
    """A job's handler gives up with a message for the user (Vietnamese)."""


@dataclass(frozen=True)
class Limits:
    max_running: int = 2  # jobs at once over every worker of the installation
    time_limit: int = 180  # seconds for one external program
    memory_mb: int = 2048  # address space of one external program
    nice: int = 10  # external programs yield the CPU to the web workers on the same node

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        return cls(int(config.get("JOB_MAX_RUNNING", cls.max_running)),
                   int(config.get("JOB_TIME_LIMIT", cls.time_limit)),
                   int(config.get("JOB_MEMORY_MB", cls.memory_mb)))


Progress = Callable[[int, str], None]
Handler = Callable[[Job, dict, Progress, Limits], str]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``; it returns the message shown when done."""
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def enqueue(kind: str, params: dict, user=None) -> Job:
    """Queue a job; the caller commits."""
    job = Job(kind=kind, params_json=json.dumps(params, sort_keys=True), state="queued",
              message="Đang chờ đến lượt", created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.flush()
    return job


def load_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def requeue_stale(limits: Limits) -> int:
    """Jobs left running by a worker that died: queued again, or failed after MAX_ATTEMPTS."""
    horizon = utcnow() - timedelta(seconds=limits.time_limit * 2 + 60)
    stale = (Job.state == "running") & (Job.heartbeat_at < horizon)
    failed = db.session.execute(update(Job).where(stale, Job.attempts >= MAX_ATTEMPTS).values(
        state="failed", finished_at=utcnow(), claim_token=None,
        message="Không hoàn thành sau nhiều lần thử; hãy yêu cầu lại.")).rowcount
    again = db.session.execute(update(Job).where(stale, Job.attempts < MAX_ATTEMPTS).values(
        state="queued", claim_token=None, message="Đang chờ chạy lại")).rowcount
    db.session.commit()
    return (failed or 0) + (again or 0)


def claim(limits: Limits, worker: str | None = None) -> Job | None:
    """Take the oldest queued job for this worker if fewer than ``max_running`` run now."""
    token = secrets.token_hex(16)
    now = utcnow()
    values = {"state": "running", "claim_token": token, "worker": worker or worker_name(), "started_at": now,
              "heartbeat_at": now, "attempts": Job.attempts + 1, "progress": 0, "message": "Bắt đầu"}
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
        running = db.session.scalar(select(func.count(Job.id)).where(Job.state == "running"))
        if running >= limits.max_running:
            db.session.rollback()
            return None
        job_id = db.session.scalar(select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
                                   .with_for_update(skip_locked=True))
        if job_id is None:
            db.session.rollback()
            return None
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    else:
        oldest = select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1).scalar_subquery()
        running = select(func.count(Job.id)).where(Job.state == "running").scalar_subquery()
        db.session.execute(update(Job).where(Job.id == oldest, running < limits.max_running).values(**values)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.scalar(select(Job).where(Job.claim_token == token))


def _progress(job_id: int) -> Progress:
    def report(percent: int, message: str) -> None:
        db.session.execute(update(Job).where(Job.id == job_id).values(
            progress=max(0, min(100, percent)), message=message[:300], heartbeat_at=utcnow()))
        db.session.commit()
    return report


def _finish(job_id: int, state: str, message: str) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(
        state=state, message=message[:300], finished_at=utcnow(), heartbeat_at=utcnow(),
        progress=100 if state == "done" else Job.progress))
    db.session.commit()


def run_job(job: Job, limits: Limits) -> None:
    """Run a claimed job to its end: done with the handler's message, or failed with why."""
    job_id = job.id
    function = HANDLERS.get(job.kind)
    if function is None:
        _finish(job_id, "failed", f"Không có bộ xử lý cho công việc loại {job.kind}.")
        return
    try:
        message = function(job, json.loads(job.params_json or "{}"), _progress(job_id), limits)
        db.session.commit()
    except JobFailed as failure:
        db.session.rollback()
        _finish(job_id, "failed", str(failure))
        return
    except Exception as error:  # a job never takes its worker down
        db.session.rollback()
        _finish(job_id, "failed", f"Lỗi khi xử lý ({type(error).__name__}); hãy thử lại hoặc báo quản trị.")
        raise
    _finish(job_id, "done", message or "Xong")


def run_once(limits: Limits, worker: str | None = None) -> Job | None:
    """Claim and run one job (the worker's step; tests call it in-process). None: nothing to do."""
    requeue_stale(limits)
    job = claim(limits, worker)
    if job is None:
        return None
    try:
        run_job(job, limits)
    except Exception:  # recorded on the job by run_job; the worker logs it and goes on
        if worker is None:
            raise
        log.exception("job %s (%s) failed", job.id, job.kind)
    db.session.expire_all()
    return db.session.get(Job, job.id)


class ProgramTimedOut(Exception):
    pass


def run_limited(command: list[str], limits: Limits, *, cwd: str | None = None,
                env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run an external program in its own process group under the job's time and memory
    limits, at a lower CPU priority; on timeout the whole group (LibreOffice forks) is killed. The memory limit is
    set by util-linux's prlimit before the program starts (no preexec_fn: the worker has
    threads); without prlimit, on the new process at once."""
    size = limits.memory_mb * 1024 * 1024
    wrapper = shutil.which("prlimit")
    if wrapper:
        command = [wrapper, f"--as={size}", "--core=0", "--", *command]
    nice = shutil.which("nice")
    if nice and limits.nice:
        command = [nice, "-n", str(limits.nice), *command]
    process = subprocess.Popen(command, cwd=cwd, env=dict(env) if env is not None else None,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    if not wrapper:
        resource.prlimit(process.pid, resource.RLIMIT_AS, (size, size))
    try:
        out, err = process.communicate(timeout=limits.time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ProgramTimedOut(f"{os.path.basename(command[0])} quá {limits.time_limit} giây") from None
    return subprocess.CompletedProcess(command, process.returncode, out, err)
