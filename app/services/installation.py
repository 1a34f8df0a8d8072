"""A clean installation: the top unit and its system administrator, and nothing else."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, inspect, select

from ..extensions import db
from ..models import UNIT_KINDS, OrgUnit, User
from .admin_log import record_admin_action
from .errors import Invalid
from .orgtree import add_unit

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def create_installation(unit_code: str, unit_name: str, unit_kind: str, username: str,
                        full_name: str = "Quản trị hệ thống") -> tuple[User, str]:
    """The top unit and its system administrator with a one-time password (returned, to be
    printed once; the administrator must change it at first login). Refused on a database
    that already holds units: an installation is initialised once."""
    if not inspect(db.engine).has_table(OrgUnit.__tablename__):
        raise Invalid("Cơ sở dữ liệu chưa có bảng: chạy \"flask db upgrade\" trước.")
    if db.session.scalar(select(func.count(OrgUnit.id))):
        raise Invalid("Cơ sở dữ liệu đã có đơn vị: hệ thống đã được khởi tạo.")
    unit_code, unit_name, username = unit_code.strip(), unit_name.strip(), username.strip()
    if not CODE_PATTERN.match(unit_code):
        raise Invalid("Mã đơn vị chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 40 ký tự).")
    if not unit_name or len(unit_name) > 200:
        raise Invalid("Tên đơn vị không được để trống (tối đa 200 ký tự).")
    if unit_kind not in UNIT_KINDS:
        raise Invalid(f"Loại đơn vị '{unit_kind}' không hợp lệ.")
    if not re.match(r"^[A-Za-z0-9_.-]{1,80}$", username):
        raise Invalid("Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
    unit = add_unit(unit_code, unit_name, unit_kind, None, place_name=_place(unit_name))
    password = secrets.token_urlsafe(12)
    user = User(username=username, full_name=full_name, role="admin", system_admin=True, unit=unit,
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_admin_action(None, "installation.create", unit, None,
                        {"code": unit.code, "name": unit.name, "kind": unit.kind_label, "username": username})
    return user, password


def _place(name: str) -> str:
    """"Tỉnh Lai Châu" is written "Lai Châu, ngày …" on documents."""
    for prefix in ("Thành phố", "Tỉnh", "Huyện", "Thị xã", "Quận"):
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1:]
    return name
