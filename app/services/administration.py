"""Administration of units and accounts within an administrator's scope: the safety rules
(nobody locks or demotes himself; a scope keeps at least one active administrator) and the
states the log of administration records."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import OrgUnit, User
from .access import admin_scope_path, is_system_admin
from .errors import Invalid
from .ids import valid_id
from .orgtree import ancestors_ids


def unit_state(unit: OrgUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind_label,
            "parent": unit.parent.name if unit.parent is not None else "", "place_name": unit.place_name,
            "sort_order": unit.sort_order, "active": unit.active}


def user_state(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "role": user.role_label,
            "unit": user.unit.name if user.unit is not None else "", "phone": user.phone, "email": user.email,
            "active": user.active}


def other_administrators(user: User) -> int:
    """Active administrators, other than ``user``, of ``user``'s scope: for a unit
    administrator, those of its unit or of a unit above it (the system administrators do
    not count: a province keeps an administrator of its own); for a system administrator,
    the other system administrators."""
    if user.system_admin:
        return db.session.scalar(select(db.func.count(User.id)).where(
            User.role == "admin", User.active.is_(True), User.system_admin.is_(True), User.id != user.id)) or 0
    stmt = (select(db.func.count(User.id)).where(User.role == "admin", User.active.is_(True), User.id != user.id,
                                                 User.system_admin.is_(False), User.unit_id.in_(ancestors_ids(user.unit))))
    return db.session.scalar(stmt) or 0


def check_not_self(actor: User, user: User, what: str) -> None:
    if actor.id == user.id:
        raise Invalid(f"Bạn không thể tự {what} tài khoản của chính mình.")


def check_keeps_an_administrator(user: User, what: str) -> None:
    """Locking or demoting the last active administrator of a scope would leave it unmanaged."""
    if user.role == "admin" and user.active and other_administrators(user) == 0:
        raise Invalid(f"Không thể {what} {user.username}: đây là quản trị viên cuối cùng của {user.unit.name}. "
                      "Hãy tạo hoặc mở khóa một quản trị viên khác trước.")


def check_user_change(actor: User, user: User, *, role: str, unit: OrgUnit, active: bool, system_admin: bool) -> None:
    """An edit of an account that would lock or demote: refused for oneself and for the last
    administrator of a scope."""
    demoted = user.role == "admin" and (role != "admin" or (user.system_admin and not system_admin)
                                        or (unit.id != user.unit_id and not unit.path.startswith(user.unit.path)
                                            and not system_admin))
    locked = user.active and not active
    if user.id == actor.id and (demoted or locked or unit.id != user.unit_id):
        raise Invalid("Bạn không thể tự khóa, hạ quyền hay chuyển đơn vị tài khoản của chính mình.", "role")
    if demoted or locked:
        check_keeps_an_administrator(user, "khóa" if locked else "hạ quyền")


def users_query(actor: User):
    """The accounts an administrator manages: its scope's, system administrators' only for a
    system administrator."""
    stmt = select(User).join(User.unit)
    path = admin_scope_path(actor)
    if path is not None:
        stmt = stmt.where(OrgUnit.path.startswith(path), User.system_admin.is_(False))
    return stmt


def managed_user(actor: User, user_id: int) -> User | None:
    """The account if the administrator manages it, else None (reads as not found)."""
    if not valid_id(user_id):
        return None
    return db.session.scalar(users_query(actor).where(User.id == user_id))


def managed_unit(actor: User, unit_id: int | None) -> OrgUnit | None:
    """The unit if it is in the administrator's scope, else None (reads as not found)."""
    if not unit_id or not valid_id(unit_id):
        return None
    stmt = select(OrgUnit).where(OrgUnit.id == unit_id)
    path = admin_scope_path(actor)
    if path is not None:
        stmt = stmt.where(OrgUnit.path.startswith(path))
    return db.session.scalar(stmt)


def may_grant_system(actor: User) -> bool:
    return is_system_admin(actor)


def unit_id_with_code(code: str) -> int | None:
    """The unit holding this code (active or not), to refuse a second unit with it."""
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def user_id_with_username(username: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.username == username))


def all_unit_codes() -> set[str]:
    return set(db.session.scalars(select(OrgUnit.code)))


def all_usernames() -> set[str]:
    return set(db.session.scalars(select(User.username)))


def units_by_code() -> dict[str, OrgUnit]:
    """Every unit by its code: an import names parents by code, anywhere in the tree."""
    return {u.code: u for u in db.session.scalars(select(OrgUnit))}


def managed_users(actor: User) -> list[User]:
    """The accounts an administrator manages, with their units (one query)."""
    return list(db.session.scalars(users_query(actor).options(joinedload(User.unit))))


def users_page(actor: User, q: str, page: int, page_size: int) -> tuple[list[User], int]:
    """One page of the managed accounts matching q (name, account, unit or phone), in tree
    order, and how many match in all."""
    stmt = users_query(actor).options(joinedload(User.unit))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.full_name).like(like),
                              func.lower(OrgUnit.name).like(like), User.phone.like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(OrgUnit.path, User.username).limit(page_size).offset((page - 1) * page_size)).all()
    return list(rows), total
