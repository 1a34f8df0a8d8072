"""Every character class through every text field, then through every export.

Text is cleaned at the input boundary (reporting.text.clean_text: control characters
other than tab and newline removed, NUL never stored, NFC); the Word and Excel writers
hold whatever is already stored (reporting.text.xml_safe). The forms are read from the
pages themselves, so a text field added later is fed too.
"""
from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from flask import g
from lxml import etree
from sqlalchemy import String, Text, select

from app.extensions import db
from app.models import ReportingRound, Submission, SubmissionValue
from app.reporting.keys import text_key
from app.reporting.text import clean_text
from app.services.rounds import round_template
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

CHARACTER_CLASSES = {
    "C0 controls": "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
    "DEL and C1": "".join(chr(c) for c in range(0x7F, 0xA0)),
    "non-characters": "\ufffe\uffff\U0001fffe",
    "line endings": "một\r\nhai\rba\nbốn",
    "tab": "cột\tcột",
    "decomposed Vietnamese": "Tie\u0302\u0301p nha\u0323\u0302n",
    "astral": "🙂𝔸",
    "zero-width and bidi": "\u200b\u200e\u202e\u2066x\u2069",
    "private use and replacement": "\ue000\ufffd",
    "markup": "<w:t>&amp;</w:t>]]><!--",
    "formula": '=HYPERLINK("http://x","y")',
}
# One short string with a sample of every class, so fields with small limits take it too.
EVERYTHING = "Đã\x00\x01\x07\x0b\x0c\x1b\x7f\x85\x9f\ufffe\uffff\u200b\u202e\ue000🙂 a\tb\r\nTie\u0302\u0301p <w:t>&amp;]]>"
_NOT_CLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


class Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, type, value), as a browser sends them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "reset"):
                self.forms[-1]["fields"].append([a["name"], kind, a.get("value") or ""])
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"].append([a["name"], "textarea", ""])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"].append([a["name"], "select", None])
        elif tag == "option" and self._select:
            field = self.forms[-1]["fields"][-1]
            if field[2] is None or "selected" in a:
                field[2] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(client, page: str, text: str, skip_fields=("password", "current", "new", "confirm")) -> list[int]:
    """Fill every text field of every POST form on the page with ``text`` and send it."""
    g.pop("_login_user", None)
    response = client.get(page)
    assert response.status_code == 200, page
    parser = Forms()
    parser.feed(response.get_data(as_text=True))
    statuses = []
    for form in parser.forms:
        if form["method"] != "post":
            continue
        data = {}
        for name, kind, value in form["fields"]:
            if kind in ("text", "textarea", "search") and name not in skip_fields:
                value = text
            data.setdefault(name, value or "")
        if not any(kind in ("text", "textarea") for _, kind, _ in form["fields"]):
            continue
        g.pop("_login_user", None)
        statuses.append(client.post(form["action"] or page, data=data).status_code)
        g.pop("_login_user", None)
    return statuses


def every_stored_string() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row):
                if isinstance(value, str):
                    found.append((table.name, column.name, value))
    return found


def assert_valid_office_xml(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(archive.read(name))


@pytest.fixture
def world(client):
    province, district, communes = make_tree(2)
    upward = make_round(province, "quarterly_tthc", expected=[district])
    round_ = make_round(district, "quarterly_tthc", expected=communes)
    sub = submission_for(round_, communes[0])
    users = {"reporter": make_user(communes[0], "reporter"), "reviewer": make_user(district, "reviewer"),
             "province": make_user(province, "reviewer"), "admin": make_user(province, "admin", username="quantri")}
    return {"round": round_, "upward": upward, "sub": sub, "users": users, "district": district}


def signed_in(app, user):
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, user)
    g.pop("_login_user", None)
    return client


@pytest.mark.parametrize("name", CHARACTER_CLASSES)
def test_every_character_class_is_cleaned_when_saved(app, world, name):
    client = signed_in(app, world["users"]["reporter"])
    template = round_template(world["round"])
    keys = [text_key(s.id) for s in template.sections_of("narrative")]
    typed = f"Đầu {CHARACTER_CLASSES[name]} cuối"
    for htmx in (False, True):
        for key in keys:
            response = client.post(f"/submissions/{world['sub'].id}/save", data={"v." + key: typed + str(htmx)},
                                   headers={"HX-Request": "true"} if htmx else {})
            assert response.status_code in (200, 303), (key, response.status_code)
    stored = db.session.scalars(select(SubmissionValue.text_value).where(SubmissionValue.text_value.is_not(None))).all()
    assert stored and all(value == clean_text(value) for value in stored)
    assert all(not _NOT_CLEAN.search(value) for value in stored)
    if name == "decomposed Vietnamese":
        assert any("Tiếp nhận" in value for value in stored)


def test_every_text_field_of_every_form_stores_only_clean_text_and_every_export_holds(app, world):
    sub, round_ = world["sub"], world["round"]
    reporter = signed_in(app, world["users"]["reporter"])
    reviewer = signed_in(app, world["users"]["reviewer"])
    admin = signed_in(app, world["users"]["admin"])
    statuses = post_forms(reporter, f"/submissions/{sub.id}", EVERYTHING)
    g.pop("_login_user", None)
    reporter.post(f"/submissions/{sub.id}/paste", data={"start": "I.4/ho_tich/c3", "text": "1\x0b2\t3\x00\r\n4\t5"})
    statuses += post_forms(reporter, "/password", EVERYTHING)
    statuses += post_forms(reviewer, f"/rounds/{round_.id}/consolidated", EVERYTHING)
    statuses += post_forms(reviewer, f"/exports/rounds/{round_.id}/word", EVERYTHING)
    statuses += post_forms(reviewer, "/rounds/new", EVERYTHING)
    db.session.get(Submission, sub.id).status = "submitted"
    db.session.commit()
    statuses += post_forms(reviewer, f"/rounds/submissions/{sub.id}", EVERYTHING)
    for page in ("/admin/units/new", "/admin/users/new", "/admin/fields", f"/admin/units/{world['district'].id}/edit"):
        statuses += post_forms(admin, page, EVERYTHING)
    statuses += post_forms(app.test_client(), "/login", EVERYTHING)
    assert statuses and all(status < 500 for status in statuses), statuses
    dirty = [(table, column, value) for table, column, value in every_stored_string() if _NOT_CLEAN.search(value)]
    assert not dirty
    _export_everything(app, world)


def test_the_writers_hold_text_stored_before_the_boundary_existed(app, world):
    """Values written straight to the database (an old row, a script): every export still works."""
    sub, round_ = world["sub"], world["round"]
    template = round_template(round_)
    raw = "".join(CHARACTER_CLASSES.values())
    if db.engine.dialect.name == "postgresql":
        raw = raw.replace("\x00", "")  # PostgreSQL could never have stored a NUL
    set_values(sub, {text_key(s.id): f"{s.id}: {raw}" for s in template.sections_of("narrative")}, status="approved")
    upward_sub = submission_for(world["upward"], world["district"])
    set_values(upward_sub, {text_key(s.id): raw for s in template.sections_of("narrative")}, status="approved")
    _export_everything(app, world)


def _export_everything(app, world):
    sub, round_, upward = world["sub"], world["round"], world["upward"]
    db.session.get(Submission, sub.id).status = "approved"
    db.session.commit()
    reporter = signed_in(app, world["users"]["reporter"])
    reviewer = signed_in(app, world["users"]["reviewer"])
    province = signed_in(app, world["users"]["province"])
    downloads = [(reporter, f"/exports/submissions/{sub.id}.docx"), (reporter, f"/exports/submissions/{sub.id}.xlsx"),
                 (reviewer, f"/exports/rounds/{round_.id}.docx"), (reviewer, f"/exports/rounds/{round_.id}.xlsx"),
                 (reviewer, f"/exports/rounds/{round_.id}.docx?provisional=1"),
                 (province, f"/exports/rounds/{upward.id}.docx?provisional=1"),
                 (province, f"/exports/rounds/{upward.id}.xlsx?provisional=1")]
    for client, url in downloads:
        g.pop("_login_user", None)
        response = client.get(url, buffered=True)
        assert response.status_code == 200, url
        assert_valid_office_xml(response.data)
    assert db.session.get(ReportingRound, upward.id) is not None
