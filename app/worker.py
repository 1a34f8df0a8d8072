"""`flask worker`: runs queued jobs (services.jobs) beside the web server.

Each thread loops claim → run → claim in its own app context; with nothing queued (or
the installation's limit of running jobs reached) it waits ``--poll`` seconds. SIGTERM
(systemd stop) lets running jobs finish and claims nothing more.
"""
from __future__ import annotations

import logging
import signal
import threading

import click

from .extensions import db
from .services.jobs import Limits, run_once, worker_name

log = logging.getLogger("tonghop.worker")


def work(app, stop: threading.Event, poll: float, name: str) -> None:
    limits = Limits.from_config(app.config)
    while not stop.is_set():
        with app.app_context():
            try:
                job = run_once(limits, name)
            except Exception:  # the database may be away for a moment: wait, retry
                log.exception("worker step failed")
                db.session.rollback()
                job = None
            finally:
                db.session.remove()
        if job is not None:
            log.info("job %s (%s): %s — %s", job.id, job.kind, job.state, job.message)
        else:
            stop.wait(poll)


def register_worker_cli(app) -> None:
    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Số công việc chạy cùng lúc trên máy này.")
    @click.option("--poll", default=1.0, show_default=True, help="Số giây chờ khi không có việc.")
    @click.option("--once", is_flag=True, help="Chạy các việc đang chờ rồi thoát.")
    def worker_command(threads: int, poll: float, once: bool) -> None:
        """Chạy các công việc nền (tạo PDF, …) — chạy bên cạnh gunicorn."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        limits = Limits.from_config(app.config)
        if once:
            with app.app_context():
                while run_once(limits, worker_name()) is not None:
                    pass
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"Worker {worker_name()}: {threads} luồng, tối đa {limits.max_running} việc cùng lúc "
                   f"trên toàn hệ thống, {limits.time_limit} giây, {limits.memory_mb} MB mỗi việc.")
        pool = [threading.Thread(target=work, args=(app, stop, poll, f"{worker_name()}/{n}"), daemon=True)
                for n in range(max(1, threads))]
        for thread in pool:
            thread.start()
        while any(t.is_alive() for t in pool):
            for thread in pool:
                thread.join(timeout=0.5)
