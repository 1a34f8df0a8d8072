"""Organisation tree helpers: materialised paths and subtree queries."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import OrgUnit, UnitSuccession


def unit_order(entity=OrgUnit) -> tuple:
    """ORDER BY for every list of units: the official order (Thứ tự), then name and code.

    Board, exports, Word annexes, round forms and admin lists all sort with this (or with
    ``unit_sort_key`` for units already loaded), so one province's order shows everywhere."""
    return (entity.sort_order, entity.name, entity.code)


def unit_sort_key(unit: OrgUnit) -> tuple:
    """The same order as ``unit_order`` for units in memory."""
    return (unit.sort_order, unit.name, unit.code)


def add_unit(code: str, name: str, kind: str, parent: OrgUnit | None = None, place_name: str = "",
             sort_order: int = 0, active: bool = True) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, place_name=place_name,
                   sort_order=sort_order, active=active, path="/")
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def reparent(unit: OrgUnit, new_parent: OrgUnit | None) -> None:
    """Move a unit with its whole subtree; refuses to move a unit under itself."""
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValueError("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.id}/"
    if old_path == new_path:
        return
    unit.parent = new_parent
    descendants = db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old_path))).all()
    for node in descendants:
        node.path = new_path + node.path[len(old_path):]


def subtree_filter(unit: OrgUnit):
    return OrgUnit.path.startswith(unit.path)


def ancestors_ids(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def units_with_children_flags(parent_id: int | None, only_id: int | None = None) -> list[tuple[OrgUnit, int]]:
    """Children of a node with their own child counts, in one query (no N+1); with
    ``only_id``, that one unit instead (the top of a unit administrator's tree)."""
    child = db.aliased(OrgUnit)
    count = (
        select(db.func.count(child.id)).where(child.parent_id == OrgUnit.id).correlate(OrgUnit).scalar_subquery()
    )
    stmt = (
        select(OrgUnit, count)
        .where(OrgUnit.id == only_id if only_id is not None
               else OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id)
        .order_by(*unit_order())
    )
    return [(u, n) for u, n in db.session.execute(stmt).all()]


def tree_order(units) -> list[tuple[OrgUnit, int]]:
    """Units as a tree reads them: each parent followed by its children in the official
    order, with each one's depth below the shallowest unit given."""
    units = list(units)
    ids = {u.id for u in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent_id, ()), key=unit_sort_key):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def units_in_scope(scope_path: str | None, active_only: bool = True, kinds=None) -> list[OrgUnit]:
    """The units under a path (every unit for None), one query, in tree order."""
    stmt = select(OrgUnit)
    if scope_path is not None:
        stmt = stmt.where(OrgUnit.path.startswith(scope_path))
    if active_only:
        stmt = stmt.where(OrgUnit.active.is_(True))
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(kinds))
    return [u for u, _ in tree_order(db.session.scalars(stmt))]


def series_units(unit_ids) -> dict[int, set[int]]:
    """Each unit with every unit merged into it, transitively (A → D, D → E: E's series holds
    D and A): the units whose reports together make up its history. A query per generation."""
    series = {u: {u} for u in unit_ids}
    reached = {u: {u} for u in unit_ids}  # unit in a series → the roots whose series hold it
    frontier = set(unit_ids)
    for _ in range(10):
        found = db.session.execute(select(UnitSuccession.predecessor_id, UnitSuccession.successor_id)
                                   .where(UnitSuccession.successor_id.in_(frontier), UnitSuccession.applied_at.is_not(None))
                                   ).all() if frontier else []
        frontier = set()
        for before, after in found:
            for root in reached.get(after, ()):
                if before not in series[root]:
                    series[root].add(before)
                    reached.setdefault(before, set()).add(root)
                    frontier.add(before)
        if not frontier:
            break
    return series


__all__ = ["tree_order", "units_in_scope", "series_units", "unit_order", "unit_sort_key", "add_unit", "reparent", "subtree_filter", "ancestors_ids", "units_with_children_flags"]


def ids_of_active_parents() -> set[int]:
    """Units that have at least one active child unit."""
    return set(db.session.scalars(select(OrgUnit.parent_id).where(OrgUnit.active.is_(True), OrgUnit.parent_id.is_not(None))))


def active_children_of(parents: list[OrgUnit]) -> list[OrgUnit]:
    if not parents:
        return []
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id.in_([p.id for p in parents]),
                                                         OrgUnit.active.is_(True))))


def active_children(unit: OrgUnit) -> list[OrgUnit]:
    """A unit's active child units in the tree's order."""
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True))
                                   .order_by(*unit_order())))
