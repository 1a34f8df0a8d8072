"""Report templates an administrator publishes (mẫu báo cáo), stored in the database.

The shipped templates stay read-only starting points; a published version of the same
code with a higher number replaces it for new rounds. Every worker reads the database,
so a version is in use everywhere as soon as it is committed; a round keeps the text it
opened with (``ReportingRound.template_source``).
"""
from __future__ import annotations

import functools
import re

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import TemplateVersion, User
from ..reporting.template_check import TemplateCheck, check_template_source
from ..reporting.templates import ReportTemplate, load_template_text, shipped_templates
from .errors import NotFound

_VERSION_LINE = re.compile(r"^(\s*version\s*=\s*)(\d+)(.*)$", re.M)


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> ReportTemplate:
    return load_template_text(source, "mẫu")


def published_versions() -> list[TemplateVersion]:
    return list(db.session.scalars(select(TemplateVersion).options(joinedload(TemplateVersion.created_by))
                                   .order_by(TemplateVersion.code, TemplateVersion.version.desc())))


def available_templates() -> dict[str, ReportTemplate]:
    """The templates a round may open with: each code's latest version, shipped or published."""
    found = dict(shipped_templates())
    latest = select(TemplateVersion.code, func.max(TemplateVersion.version).label("version")).group_by(TemplateVersion.code).subquery()
    for row in db.session.scalars(select(TemplateVersion).join(
            latest, (TemplateVersion.code == latest.c.code) & (TemplateVersion.version == latest.c.version))):
        if row.code not in found or row.version > found[row.code].version:
            found[row.code] = _parsed(row.source)
    return found


def starting_point(origin: str) -> tuple[str, str]:
    """(label, TOML text) to copy from: "shipped:<code>" or "version:<id>"."""
    kind, _, ident = origin.partition(":")
    if kind == "shipped" and ident in shipped_templates():
        template = shipped_templates()[ident]
        return f"{template.code} phiên bản {template.version} (có sẵn)", template.source
    if kind == "version" and ident.isdigit():
        row = db.session.get(TemplateVersion, int(ident))
        if row is not None:
            return f"{row.code} phiên bản {row.version}", row.source
    raise NotFound()


def next_version(code: str) -> int:
    shipped = shipped_templates().get(code)
    stored = db.session.scalar(select(func.max(TemplateVersion.version)).where(TemplateVersion.code == code))
    return max(shipped.version if shipped else 0, stored or 0) + 1


def publish(source: str, user: User, based_on: str = "") -> tuple[TemplateCheck, TemplateVersion | None]:
    """Check the text and, when it has no error, store it as the code's next version (the
    version line is rewritten to that number, so the text a round freezes says it)."""
    check = check_template_source(source)
    if not check.ok:
        return check, None
    version = next_version(check.template.code)
    text, count = _VERSION_LINE.subn(lambda m: f"{m.group(1)}{version}{m.group(3)}", source, count=1)
    row = TemplateVersion(code=check.template.code, version=version, title=check.template.title, source=text,
                          based_on=based_on[:120], created_by_id=user.id)
    db.session.add(row)
    return check, row
