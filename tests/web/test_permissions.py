"""Every route refuses every role outside its scope (design §4).

The routes are read from ``app.url_map`` at collection time, so a route added later is
tried automatically. Each id in a URL is replaced by the id of an object belonging to
district B; the callers belong to district A. A route whose argument name is not in
``OUT_OF_SCOPE`` fails the test until someone says which object of district B to use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import product

import pytest
from flask import g
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import (
    Directive,
    DirectiveAssignment,
    DirectiveTask,
    ReportPdf,
    SignedReport,
    SubmissionDocument,
    SubmissionValue,
    User,
)
from app.reporting.periods import make_period
from app.reporting.templates import shipped_templates
from app.services.jobs import enqueue
from app.services.orgtree import add_unit
from app.services.report_pdf import PDF_JOB
from app.services.rounds import open_round
from tests.conftest import Config, login_as
from tests.factories import PASSWORD

# District B: every name here is something a caller from district A must never see.
B_NAMES = ("Huyện Bên Kia", "Xã Bên Kia Một", "Xã Bên Kia Hai", "Trần Thị Bí Mật")

PUBLIC_ENDPOINTS = {"static", "auth.login"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class World:
    province: object
    district_a: object
    commune_a1: object
    commune_a2: object
    district_b: object
    commune_b1: object
    reporter_a1: object
    reviewer_a: object
    reporter_b1: object
    reviewer_b: object
    province_round: object
    round_a: object
    round_b: object
    sub_a2: object
    sub_b1: object
    sub_b_upward: object
    doc_b1: object
    doc_a2: object
    directive_b: object
    task_b: object
    directive_p: object
    task_p: object
    job_b: object = None
    pdf_b: object = None
    signed_b: object = None


def build_world() -> World:
    """Two districts under one province, with rounds at both levels; one commit (the suite runs on PostgreSQL too)."""
    template = shipped_templates()["quarterly_tthc"]
    period = make_period(template.frequency, 2024, 2, template.period_convention)

    def user(unit, role, full_name="Nguyễn Văn A"):
        u = User(username=f"{role}.{unit.code.lower()}", full_name=full_name, role=role, unit=unit, phone="0912345678")
        u.set_password(PASSWORD)
        db.session.add(u)
        return u

    def round_for(unit, expected, deadline):
        return open_round(unit=unit, template=template, period=period, deadline=deadline, expected=expected,
                          instructions="", opened_by=None)

    province = add_unit("P", "Tỉnh Thử Nghiệm", "province")
    district_a = add_unit("P.A", "Huyện Bên Này", "district", province)
    a1 = add_unit("P.A.X1", "Xã Bên Này Một", "commune", district_a, sort_order=1)
    a2 = add_unit("P.A.X2", "Xã Bên Này Hai", "commune", district_a, sort_order=2)
    district_b = add_unit("P.B", "Huyện Bên Kia", "district", province)
    b1 = add_unit("P.B.X1", "Xã Bên Kia Một", "commune", district_b, sort_order=1)
    b2 = add_unit("P.B.X2", "Xã Bên Kia Hai", "commune", district_b, sort_order=2)
    reporter_a1, reviewer_a = user(a1, "reporter"), user(district_a, "reviewer")
    user(a2, "reporter")
    user(province, "reviewer")
    reporter_b1 = user(b1, "reporter", "Trần Thị Bí Mật")
    reviewer_b = user(district_b, "reviewer", "Trần Thị Bí Mật")

    province_round = round_for(province, [district_a, district_b], date(2024, 6, 28))
    round_a = round_for(district_a, [a1, a2], date(2024, 6, 19))
    round_b = round_for(district_b, [b1, b2], date(2024, 6, 19))
    sub_a2, sub_b1, sub_b_upward = round_a.submissions[1], round_b.submissions[0], province_round.submissions[1]
    # Submitted, so a review action that forgot its scope check would go through.
    sub_b1.status = sub_b_upward.status = "submitted"
    sub_a2.status = "draft"
    db.session.flush()
    for sub, owner in ((sub_b1, b1), (sub_b_upward, district_b), (sub_a2, a2)):
        db.session.add(SubmissionValue(submission_id=sub.id, key="I.2/text", text_value=f"Nội dung của {owner.name}"))
    doc_b1 = SubmissionDocument(submission_id=sub_b1.id, section_id="I.5.1", doc_type="KH", number="1/KH-UBND",
                                summary="Kế hoạch của Xã Bên Kia Một")
    doc_a2 = SubmissionDocument(submission_id=sub_a2.id, section_id="I.5.1", doc_type="KH", number="2/KH-UBND",
                                summary="Kế hoạch của Xã Bên Này Hai")
    db.session.add_all([doc_b1, doc_a2])
    # District B's own directive, and one of the province's that assigns only district B's commune.
    directive_b = Directive(unit=district_b, doc_type="CT", number="1/CT-UBND", issued_on=date(2024, 2, 1),
                            title="Chỉ thị của Huyện Bên Kia")
    directive_p = Directive(unit=province, doc_type="CT", number="2/CT-UBND", issued_on=date(2024, 2, 1),
                            title="Giao Xã Bên Kia Một rà soát")
    task_b = DirectiveTask(directive=directive_b, label="1", content="Việc của Xã Bên Kia Một", template_codes="quarterly_tthc",
                           assignments=[DirectiveAssignment(unit=b1)])
    task_p = DirectiveTask(directive=directive_p, label="1", content="Việc của Xã Bên Kia Hai", template_codes="quarterly_tthc",
                           assignments=[DirectiveAssignment(unit=b1), DirectiveAssignment(unit=district_b)])
    db.session.add_all([directive_b, directive_p, task_b, task_p])
    db.session.commit()
    assert (sub_a2.unit, sub_b1.unit, sub_b_upward.unit) == (a2, b1, district_b)
    # District B's PDF of its consolidated report, being made.
    job_b = enqueue(PDF_JOB, {"unit_id": district_b.id, "round_id": round_b.id, "provisional": False}, reviewer_b)
    pdf_b = ReportPdf(unit_id=district_b.id, round_id=round_b.id, job_id=job_b.id, sha256="0" * 64, size=9,
                      data_digest="0" * 64, title="Báo cáo của Huyện Bên Kia", data=b"%PDF-1.7 ")
    db.session.add(pdf_b)
    db.session.flush()
    signed_b = SignedReport(unit_id=district_b.id, round_id=round_b.id, report_pdf_id=pdf_b.id, sha256="1" * 64,
                            size=9, data=b"%PDF-1.7 ", signer_name="Trần Thị Bí Mật")
    db.session.add(signed_b)
    db.session.commit()
    return World(province, district_a, a1, a2, district_b, b1, reporter_a1, reviewer_a, reporter_b1, reviewer_b,
                 province_round, round_a, round_b, sub_a2, sub_b1, sub_b_upward, doc_b1, doc_a2,
                 directive_b, task_b, directive_p, task_p, job_b, pdf_b, signed_b)


def _section_for(rule) -> str:
    """A real section of the kind the route expects, so only the scope check can refuse."""
    if "narrative" in rule.rule:
        return "I.2"
    if "document" in rule.rule:
        return "I.5.1"
    return "I.4"


# URL argument name -> the objects of district B (or the province above it) to put there.
OUT_OF_SCOPE = {
    "round_id": lambda w, rule: [w.round_b.id, w.province_round.id],
    "submission_id": lambda w, rule: [w.sub_b1.id, w.sub_b_upward.id],
    "unit_id": lambda w, rule: [w.district_b.id, w.commune_b1.id],
    "user_id": lambda w, rule: [w.reporter_b1.id, w.reviewer_b.id],
    "document_id": lambda w, rule: [w.doc_b1.id],
    "section_id": lambda w, rule: [_section_for(rule)],
    "key": lambda w, rule: ["I.4/_total/c3"],
    "directive_id": lambda w, rule: [w.directive_b.id, w.directive_p.id],
    "task_id": lambda w, rule: [w.task_b.id, w.task_p.id],
    "job_id": lambda w, rule: [w.job_b.id],
    "pdf_id": lambda w, rule: [w.pdf_b.id],
    "signed_id": lambda w, rule: [w.signed_b.id],
    # Installation-wide: the system administrator's trust anchors.
    "anchor_id": lambda w, rule: [1],
    # Installation-wide objects an administrator manages; no unit owns them, so any id does.
    "day_id": lambda w, rule: [1],
    "move_id": lambda w, rule: [1],
    "kind": lambda w, rule: ["units", "users"],
    # Report templates: administrators' pages, refused to reporters and reviewers whatever they name.
    "code": lambda w, rule: ["quarterly_tthc"],
    "version_id": lambda w, rule: [1],
    "index": lambda w, rule: [0],
    "extension": lambda w, rule: ["xlsx", "docx"],
}


def _payload(w: World) -> dict:
    """Plausible form values, so a route without a scope check would act rather than fail on input."""
    return {"unit_id": w.district_b.id, "action": "open", "text": "Ghi đè", "version": "1", "doc_type": "QĐ",
            "number": "9/QĐ-UBND", "summary": "Ghi đè", "comment.I.2": "Sửa lại", "start": "I.4/ho_tich/c4",
            "v.I.2/text": "Ghi đè", "key": "I.4/_total/c3", "q": "Bên Kia", "open": w.district_b.id,
            "content": "Ghi đè", "status": "closed", "groups": "communes", "templates": "quarterly_tthc"}


def _rules():
    rules_app = create_app(Config)
    return sorted((r for r in rules_app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS),
                  key=lambda r: (r.rule, r.endpoint))


RULES = _rules()
WITH_IDS = [r for r in RULES if r.arguments]
WITHOUT_IDS = [r for r in RULES if not r.arguments]


def _cases(rules):
    return [pytest.param(r.endpoint, r.rule, m, id=f"{m} {r.rule}") for r in rules for m in sorted(r.methods - IGNORED_METHODS)]


def _rule(app, endpoint: str, path: str):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == path)


def _urls(app, rule, w: World) -> list[str]:
    unknown = sorted(set(rule.arguments) - OUT_OF_SCOPE.keys())
    if unknown:
        pytest.fail(f"{rule.rule} takes {unknown}: add it to the OUT_OF_SCOPE mapping in {__name__} "
                    "with an object of district B, so this route's scope check is tested.")
    names = sorted(rule.arguments)
    choices = [OUT_OF_SCOPE[name](w, rule) for name in names]
    adapter = app.url_map.bind("localhost")
    return [adapter.build(rule.endpoint, dict(zip(names, values)), method=None) for values in product(*choices)]


def _call(client, method: str, url: str, w: World, **kw):
    if method == "GET":
        return client.get(url, query_string={k: v for k, v in _payload(w).items() if k in ("unit_id", "key", "q", "open")}, **kw)
    return client.open(url, method=method, data=_payload(w), **kw)


def _fingerprint() -> list:
    """Everything a refused request could have changed."""
    queries = [
        "SELECT id, status, version, submitted_at, approved_at FROM submission ORDER BY id",
        "SELECT id, status, deadline FROM reporting_round ORDER BY id",
        "SELECT id, key, int_value, text_value, version FROM submission_value ORDER BY id",
        "SELECT id, number, summary, version FROM submission_document ORDER BY id",
        "SELECT id, username, active, must_change_password, password_hash, role, unit_id FROM user_account ORDER BY id",
        "SELECT id, code, name, active, parent_id, path FROM org_unit ORDER BY id",
        "SELECT count(*) FROM change_log",
        "SELECT count(*) FROM review_comment",
        "SELECT count(*) FROM round_narrative",
        "SELECT count(*) FROM catalogue_field",
        "SELECT id, status, version, number, title FROM directive ORDER BY id",
        "SELECT id, status, version, content FROM directive_task ORDER BY id",
        "SELECT count(*) FROM directive_assignment",
        "SELECT count(*) FROM directive_log",
        "SELECT count(*) FROM directive_attachment",
        "SELECT count(*) FROM round_followup",
    ]
    db.session.expire_all()
    return [db.session.execute(text(q)).all() for q in queries]


def _assert_no_leak(response):
    body = response.get_data(as_text=True)
    leaked = [name for name in B_NAMES if name in body]
    assert not leaked, f"{response.request.method} {response.request.path} shows {leaked}"


def _sign_in(app, w: World, role: str):
    # Requests share the test's app context, where Flask-Login caches the signed-in user.
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, w.reporter_a1 if role == "reporter" else w.reviewer_a)
    return client


@pytest.mark.parametrize("endpoint,path,method", _cases(WITH_IDS))
def test_a_user_of_district_a_cannot_reach_anything_of_district_b(app, endpoint, path, method):
    w = build_world()
    rule = _rule(app, endpoint, path)
    urls = _urls(app, rule, w)
    before = _fingerprint()
    for role in ("reporter", "reviewer"):
        client = _sign_in(app, w, role)
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = _call(client, method, url, w, headers=headers)
                expected = (403,) if path.startswith("/admin/") else (403, 404)
                assert response.status_code in expected, f"{role} {method} {url} {headers} -> {response.status_code}"
                _assert_no_leak(response)
    assert _fingerprint() == before, f"a refused {method} {path} changed the database"


@pytest.mark.parametrize("endpoint,path,method", _cases(WITHOUT_IDS))
def test_routes_without_ids_refuse_by_role_and_never_show_district_b(app, endpoint, path, method):
    w = build_world()
    before = _fingerprint()
    for role in ("reporter", "reviewer"):
        response = _call(_sign_in(app, w, role), method, path, w)
        if path.startswith("/admin"):
            assert response.status_code == 403, role
        elif endpoint.startswith("review.") and role == "reporter":
            assert response.status_code == 403, role
        elif endpoint == "review.round_new":
            # The payload names district B as the consolidating unit.
            assert response.status_code == 404, role
        else:
            assert response.status_code < 500, role
        _assert_no_leak(response)
        if endpoint != "auth.logout":
            assert _fingerprint() == before, f"{method} {path} as a {role} changed the database"


@pytest.mark.parametrize("endpoint,path,method", _cases(RULES))
def test_an_anonymous_visitor_is_sent_to_the_login_page(app, client, endpoint, path, method):
    rule = _rule(app, endpoint, path)
    unknown = sorted(set(rule.arguments) - OUT_OF_SCOPE.keys())
    if unknown:
        pytest.fail(f"{rule.rule} takes {unknown}: add it to the OUT_OF_SCOPE mapping in {__name__}.")
    values = {name: ("I.2" if name == "section_id" else "I.2/text" if name == "key" else 1) for name in rule.arguments}
    url = app.url_map.bind("localhost").build(endpoint, values)
    page = client.open(url, method=method)
    assert page.status_code in (302, 303)
    assert page.headers["Location"].startswith("/login")
    fragment = client.open(url, method=method, headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"].startswith("/login")


def test_a_reporter_cannot_open_another_communes_submission_in_the_same_district(client):
    w = build_world()
    login_as(client, w.reporter_a1)
    before = _fingerprint()
    for method, url in [
        ("GET", f"/submissions/{w.sub_a2.id}"),
        ("GET", f"/submissions/{w.sub_a2.id}/previous-plans"),
        ("GET", f"/submissions/{w.sub_a2.id}/documents/I.5.1"),
        ("POST", f"/submissions/{w.sub_a2.id}/save"),
        ("POST", f"/submissions/{w.sub_a2.id}/paste"),
        ("POST", f"/submissions/{w.sub_a2.id}/submit"),
        ("POST", f"/submissions/{w.sub_a2.id}/documents/I.5.1"),
        ("POST", f"/submissions/{w.sub_a2.id}/documents/I.5.1/{w.doc_a2.id}"),
    ]:
        response = client.open(url, method=method, data={"v.I.2/text": "Ghi đè", "doc_type": "QĐ", "number": "1", "summary": "x"})
        assert response.status_code == 404, f"{method} {url}"
        assert "Xã Bên Này Hai" not in response.get_data(as_text=True)
    assert _fingerprint() == before


def test_a_reviewer_sees_its_own_communes_but_not_its_parents_round(client):
    w = build_world()
    login_as(client, w.reviewer_a)
    assert client.get(f"/rounds/{w.round_a.id}").status_code == 200
    assert client.get(f"/rounds/submissions/{w.sub_a2.id}").status_code == 200
    assert client.get(f"/rounds/{w.province_round.id}").status_code == 404
    rounds_page = client.get("/rounds/").get_data(as_text=True)
    assert f"/rounds/{w.round_a.id}" in rounds_page
    assert f"/rounds/{w.round_b.id}" not in rounds_page


def test_a_reporter_gets_403_on_review_and_admin_pages(client):
    w = build_world()
    login_as(client, w.reporter_a1)
    for url in ("/rounds/", "/rounds/new", f"/rounds/{w.round_a.id}", "/admin/units", "/admin/users"):
        assert client.get(url).status_code == 403, url


# --- A higher level reads a lower level's rounds, never acts in them -----------------------------

POST_IN_ROUNDS = [r for r in RULES if "POST" in r.methods and {"round_id", "submission_id"} & set(r.arguments)]

# URL argument name -> district A's objects (its round and its communes' reports), seen from the province.
DISTRICT_A = {
    "round_id": lambda w: [w.round_a.id],
    "submission_id": lambda w: [w.sub_a2.id, w.round_a.submissions[0].id],
    "document_id": lambda w: [w.doc_a2.id],
    "task_id": lambda w: [w.task_p.id],
}


def all_tables() -> dict[str, list]:
    """Every row the portal keeps, except the records of who signed in."""
    db.session.expire_all()
    skipped = {"login_failure", "login_attempt", "user_session"}
    return {t.name: db.session.execute(text(f'SELECT * FROM "{t.name}" ORDER BY 1')).all()
            for t in db.metadata.sorted_tables if t.name not in skipped}


@pytest.mark.parametrize("round_status", ["open", "closed"])
@pytest.mark.parametrize("rule", POST_IN_ROUNDS, ids=[f"POST {r.rule}" for r in POST_IN_ROUNDS])
def test_a_province_reviewer_acts_in_no_district_round(app, rule, round_status):
    w = build_world()
    # Submitted, so an approval or a return that forgot the round rule would go through.
    w.sub_a2.status = w.round_a.submissions[0].status = "submitted"
    w.round_a.status = round_status
    db.session.commit()
    province_reviewer = db.session.scalar(db.select(User).where(User.username == "reviewer.p"))
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, province_reviewer)
    adapter = app.url_map.bind("localhost")
    names = sorted(rule.arguments)
    choices = [DISTRICT_A[n](w) if n in DISTRICT_A else OUT_OF_SCOPE[n](w, rule) for n in names]
    payload = _payload(w) | {"submission_id": str(w.sub_a2.id), "channel": "sms", "confirm": "1", "target": "0",
                             "new_deadline": "30/07/2024", "reason": "Cấp trên gia hạn", "append": "1",
                             "comment.I.4": "Sửa lại", "symbol": "UBND", "signer_name": "Cấp Trên"}
    before = all_tables()
    for values in product(*choices):
        url = adapter.build(rule.endpoint, dict(zip(names, values)), method=None)
        for headers in ({}, {"HX-Request": "true"}):
            g.pop("_login_user", None)
            response = client.post(url, data=payload, headers=headers)
            assert response.status_code in (403, 404), f"POST {url} {headers} -> {response.status_code}"
    g.pop("_login_user", None)
    after = all_tables()
    assert {t for t in before if before[t] != after[t]} == set(), f"a refused POST {rule.rule} changed the database"


def test_a_province_reviewer_reads_a_district_board_without_its_buttons(client):
    w = build_world()
    login_as(client, db.session.scalar(db.select(User).where(User.username == "reviewer.p")))
    page = client.get(f"/rounds/{w.round_a.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Xã Bên Này Hai" in body
    for button in ("Ghi nhận đã nhắc", "Đóng đợt", "Gia hạn"):
        assert button not in body, button
    g.pop("_login_user", None)
    login_as(app_client := client.application.test_client(), w.reviewer_a)
    assert "Ghi nhận đã nhắc" in app_client.get(f"/rounds/{w.round_a.id}").get_data(as_text=True)
