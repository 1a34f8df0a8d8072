"""A report's Word settings (DocumentSettings): load with defaults, save.

Settings belong to one report — a unit's in a round (its own submission, or the
consolidation it issues). A report without settings of its own starts from the unit's
latest ones (the signer and the distribution rarely change between periods), never from
another report's requesting document; a unit that never saved any gets the usual ones for
its kind: a People's Committee signs "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
under "BC-UBND", an office signs as its head under its own initials ("BC-PTP").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import DocumentSettings, OrgUnit
from .export_model import (
    COMMITTEE_KINDS,
    DEFAULT_DISTRIBUTION,
    DEFAULT_SIGNER_PREFIX,
    DEFAULT_SIGNER_TITLE,
    Signature,
    lines,
)

# The head of an office by the first word of its name (Nghị định 30: the head signs in person).
HEAD_TITLES = (
    ("văn phòng chính phủ", "BỘ TRƯỞNG, CHỦ NHIỆM"),
    ("văn phòng", "CHÁNH VĂN PHÒNG"),
    ("chi nhánh", "GIÁM ĐỐC"),
    ("phòng", "TRƯỞNG PHÒNG"),
    ("sở", "GIÁM ĐỐC"),
    ("ban", "TRƯỞNG BAN"),
    ("trung tâm", "GIÁM ĐỐC"),
)
DEFAULT_HEAD_TITLE = "THỦ TRƯỞNG ĐƠN VỊ"
# Words that end an office's own name: "Phòng Tư pháp huyện Bình Sơn" → "Phòng Tư pháp".
_PLACE_WORDS = re.compile(r"\s+(huyện|tỉnh|thành phố|thị xã|quận|xã|phường|thị trấn)\b.*$", re.IGNORECASE)
_SKIPPED_WORDS = {"và", "của"}


def office_symbol(name: str) -> str:
    """"Phòng Tư pháp" → "BC-PTP", "Sở Tài chính" → "BC-STC": the initials of each
    syllable, as offices abbreviate themselves; an acronym in the name ends them."""
    own = _PLACE_WORDS.sub("", name.replace(",", " ").strip())
    initials = []
    for word in own.split():
        if word.lower() in _SKIPPED_WORDS:
            continue
        if len(word) > 1 and word.isupper():  # "HĐND", "UBND": stop before an acronym
            break
        initials.append(word[0].upper())
    letters = "".join(initials)
    # Ký hiệu are written without diacritics except Đ ("BC-VHTT", "BC-ĐKĐĐ").
    plain = "".join(c for c in unicodedata.normalize("NFD", letters) if not unicodedata.combining(c))
    return f"BC-{plain}" if plain else "BC"


def head_title(name: str) -> str:
    lowered = name.lower()
    for prefix, title in HEAD_TITLES:
        if lowered.startswith(prefix):
            return title
    return DEFAULT_HEAD_TITLE


def default_signature(unit: OrgUnit, recipient: str) -> Signature:
    """The usual settings for a unit of this kind."""
    if unit.kind in COMMITTEE_KINDS:
        return Signature(recipient=recipient, symbol="BC-UBND", signer_prefix=DEFAULT_SIGNER_PREFIX,
                         signer_title=DEFAULT_SIGNER_TITLE)
    return Signature(recipient=recipient, symbol=office_symbol(unit.name), signer_prefix=(),
                     signer_title=head_title(unit.name))


def default_recipient(unit: OrgUnit, receiving_title: str) -> str:
    """Kính gửi is never blank: the unit receiving the report, or for a province (no unit
    above it in the portal) the Government Office that Circular 01/2020 reports go to; the
    Government Office's national report goes to the Prime Minister."""
    return receiving_title or TOP_RECIPIENTS.get(unit.kind, "")


TOP_RECIPIENTS = {"province": "Văn phòng Chính phủ", "central": "Thủ tướng Chính phủ"}


@dataclass(frozen=True)
class LoadedSettings:
    signature: Signature
    own: bool  # saved for this very report (else prefilled from the unit's latest or defaults)


def saved_row(unit_id: int, round_id: int) -> DocumentSettings | None:
    return db.session.scalar(select(DocumentSettings).where(
        DocumentSettings.unit_id == unit_id, DocumentSettings.round_id == round_id))


def latest_row(unit_id: int) -> DocumentSettings | None:
    return db.session.scalar(select(DocumentSettings).where(DocumentSettings.unit_id == unit_id)
                             .order_by(DocumentSettings.updated_at.desc(), DocumentSettings.id.desc()).limit(1))


def load_settings(unit: OrgUnit, round_id: int, receiving_title: str) -> LoadedSettings:
    """This report's settings, else the unit's latest (without its requesting document),
    else the defaults of its kind; empty fields fall back to the defaults field by field."""
    default = default_signature(unit, default_recipient(unit, receiving_title))
    row = saved_row(unit.id, round_id)
    own = row is not None
    if row is None:
        row = latest_row(unit.id)
    if row is None:
        return LoadedSettings(default, False)
    return LoadedSettings(Signature(
        recipient=row.recipient or default.recipient,
        symbol=row.symbol or default.symbol,
        # A number and date belong to one document: never carried from another report.
        number=row.number if own else "",
        issued_on=row.issued_on if own else None,
        request_doc=row.request_doc if own else "",
        distribution=lines(row.distribution) or DEFAULT_DISTRIBUTION,
        signer_prefix=lines(row.signer_prefix),  # empty is a choice: the head signs in person
        signer_title=row.signer_title or default.signer_title,
        signer_name=row.signer_name or "",
    ), own)


def signature_for(unit: OrgUnit, round_id: int, receiving_title: str) -> Signature:
    return load_settings(unit, round_id, receiving_title).signature


def save_settings(unit: OrgUnit, round_id: int, values: dict[str, str]) -> DocumentSettings:
    """Store this report's settings (fields as typed, trimmed); the caller commits."""
    row = saved_row(unit.id, round_id)
    if row is None:
        row = DocumentSettings(unit_id=unit.id, round_id=round_id)
        db.session.add(row)
    for name in ("symbol", "request_doc", "recipient", "distribution", "signer_prefix", "signer_title", "signer_name",
                 "number"):
        setattr(row, name, (values.get(name) or "").strip())
    row.issued_on = values.get("issued_on") or None
    return row
