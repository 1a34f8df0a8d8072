"""The main pages of each role are valid HTML for the Nu HTML checker (vnu), errors only.

The same pages as the axe test (tests/browser/test_phone_and_access.py): login, home, a
report (one showing an invalid value, one returned with a comment), the board, a review,
the consolidated report and the admin pages. Each page is rendered by the test client,
written to a file, and the checker runs once over all of them: one JVM start.

`make test-deps` installs Java (Debian's default-jre-headless) when missing and the pinned
npm package vnu-jar under .cache/vnu; ``VNU_JAR`` may point at another copy.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.reporting.keys import note_key
from tests.browser.support import role_pages
from tests.conftest import login_as

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar")


@pytest.fixture
def world():
    return role_pages({note_key("I.4"): "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh."})


def rendered_pages(app, world) -> dict[str, str]:
    """name → the HTML of each page, as its user gets it."""
    pages: dict[str, str] = {}

    def get(client, name: str, url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        pages[name] = response.get_data(as_text=True)

    get(app.test_client(), "login", "/login")
    round_id = world["round"].id
    reporter = app.test_client()
    login_as(reporter, world["reporters"][0])
    get(reporter, "home-reporter", "/")
    get(reporter, "report", f"/submissions/{world['draft'].id}")
    # A value refused with JavaScript off: the whole page again, the message beside the cell.
    draft = world["draft"].id
    response = reporter.post(f"/submissions/{draft}/save", data={"v.I.1/published": "mười", "ver.I.1/published": "0"})
    assert response.status_code == 422
    pages["report-invalid-value"] = response.get_data(as_text=True)
    returned = app.test_client()
    login_as(returned, world["reporters"][2])
    get(returned, "report-returned", f"/submissions/{world['returned'].id}")
    boss = app.test_client()
    login_as(boss, world["boss"])
    get(boss, "home-reviewer", "/")
    get(boss, "board", f"/rounds/{round_id}")
    get(boss, "review", f"/rounds/submissions/{world['submitted'].id}")
    get(boss, "consolidated", f"/rounds/{round_id}/consolidated?provisional=1")
    admin = app.test_client()
    login_as(admin, world["admin"])
    get(admin, "admin-units", "/admin/units")
    get(admin, "admin-users", "/admin/users")
    return pages


def vnu_errors(files: list[Path]) -> list[dict]:
    """The checker's errors for ``files``, in one run."""
    java = shutil.which("java")
    assert java, "java is missing: `make test-deps` installs default-jre-headless"
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout",
                             "--exit-zero-always", *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.stdout.strip(), f"vnu printed nothing: {result.stderr[-2000:]}"
    return [m for m in json.loads(result.stdout)["messages"] if m.get("type") in ("error", "non-document-error")]


@pytest.mark.skipif(not VNU_JAR.is_file(), reason=f"the Nu HTML checker is not installed ({VNU_JAR}); "
                                                  "`make test-deps` installs it")
def test_the_main_pages_of_each_role_are_valid_html(app, world, tmp_path):
    pages = rendered_pages(app, world)
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    failures = [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
                f"{' — ' + m['extract'].strip() if m.get('extract') else ''}" for m in vnu_errors(files)]
    assert failures == [], f"{len(failures)} HTML errors:\n" + "\n".join(failures)
