"""Two application nodes, one database: two independent gunicorn processes (own master,
worker and port, as on two machines behind nginx) on the test PostgreSQL database behave as
one portal. Nothing a request needs lives in one node's memory or on its disk: sessions,
login throttling, versions and stored files are in the database.

PostgreSQL only: SQLite is one file on one machine, never shared by two nodes.
"""
from __future__ import annotations

import http.cookiejar
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Directive
from tests.factories import PASSWORD, make_round, make_tree, make_user, set_values, submission_for

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="several nodes share a PostgreSQL database; SQLite is one machine's file")

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "nodes-test-" + "7f3a9c1e5b2d8f4a6c0e" * 2  # the one secret every node of a portal shares
CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
KEY = "I.4/ho_tich/c4"
TIMEOUT = 300  # seconds a request may take on a machine busy with other work; a working one takes well under 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nodes(app, tmp_path_factory):
    """Base URLs of two gunicorn instances on the test database."""
    from tests.conftest import Config

    env = dict(os.environ, DATABASE_URL=Config.SQLALCHEMY_DATABASE_URI.replace("postgresql+psycopg://", "postgresql://"),
               SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), TONGHOP_LOGIN_ACCOUNTS_PER_ADDRESS="1000")
    env.pop("TONGHOP_ENV", None)  # plain HTTP on loopback: cookies without the Secure flag
    folder = tmp_path_factory.mktemp("nodes")
    started = []
    for n in range(2):
        port = _free_port()
        log = open(folder / f"node{n}.log", "w")
        # A long worker timeout: on a machine busy with other work a first request may be slow,
        # and a worker killed mid-request would fail a test that has nothing wrong.
        process = subprocess.Popen([GUNICORN, "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "300", "wsgi:app"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log, port, folder / f"node{n}.log"))
    try:
        for process, _, port, log_path in started:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for _, _, port, _ in started]
    finally:
        for process, log, _, log_path in started:
            process.terminate()
            process.wait(timeout=30)
            log.close()
            assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser's cookies, sent to whichever node a request names (as nginx would)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.csrf = None

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) without following redirects."""
        try:
            with self.opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=TIMEOUT) as r:
                return r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read().decode("utf-8", "replace")

    def get(self, url: str):
        status, headers, body = self.request(url)
        found = CSRF_HEADER.search(body) or CSRF_FORM.search(body)
        if found:
            self.csrf = found.group(1)
        return status, headers, body

    def post(self, url: str, fields: dict, headers: dict | None = None):
        data = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}).encode()
        return self.request(url, data, {"Content-Type": "application/x-www-form-urlencoded",
                                        "X-CSRFToken": self.csrf, **(headers or {})})

    def login(self, node: str, username: str, password: str = PASSWORD) -> int:
        self.get(node + "/login")
        status, _, _ = self.post(node + "/login", {"username": username, "password": password})
        return status

    def signed_in(self, node: str) -> bool:
        status, headers, _ = self.request(node + "/")
        return status == 200 and "/login" not in headers.get("Location", "")


@pytest.fixture
def officer():
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    set_values(sub, {KEY: 3})
    return make_user(units[0]), make_user(district, "reviewer"), sub


def test_logging_out_on_one_node_ends_the_session_on_the_other(nodes, officer):
    a, b = nodes
    browser, copied = Browser(), Browser()
    assert browser.login(a, officer[0].username) == 303
    for cookie in browser.jar:  # a copy of the cookie, as someone who took it would keep it
        copied.jar.set_cookie(cookie)
    assert copied.signed_in(b)  # the session made on node A is known to node B
    browser.get(a + "/")
    assert browser.post(a + "/logout", {})[0] == 303
    assert not copied.signed_in(b)
    assert not copied.signed_in(a)


def test_a_password_change_on_one_node_ends_the_other_sessions_on_both(nodes, officer):
    a, b = nodes
    here, elsewhere = Browser(), Browser()
    assert here.login(a, officer[0].username) == 303
    assert elsewhere.login(b, officer[0].username) == 303
    assert elsewhere.signed_in(a) and elsewhere.signed_in(b)
    here.get(a + "/password")
    new = "Cai-cach-hanh-chinh-2026!"
    status, _, body = here.post(a + "/password", {"current": PASSWORD, "new": new, "confirm": new})
    assert status == 303, body[:2000]
    assert not elsewhere.signed_in(a)
    assert not elsewhere.signed_in(b)
    assert here.signed_in(b)  # the browser that changed it goes on, on any node


def test_login_throttling_counts_failures_made_on_every_node(nodes, officer):
    a, b = nodes
    username = officer[0].username
    for n in range(5):  # LOGIN_FAILURES_PER_ACCOUNT, alternating nodes
        node = (a, b)[n % 2]
        browser = Browser()
        browser.get(node + "/login")
        status, _, body = browser.post(node + "/login", {"username": username, "password": f"sai-mat-khau-{n}"})
        assert status == 422 and "không đúng" in body
    for node in (a, b):
        browser = Browser()
        browser.get(node + "/login")
        status, _, body = browser.post(node + "/login", {"username": username, "password": PASSWORD})
        assert status == 422 and "phút" in body, body[:2000]  # locked for some minutes, even with the right password
        assert not browser.signed_in(node)


def test_a_save_from_a_stale_page_on_one_node_after_a_newer_save_on_the_other_gets_409(nodes, officer):
    a, b = nodes
    user, _, sub = officer
    tab_a, tab_b = Browser(), Browser()
    for tab, node in ((tab_a, a), (tab_b, b)):
        assert tab.login(node, user.username) == 303
        assert tab.get(f"{node}/submissions/{sub.id}")[0] == 200  # both tabs saw version 1
    headers = {"HX-Request": "true"}
    status, _, _ = tab_b.post(f"{b}/submissions/{sub.id}/save", {f"v.{KEY}": "7", f"ver.{KEY}": "1"}, headers)
    assert status == 200
    status, _, body = tab_a.post(f"{a}/submissions/{sub.id}/save", {f"v.{KEY}": "9", f"ver.{KEY}": "1"}, headers)
    assert status == 409, body[:2000]
    db.session.expire_all()
    from app.services.submissions import stored_values

    assert stored_values(sub.id)[KEY].value == 7  # the newer save stands


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_file_uploaded_through_one_node_is_served_by_the_other(nodes, officer):
    a, b = nodes
    reviewer = officer[1]
    browser = Browser()
    assert browser.login(a, reviewer.username) == 303
    browser.get(a + "/directives/new")
    content = _docx()
    fields = {"csrf_token": browser.csrf, "doc_type": "CT", "number": "05/CT-UBND", "issued_on": "05/02/2024",
              "signer": "KT. Chủ tịch Nguyễn Xuân Việt", "title": "Về đẩy mạnh cải cách hành chính",
              "full_text": "Chủ tịch UBND huyện chỉ thị: …",
              "attachment": FileStorage(io.BytesIO(content), filename="Chỉ thị 05.docx")}
    boundary, body = encode_multipart(MultiDict(fields))
    status, _, page = browser.request(a + "/directives/new", body, {
        "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": browser.csrf})
    assert status == 303, page[:2000]
    db.session.expire_all()
    directive = db.session.scalar(select(Directive))
    other = Browser()
    assert other.login(b, reviewer.username) == 303
    with other.opener.open(f"{b}/directives/{directive.id}/attachment", timeout=TIMEOUT) as response:
        assert response.status == 200
        assert response.read() == content
