"""Administrators scoped to a subtree (issue 22): route × scoped administrator × foreign object.

An administrator of district A calls every administration route (and every route that
runs a round) with the objects of district B, its neighbour under the same province: every
call is refused (403/404) and changes nothing, and no page an administrator of A opens —
lists, pickers, the log, the Excel files — names anything of B. The routes are read from
the URL map, so a route added later is tried too.
"""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import text

from app.extensions import db
from app.models import CalendarDay, CatalogueField, UnitMove, UnitSuccession, User
from app.services.admin_log import record_admin_action
from tests.conftest import login_as
from tests.factories import PASSWORD
from tests.web.test_permissions import RULES, _cases, _rule, build_world

B_ONLY = ("Huyện Bên Kia", "Xã Bên Kia Một", "Xã Bên Kia Hai", "Trần Thị Bí Mật", "Lĩnh vực Bên Kia", "Nghỉ riêng Bên Kia",
          "reporter.p.b.x1", "reviewer.p.b")

ADMIN_RULES = [r for r in RULES if r.rule.startswith("/admin") or r.endpoint in ("review.round_status", "review.extend")]


def _world():
    w = build_world()
    admin_a = User(username="quantri.a", full_name="Quản trị Huyện A", role="admin", unit=w.district_a)
    admin_a.set_password(PASSWORD)
    db.session.add(admin_a)
    field_b = CatalogueField(code="rieng_b", name="Lĩnh vực Bên Kia", unit=w.district_b)
    day_b = CalendarDay(day=date(2024, 6, 3), kind="off", note="Nghỉ riêng Bên Kia", unit=w.district_b)
    move_b = UnitMove(unit=w.commune_b1, old_parent_id=w.district_b.id, new_parent=w.province, effective_on=date(2099, 1, 1))
    merger_b = UnitSuccession(predecessor=w.commune_b1, successor=w.district_b.children[1], effective_on=date(2099, 1, 1))
    db.session.add_all([field_b, day_b, move_b, merger_b])
    db.session.flush()
    record_admin_action(w.reviewer_b, "unit.edit", w.commune_b1, {"name": "Xã Bên Kia Một cũ"}, {"name": "Xã Bên Kia Một"})
    db.session.commit()
    objects = {"unit_id": [w.district_b.id, w.commune_b1.id], "user_id": [w.reporter_b1.id, w.reviewer_b.id],
               "day_id": [day_b.id], "move_id": [move_b.id], "round_id": [w.round_b.id], "field_id": [field_b.id]}
    return w, admin_a, objects, merger_b


def _fingerprint() -> list:
    queries = [
        "SELECT id, code, name, kind, active, parent_id, path, sort_order FROM org_unit ORDER BY id",
        "SELECT id, username, active, must_change_password, password_hash, role, unit_id, system_admin FROM user_account ORDER BY id",
        "SELECT id, code, name, unit_id, active FROM catalogue_field ORDER BY id",
        "SELECT id, day, kind, unit_id FROM calendar_day ORDER BY id",
        "SELECT id, applied_at, effective_on FROM unit_succession ORDER BY id",
        "SELECT id, applied_at, effective_on FROM unit_move ORDER BY id",
        "SELECT id, status, deadline FROM reporting_round ORDER BY id",
        "SELECT id, status, extended_deadline FROM submission ORDER BY id",
        "SELECT count(*) FROM admin_log",
        "SELECT count(*) FROM deadline_extension",
    ]
    db.session.expire_all()
    return [db.session.execute(text(q)).all() for q in queries]


def _payload(w, objects, merger_b) -> dict:
    """Form values naming district B's objects, so a route that forgot its scope would act."""
    b = w.district_b.id
    return {"unit_id": b, "parent_id": b, "scope": b, "predecessors": [w.commune_b1.id], "successor_id": b,
            "units": [w.commune_b1.id], "from_parents": [b], "new_parent_id": b, "field_id": objects["field_id"][0],
            "code": "MOI", "name": "Mới", "kind": "commune", "username": "moi", "full_name": "Người Mới", "role": "admin",
            "day": "2024-06-04", "effective_on": "2024-06-04", "new_deadline": "2099-12-31", "reason": "Thử", "target": 0,
            "successor": merger_b.successor_id, "confirm": "1", "active": "y", "sort_order": "1", "action": "open",
            "edit": objects["field_id"][0], "open": b, "unit": b}


def _body(response) -> str:
    """A page's text, or every cell of an Excel file."""
    if "spreadsheetml" in (response.content_type or ""):
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return response.get_data().decode("utf-8", "replace")


def _leaks(response) -> list[str]:
    body = _body(response)
    return [name for name in B_ONLY if name in body]


def _client(app, admin):
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, admin)
    return client


def test_the_scope_matrix_has_every_administration_route():
    endpoints = {r.endpoint for r in ADMIN_RULES}
    assert {"admin.units", "admin.users", "admin.fields", "admin.holidays", "admin.imports", "admin.reorganisation",
            "admin.admin_log", "admin.user_edit", "admin.unit_edit", "review.extend", "review.round_status"} <= endpoints


# Report templates' routes name a template code, version or index, not an object of a
# subtree; which templates serve which subtree is tested in tests/web/test_template_editor.py.
TEMPLATE_ARGUMENTS = {"code", "version_id", "index"}
OBJECT_RULES = [r for r in ADMIN_RULES if r.arguments and not r.arguments & TEMPLATE_ARGUMENTS]


@pytest.mark.parametrize("endpoint,path,method", _cases(OBJECT_RULES))
def test_a_scoped_administrator_reaches_no_object_of_another_subtree(app, endpoint, path, method):
    w, admin_a, objects, merger_b = _world()
    rule = _rule(app, endpoint, path)
    names = sorted(rule.arguments)
    assert set(names) <= objects.keys() | {"kind"}, f"{path}: add an object of district B for {names} to _world()"
    client = _client(app, admin_a)
    before = _fingerprint()
    adapter = app.url_map.bind("localhost")
    combos = [{}]
    for name in names:
        values = objects.get(name) or ["units"]
        combos = [{**c, name: v} for c in combos for v in values]
    for values in combos:
        url = adapter.build(endpoint, values)
        for headers in ({}, {"HX-Request": "true"}):
            if method == "GET":
                response = client.get(url, query_string={"open": w.district_b.id}, headers=headers)
            else:
                response = client.open(url, method=method, data=_payload(w, objects, merger_b), headers=headers)
            if "kind" in names and not set(names) - {"kind"}:
                assert response.status_code < 500
            else:
                assert response.status_code in (403, 404), f"{method} {url} -> {response.status_code}"
            assert not _leaks(response), f"{method} {url} shows {_leaks(response)}"
    assert _fingerprint() == before, f"a refused {method} {path} changed the database"


@pytest.mark.parametrize("endpoint,path,method", _cases([r for r in ADMIN_RULES if not r.arguments]))
def test_a_scoped_administrators_pages_forms_and_files_never_show_or_change_another_subtree(app, endpoint, path, method):
    w, admin_a, objects, merger_b = _world()
    client = _client(app, admin_a)
    before = _fingerprint()
    if method == "GET":
        for query in ({}, {"unit": w.district_b.id}, {"scope": w.district_b.id}, {"edit": objects["field_id"][0]}):
            response = client.get(path, query_string=query)
            assert response.status_code < 500
            assert not _leaks(response), f"GET {path} {query} shows {_leaks(response)}"
    else:
        response = client.post(path, data=_payload(w, objects, merger_b))
        assert response.status_code in (400, 403, 404, 422), f"POST {path} -> {response.status_code}"
        assert not _leaks(response), f"POST {path} shows {_leaks(response)}"
    assert _fingerprint() == before, f"{method} {path} changed another subtree"


def test_a_scoped_administrator_manages_his_own_subtree_and_the_system_administrator_everything(app):
    w, admin_a, objects, _ = _world()
    client = _client(app, admin_a)
    users = client.get("/admin/users").get_data(as_text=True)
    assert "reporter.p.a.x1" in users and "reporter.p.b.x1" not in users
    edit = client.post(f"/admin/units/{w.commune_a1.id}/edit", data={"code": "P.A.X1", "name": "Xã Bên Này Một (mới)",
                                                                     "kind": "commune", "parent_id": w.district_a.id,
                                                                     "sort_order": "1", "active": "y"})
    assert edit.status_code == 303
    log = client.get("/admin/log").get_data(as_text=True)
    assert "Xã Bên Này Một (mới)" in log and "Xã Bên Kia Một cũ" not in log
    system = User(username="quantri.he.thong", full_name="Quản trị hệ thống", role="admin", unit=w.province, system_admin=True)
    system.set_password(PASSWORD)
    db.session.add(system)
    db.session.commit()
    everything = _client(app, system)
    assert "reporter.p.b.x1" in everything.get("/admin/users").get_data(as_text=True)
    assert "Xã Bên Kia Một cũ" in everything.get("/admin/log").get_data(as_text=True)


def test_a_scoped_administrator_reads_rounds_and_directives_of_his_subtree_only_and_never_approves(app):
    w, admin_a, objects, _ = _world()
    client = _client(app, admin_a)
    rounds = client.get("/rounds/").get_data(as_text=True)
    assert "Huyện Bên Này" in rounds and "Huyện Bên Kia" not in rounds
    directives = client.get("/directives/").get_data(as_text=True)
    assert "Chỉ thị của Huyện Bên Kia" not in directives
    assert client.get(f"/rounds/{w.round_b.id}").status_code == 404
    # Running his district's round: yes; approving or returning its reports: never (the reviewers').
    assert client.post(f"/rounds/{w.round_a.id}/extend", data={"target": 0, "new_deadline": "21/06/2024",
                                                               "reason": "Công văn số 1"}).status_code == 303
    sub = w.round_a.submissions[0]
    sub.status = "submitted"
    db.session.commit()
    for action in ("approve", "return"):
        response = client.post(f"/rounds/submissions/{sub.id}/{action}", data={"comment.I.2": "Sửa lại"})
        assert response.status_code in (403, 404, 405), action
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).status == "submitted"
