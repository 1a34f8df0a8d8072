"""Report templates administrators edit and publish (mẫu báo cáo), stored in the database.

The shipped templates stay read-only starting points. An administrator copies one (or a
published version) into a draft, changes it with the form editor or by uploading TOML, and
publishes it: the draft becomes the code's next version. A version serves the subtree of
the unit whose administrator published it (the installation's system administrator
publishes for everyone); a unit below uses the version of its nearest ancestor, so a
province's variant governs its districts and communes. A variant keeps every section of
the template it varies, so a consolidation sent upward still maps onto the parent's report.
Every worker reads the database, so a version is in use everywhere once committed; a round
keeps the text it opened with (``ReportingRound.template_source``), and a version a round
uses can no longer be withdrawn.
"""
from __future__ import annotations

import functools
import re
import tomllib

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import OrgUnit, ReportingRound, TemplateVersion, User
from ..reporting.clock import utcnow
from ..reporting.template_check import MAX_SOURCE, TemplateCheck, TemplateIssue, check_template_source, parse_checked
from ..reporting.template_edit import compare, to_toml, variant_problems
from ..reporting.templates import ReportTemplate, load_template_text, shipped_templates
from .access import is_system_admin
from .admin_log import record_admin_action
from .errors import NotFound
from .orgtree import ancestors_ids


class TemplateProblem(ValueError):
    """A template action refused, with the reason in Vietnamese."""


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> ReportTemplate:
    return load_template_text(source, "mẫu")


def data_of(source: str) -> dict:
    """A stored version's data (its TOML was written by ``to_toml`` or checked on upload)."""
    return tomllib.loads(source)


# --- who owns what ------------------------------------------------------------------------

def owner_for(user: User) -> int | None:
    """The unit whose subtree the user's templates serve; None for the whole installation."""
    return None if is_system_admin(user) else user.unit_id


def _chain(unit: OrgUnit | None) -> list[int]:
    """The unit and its ancestors, nearest first."""
    return list(reversed(ancestors_ids(unit))) if unit is not None else []


def _may_manage(user: User, row: TemplateVersion) -> bool:
    """An administrator manages the versions of his own unit and of the units below it; the
    system administrator (or one at a top unit) those of the whole installation too."""
    if is_system_admin(user):
        return True
    if row.unit_id is None:
        return user.unit is not None and user.unit.parent_id is None
    return row.unit_id == user.unit_id or (row.unit is not None and user.unit is not None
                                           and row.unit.path.startswith(user.unit.path))


def _visible_filter(user: User):
    """Versions an administrator sees: those serving his unit (his ancestors', the
    installation's) and those of his subtree."""
    if is_system_admin(user):
        return True
    chain = _chain(user.unit)
    below = select(OrgUnit.id).where(OrgUnit.path.startswith(user.unit.path)) if user.unit is not None else None
    conditions = [TemplateVersion.unit_id.is_(None), TemplateVersion.unit_id.in_(chain)]
    if below is not None:
        conditions.append(TemplateVersion.unit_id.in_(below))
    return or_(*conditions)


# --- what rounds use ----------------------------------------------------------------------

def published_versions(user: User | None = None) -> list[TemplateVersion]:
    """Published and withdrawn versions (newest first per code), those the user may see."""
    query = (select(TemplateVersion).options(joinedload(TemplateVersion.created_by), joinedload(TemplateVersion.unit))
             .where(TemplateVersion.status != "draft")
             .order_by(TemplateVersion.code, TemplateVersion.version.desc()))
    if user is not None:
        query = query.where(_visible_filter(user))
    return list(db.session.scalars(query))


def versions_in_use(rows: list[TemplateVersion]) -> set[int]:
    """The ids of the versions some round opened with (one query)."""
    if not rows:
        return set()
    pairs = {(r.code, r.version) for r in rows}
    used = db.session.execute(select(ReportingRound.template_code, ReportingRound.template_version).distinct()
                              .where(ReportingRound.template_code.in_({code for code, _ in pairs}))).all()
    used = {(code, version) for code, version in used}
    return {r.id for r in rows if (r.code, r.version) in used}


def available_templates(unit: OrgUnit | None = None) -> dict[str, ReportTemplate]:
    """The templates a round of ``unit`` may open with: per code, the latest published version
    of the nearest unit above it (itself included) that has one, else the installation's
    latest, else the shipped one. Without a unit, the installation's."""
    found = dict(shipped_templates())
    chain = _chain(unit)
    rows = db.session.execute(
        select(TemplateVersion.code, TemplateVersion.version, TemplateVersion.unit_id, TemplateVersion.id)
        .where(TemplateVersion.status == "published",
               or_(TemplateVersion.unit_id.is_(None), TemplateVersion.unit_id.in_(chain)))).all()
    best: dict[str, tuple[int, int, int]] = {}
    for code, version, unit_id, row_id in rows:
        rank = chain.index(unit_id) if unit_id is not None else len(chain)
        if unit_id is None and code in found and version <= found[code].version:
            continue
        if code not in best or (rank, -version) < (best[code][0], -best[code][1]):
            best[code] = (rank, version, row_id)
    if best:
        sources = dict(db.session.execute(select(TemplateVersion.id, TemplateVersion.source)
                                          .where(TemplateVersion.id.in_([b[2] for b in best.values()]))).all())
        for code, (_, _, row_id) in best.items():
            found[code] = _parsed(sources[row_id])
    return found


def starting_point(origin: str, user: User | None = None) -> tuple[str, str]:
    """(label, TOML text) to copy from: "shipped:<code>" or "version:<id>"."""
    kind, _, ident = origin.partition(":")
    if kind == "shipped" and ident in shipped_templates():
        template = shipped_templates()[ident]
        return shipped_label(template), template.source
    if kind == "version" and ident.isdigit():
        row = db.session.get(TemplateVersion, int(ident))
        if row is not None and row.status != "draft" and (user is None or _visible(user, row)):
            return version_label(row), row.source
    raise NotFound()


def _visible(user: User, row: TemplateVersion) -> bool:
    return bool(db.session.scalar(select(exists().where(TemplateVersion.id == row.id, _visible_filter(user)))))


def template_name(title: str) -> str:
    """A template as pages name it: its title, shortened (its code is an internal key)."""
    title = " ".join(title.split())
    return f"“{title[:77].rstrip()}…”" if len(title) > 80 else f"“{title}”"


def shipped_label(template: ReportTemplate) -> str:
    return f"{template_name(template.title)} phiên bản {template.version} (có sẵn)"


def version_label(row: TemplateVersion) -> str:
    owner = f", {row.unit.name}" if row.unit is not None else ""
    return f"{template_name(row.title)} phiên bản {row.version}{owner}"


def next_version(code: str) -> int:
    shipped = shipped_templates().get(code)
    stored = db.session.scalar(select(db.func.max(TemplateVersion.version)).where(TemplateVersion.code == code))
    return max(shipped.version if shipped else 0, stored or 0) + 1


# --- drafts -------------------------------------------------------------------------------

def draft_for(code: str, user: User) -> TemplateVersion | None:
    owner = owner_for(user)
    return db.session.scalar(select(TemplateVersion).where(
        TemplateVersion.code == code, TemplateVersion.status == "draft",
        TemplateVersion.unit_id.is_(None) if owner is None else TemplateVersion.unit_id == owner))


def drafts(user: User) -> list[TemplateVersion]:
    owner = owner_for(user)
    return list(db.session.scalars(select(TemplateVersion).where(
        TemplateVersion.status == "draft",
        TemplateVersion.unit_id.is_(None) if owner is None else TemplateVersion.unit_id == owner)
        .order_by(TemplateVersion.code)))


def start_draft(origin: str, user: User, new_code: str = "", new_title: str = "") -> tuple[TemplateVersion, bool]:
    """A draft copied from a shipped template or a published version, and whether it is new.
    With ``new_code`` it becomes a new template of that code (version 1 when published); an
    existing draft of the same code is kept, never overwritten."""
    label, text = starting_point(origin, user)
    data = data_of(text)
    if new_code:
        new_code = new_code.strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]{0,59}", new_code):
            raise TemplateProblem("Mã mẫu mới chỉ gồm chữ không dấu, số và gạch dưới, tối đa 60 ký tự (ví dụ bao_cao_thang_tinh).")
        if len(new_title.strip()) > 300:
            raise TemplateProblem("Tên mẫu mới tối đa 300 ký tự.")
        taken = new_code in shipped_templates() or db.session.scalar(
            select(exists().where(TemplateVersion.code == new_code)))
        if taken:
            raise TemplateProblem(f"Mã mẫu “{new_code}” đã có: chọn mã khác, hoặc sửa mẫu đó thành phiên bản mới.")
        data["code"] = new_code
        data["version"] = 1
        if new_title.strip():
            data["title"] = new_title.strip()
    existing = draft_for(str(data.get("code", "")), user)
    if existing is not None:
        return existing, False
    row = TemplateVersion(code=str(data.get("code", ""))[:60], version=None, title=str(data.get("title", ""))[:300],
                          source=to_toml(data), based_on=label[:120], status="draft", unit_id=owner_for(user),
                          created_by_id=user.id, updated_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row, True


def load_draft(code: str, user: User) -> TemplateVersion:
    row = draft_for(code, user)
    if row is None:
        raise NotFound()
    return row


def lock_draft(code: str, user: User) -> TemplateVersion:
    """The draft, held for one change until it commits, with its source as the previous
    change left it. Each form of the editor autosaves on its own, so two changes can arrive
    together; without the hold both would start from the same source and the later write
    would drop the earlier change (a figure line typed in one section, lost to the heading
    typed in the next). The UPDATE takes PostgreSQL's row lock or SQLite's write lock."""
    row = load_draft(code, user)
    db.session.execute(update(TemplateVersion).where(TemplateVersion.id == row.id).values(updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.refresh(row)
    return row


def save_draft(row: TemplateVersion, data: dict) -> None:
    """Store the draft's new data; a draft over the size budget is refused, the stored one kept."""
    text = to_toml(data)
    if len(text) > MAX_SOURCE:
        raise TemplateProblem(f"Bản nháp vượt giới hạn {MAX_SOURCE:,} ký tự: chưa lưu thay đổi này.".replace(",", "."))
    row.source = text
    row.title = str(data.get("title", ""))[:300]
    row.updated_at = utcnow()


def upload_to_draft(row: TemplateVersion, text: str) -> list[TemplateIssue]:
    """Replace the draft's data with an uploaded TOML file's. A file that cannot be read (syntax,
    nesting, size) changes nothing and says why; one that can is stored whatever the check
    says, for the editor to show its problems beside their fields."""
    data, refused = parse_checked(text)
    if data is None:
        return refused
    if str(data.get("code", "")) != row.code:
        return [TemplateIssue(None, "mã mẫu", f"Tệp là mẫu “{data.get('code', '')}”, không phải “{row.code}”: "
                                              "tải lên đúng tệp của mẫu này, hoặc sao chép thành mẫu mới.", "code")]
    save_draft(row, data)
    return []


def check_draft(row: TemplateVersion) -> TemplateCheck:
    return check_template_source(row.source)


def parent_template(row: TemplateVersion) -> ReportTemplate | None:
    """What a unit's version varies: the template serving its parent unit (for a top unit,
    the installation's or the shipped one). None for the installation's own versions."""
    if row.unit_id is None:
        return None
    unit = db.session.get(OrgUnit, row.unit_id)
    return available_templates(unit.parent if unit is not None else None).get(row.code)


def publish_draft(row: TemplateVersion, user: User) -> tuple[TemplateCheck, list[str]]:
    """Check the draft and, with no problem, make it the code's next version."""
    check = check_draft(row)
    if not check.ok:
        return check, []
    parent = parent_template(row)
    problems = variant_problems(data_of(parent.source), data_of(row.source)) if parent is not None else []
    if problems:
        return check, problems
    data = data_of(row.source)
    row.version = data["version"] = next_version(row.code)
    row.source = to_toml(data)
    row.status = "published"
    row.title = check.template.title[:300]
    row.created_at = row.updated_at = utcnow()
    row.created_by_id = user.id
    record_admin_action(user, "template.publish", (version_label(row), row.unit_id), None,
                        {"mã mẫu": row.code, "phiên bản": row.version, "tên": row.title, "sao chép từ": row.based_on})
    return check, []


def publish(source: str, user: User, based_on: str = "") -> tuple[TemplateCheck, TemplateVersion | None]:
    """Publish a TOML text at once (the upload page): the same stored version as the editor's."""
    check = check_template_source(source)
    if not check.ok:
        return check, None
    data = data_of(source)
    row = TemplateVersion(code=check.template.code, version=None, title=check.template.title[:300], source=to_toml(data),
                          based_on=based_on[:120], status="draft", unit_id=owner_for(user), created_by_id=user.id)
    db.session.add(row)
    check, problems = publish_draft(row, user)
    if problems:
        db.session.expunge(row)
        raise TemplateProblem(" ".join(problems))
    return check, row


def discard_draft(row: TemplateVersion) -> None:
    db.session.delete(row)


# --- versions -----------------------------------------------------------------------------

def load_version(version_id: int, user: User) -> TemplateVersion:
    row = db.session.get(TemplateVersion, version_id)
    if row is None or row.status == "draft" or not _visible(user, row):
        raise NotFound()
    return row


def withdraw(row: TemplateVersion, user: User) -> None:
    """A published version no round uses stops serving new rounds."""
    if not _may_manage(user, row):
        raise TemplateProblem("Phiên bản này do đơn vị khác xuất bản: chỉ quản trị của đơn vị đó được thu hồi.")
    if row.status != "published":
        raise TemplateProblem("Phiên bản này đã được thu hồi.")
    if row.id in versions_in_use([row]):
        raise TemplateProblem("Đã có đợt báo cáo dùng phiên bản này nên không thu hồi được; "
                              "hãy xuất bản một phiên bản mới để các đợt sau dùng.")
    row.status = "withdrawn"
    row.updated_at = utcnow()
    record_admin_action(user, "template.withdraw", (version_label(row), row.unit_id), {"tình trạng": "đã xuất bản"},
                        {"tình trạng": "đã thu hồi"})


def may_withdraw(user: User, rows: list[TemplateVersion]) -> set[int]:
    used = versions_in_use(rows)
    return {r.id for r in rows if r.status == "published" and r.id not in used and _may_manage(user, r)}


def previous_of(row: TemplateVersion, user: User) -> tuple[str, str] | None:
    """(label, source) of what ``row`` is best compared with: the code's previous version the
    user sees, else the shipped template."""
    query = select(TemplateVersion).where(TemplateVersion.code == row.code, TemplateVersion.status != "draft",
                                          TemplateVersion.id != row.id, _visible_filter(user))
    if row.version:
        query = query.where(TemplateVersion.version < row.version)
    older = db.session.scalar(query.order_by(TemplateVersion.version.desc()).limit(1))
    if older is not None:
        return version_label(older), older.source
    shipped = shipped_templates().get(row.code)
    return (shipped_label(shipped), shipped.source) if shipped else None


def comparison(old_source: str, new_source: str):
    return compare(data_of(old_source), data_of(new_source))

