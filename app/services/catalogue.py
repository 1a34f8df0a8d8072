"""The fields catalogue (danh mục lĩnh vực) by scope.

A field belongs to the installation's shared list (``unit_id`` None) or to one unit — a
province, or a district for its own additions — and applies to the rounds opened by that
unit or by any unit below it. A round freezes the fields it opened with, so retiring or
renaming a field never changes a round already opened; a renamed field keeps its code (its
history in earlier rounds) and its former names.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import CatalogueField, CatalogueFieldName, OrgUnit
from ..reporting.clock import utcnow
from .errors import Invalid
from .orgtree import ancestors_ids, units_in_scope

SCOPE_KINDS = ("province", "district")


def fields_for(unit: OrgUnit) -> list[CatalogueField]:
    """The active fields a round opened by ``unit`` uses: shared ones and those of the unit
    or of any unit above it, in catalogue order."""
    return list(db.session.scalars(
        select(CatalogueField)
        .where(CatalogueField.active.is_(True),
               or_(CatalogueField.unit_id.is_(None), CatalogueField.unit_id.in_(ancestors_ids(unit))))
        .order_by(CatalogueField.sort_order, CatalogueField.name, CatalogueField.code)
    ))


def catalogue_snapshot(unit: OrgUnit) -> list[list]:
    """What a round opened by ``unit`` freezes: (code, name, group code, group label) per field."""
    return [[f.code, f.name, f.group_code or None, f.group_label or None] for f in fields_for(unit)]


def scope_units(scope_path: str | None = None) -> list[OrgUnit]:
    """Units a field may belong to: provinces and districts (of an administrator's scope),
    active, as the tree lists them."""
    return units_in_scope(scope_path, kinds=SCOPE_KINDS)


def catalogue(scope_id: int | None = None, scope_path: str | None = None) -> list[CatalogueField]:
    """Every field (retired ones too) with its unit; only one scope's when ``scope_id`` is given
    (0 for the shared list). A unit administrator (``scope_path``) sees the shared list and
    its own subtree's fields, never another province's."""
    stmt = select(CatalogueField).outerjoin(CatalogueField.unit).options(joinedload(CatalogueField.unit))
    if scope_path is not None:
        stmt = stmt.where(or_(CatalogueField.unit_id.is_(None), OrgUnit.path.startswith(scope_path)))
    if scope_id == 0:
        stmt = stmt.where(CatalogueField.unit_id.is_(None))
    elif scope_id:
        stmt = stmt.where(CatalogueField.unit_id == scope_id)
    return list(db.session.scalars(stmt.order_by(CatalogueField.sort_order, CatalogueField.name, CatalogueField.code)))


def former_names(field_ids: list[int]) -> dict[int, list[CatalogueFieldName]]:
    found: dict[int, list[CatalogueFieldName]] = {}
    if field_ids:
        for row in db.session.scalars(select(CatalogueFieldName).where(CatalogueFieldName.field_id.in_(field_ids))
                                      .order_by(CatalogueFieldName.until)):
            found.setdefault(row.field_id, []).append(row)
    return found


def save_field(field: CatalogueField | None, *, code: str, name: str, group_code: str, group_label: str,
               sort_order: int, active: bool, scope: OrgUnit | None, today: date) -> CatalogueField:
    """Add or change a field. A code already used is refused when adding (codes tie a row to
    its history, and a shared field must never be renamed by someone adding one); editing
    a field names it (``field``)."""
    if group_code and not group_label:
        raise Invalid("Nhóm cần có tên dòng tổng (vd. Tổng lĩnh vực đất đai).", "group_label")
    if scope is not None and scope.kind not in SCOPE_KINDS:
        raise Invalid("Lĩnh vực chỉ thuộc về một tỉnh hoặc một huyện.", "scope")
    same_code = db.session.scalar(select(CatalogueField).where(CatalogueField.code == code))
    if same_code is not None and same_code is not field:
        owner = same_code.unit.name if same_code.unit else "danh mục dùng chung"
        raise Invalid(f"Mã đã được dùng: '{code}' là lĩnh vực \"{same_code.name}\" ({owner}). "
                      "Chọn mã khác, hoặc bấm \"Sửa\" ở dòng đó để sửa lĩnh vực này.", "code")
    if field is None:
        field = CatalogueField(code=code, name=name)
        db.session.add(field)
    elif field.name != name:
        db.session.add(CatalogueFieldName(field_id=field.id, name=field.name, until=utcnow()))
    field.code, field.name, field.group_code, field.group_label = code, name, group_code, group_label
    field.sort_order, field.unit = sort_order, scope
    if field.active and not active:
        field.retired_on = today
    elif active:
        field.retired_on = None
    field.active = active
    return field
