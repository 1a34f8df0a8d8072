"""A clean installation: `flask init-installation` makes the top unit and its system
administrator, nothing else; the one-time password must be changed at first login."""
from __future__ import annotations

import re

from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import AdminLog, CatalogueField, OrgUnit, ReportingRound, User


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _init(app, *extra):
    return app.test_cli_runner().invoke(args=["init-installation", "--unit-code", "LCU", "--unit-name", "Tỉnh Lai Châu",
                                              "--admin", "quantri", *extra])


def test_init_installation_on_an_empty_database_makes_the_top_unit_and_its_administrator_only(app, client):
    result = _init(app)
    assert result.exit_code == 0, result.output
    password = re.search(r"Mật khẩu dùng một lần: (\S+)", result.output).group(1)
    db.session.expire_all()
    assert _count(OrgUnit) == 1 and _count(User) == 1
    assert _count(ReportingRound) == 0 and _count(CatalogueField) == 0
    unit = db.session.scalar(select(OrgUnit))
    user = db.session.scalar(select(User))
    assert (unit.code, unit.name, unit.kind, unit.parent_id, unit.place_name) == ("LCU", "Tỉnh Lai Châu", "province", None, "Lai Châu")
    assert user.role == "admin" and user.system_admin and user.must_change_password and user.unit_id == unit.id
    assert "demo1234" not in result.output
    # The log of administration starts with the installation itself, without the password.
    entry = db.session.scalar(select(AdminLog))
    assert entry.kind == "installation" and password not in entry.after + entry.before

    # First login goes to the password change; the portal is closed until it is done.
    g.pop("_login_user", None)
    response = client.post("/login", data={"username": "quantri", "password": password})
    assert response.status_code == 303
    g.pop("_login_user", None)
    assert "/password" in client.get("/admin/units").headers.get("Location", "")


def test_init_installation_refuses_a_database_that_already_has_units(app):
    assert _init(app).exit_code == 0
    again = app.test_cli_runner().invoke(args=["init-installation", "--unit-code", "X", "--unit-name", "Tỉnh X",
                                               "--admin", "other"])
    assert again.exit_code != 0
    assert "đã được khởi tạo" in again.output
    assert _count(User) == 1


def test_init_installation_refuses_a_bad_code_with_a_message(app):
    result = app.test_cli_runner().invoke(args=["init-installation", "--unit-code", "Lai Châu", "--unit-name", "Tỉnh Lai Châu",
                                                "--admin", "quantri"])
    assert result.exit_code != 0 and "Mã đơn vị chỉ gồm" in result.output
    assert _count(OrgUnit) == 0
