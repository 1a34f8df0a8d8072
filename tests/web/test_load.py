"""The load run, short and bounded: gunicorn with 2 workers, a few officers autosaving for a
few seconds, a reviewer loading pages, a backup taken meanwhile and restored into a fresh
database. Asserts no errors and nothing lost — no timing (figures: docs/reliability.md)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"saves_per_s (\d+) floor_per_s (\d+) p95_ms (\d+|nan) errors (\d+) lost (\d+)$")


def test_short_load_run_with_a_backup_taken_under_load_loses_nothing(tmp_path):
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--backup-during", str(tmp_path)]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        # A scratch database on the same server, created and dropped by the run.
        command += ["--db", "postgresql", "--pg-url", url.replace("postgres://", "postgresql://", 1)]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    lines = done.stdout.strip().splitlines()
    summary = LAST_LINE.match(lines[-1])
    assert summary, output[-3000:]
    saves, _, _, errors, lost = summary.groups()
    assert int(saves) > 0
    assert (int(errors), int(lost)) == (0, 0), output[-3000:]
    backup = next(line for line in lines if line.startswith("backup taken under load"))
    checked, missing = map(int, re.search(r"(\d+) acknowledged values checked, (\d+) missing", backup).groups())
    assert checked > 0 and missing == 0
