"""The main pages of each role are valid HTML for the Nu HTML checker (vnu), errors only.

The same pages as the axe test (tests/browser/test_phone_and_access.py), the role-page set
of tests/browser/support.py, plus a report refusing a value and a review refusing a return. Each page is rendered by the test client,
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
from tests.browser.support import role_page_urls, role_pages
from tests.conftest import login_as

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar")


@pytest.fixture
def world():
    return role_pages({note_key("I.4"): "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh."})


def rendered_pages(app, world) -> dict[str, str]:
    """name → the HTML of each page of the role-page set, as its user gets it."""
    pages: dict[str, str] = {}
    for user, urls in role_page_urls(world):
        client = app.test_client()
        if user is not None:
            login_as(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            name = f"{user.username if user else 'anonymous'}{url}".strip("/").replace("/", "-").replace("?", "-")
            pages[name] = response.get_data(as_text=True)
    # A value refused with JavaScript off: the whole page again, the message beside the cell.
    reporter = app.test_client()
    login_as(reporter, world["reporters"][0])
    draft = world["draft"].id
    response = reporter.post(f"/submissions/{draft}/save", data={"v.I.1/published": "mười", "ver.I.1/published": "0"})
    assert response.status_code == 422
    pages["report-invalid-value"] = response.get_data(as_text=True)
    # A return refused for want of a comment: the review page again, with the message.
    boss = app.test_client()
    login_as(boss, world["boss"])
    response = boss.post(f"/rounds/submissions/{world['submitted'].id}/return", data={})
    assert response.status_code == 422
    pages["review-refused"] = response.get_data(as_text=True)
    return pages


def vnu_errors(files: list[Path]) -> list[dict]:
    """The checker's errors for ``files``, in one run."""
    java = shutil.which("java")
    assert java, "java is missing: `make test-deps` installs default-jre-headless"
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout",
                             "--exit-zero-always", *map(str, files)], check=False, capture_output=True, text=True, timeout=300)
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
