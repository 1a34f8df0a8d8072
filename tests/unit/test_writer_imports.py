"""The Excel writer runs on plain data: importing it loads neither the web app nor the
other writers, so bench/export.py's peak memory is the export's own."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("flask", "sqlalchemy", "werkzeug", "jinja2", "openpyxl", "docx")


def test_the_workbook_writer_imports_no_web_app_and_no_other_writer():
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); "
        "from export import writer_modules_only; writer_modules_only(); "
        "import app.exports.xlsx, app.reporting.consolidation; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
