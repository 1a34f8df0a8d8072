"""What the writers need besides the domain's consolidation: names, dates, signer, progress.

Views fill an ``ExportParts`` from the database; the writers only read it, so they can be
tested (and benchmarked) on plain data and never query anything.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from ..reporting.consolidation import Consolidation
from ..reporting.directives import DirectiveReport
from ..reporting.templates import ReportTemplate

# Kinds whose reports are signed by a People's Committee ("UBND xã Hoàng Kim").
COMMITTEE_KINDS = ("province", "district", "commune", "ward", "town", "special")

DEFAULT_DISTRIBUTION = ("Như trên;", "Lưu: VT.")
DEFAULT_SIGNER_PREFIX = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
DEFAULT_SIGNER_TITLE = "PHÓ CHỦ TỊCH"


@dataclass(frozen=True)
class UnitStatus:
    """One line of the completeness sheet (who has reported, when, who to call)."""

    unit_name: str
    state: str
    submitted_at: datetime | None = None
    on_time: bool | None = None
    officer: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Signature:
    """The Word report's surroundings the reviewer sets before export (DocumentSettings)."""

    recipient: str = ""  # Kính gửi; also the workbook's "Đơn vị nhận báo cáo"
    symbol: str = "BC-UBND"  # ký hiệu after "Số:        /"
    number: str = ""  # số, when given before the PDF is signed; else blank for the clerk
    issued_on: date | None = None  # ngày ban hành, likewise
    request_doc: str = ""  # "Công văn số 323/VPUB-… ngày … của …" the report answers
    distribution: tuple[str, ...] = DEFAULT_DISTRIBUTION
    signer_prefix: tuple[str, ...] = DEFAULT_SIGNER_PREFIX
    signer_title: str = DEFAULT_SIGNER_TITLE
    signer_name: str = ""


@dataclass(frozen=True)
class ExportParts:
    template: ReportTemplate
    result: Consolidation
    period_label: str  # "Quý II năm 2024"
    period_window: str  # "(Từ ngày 15/03/2024 đến ngày 14/06/2024)"
    reporting_unit: str  # "UBND huyện Bình Sơn": who reports (Đơn vị báo cáo)
    reporting_kind: str = ""  # that unit's kind ("district"): picks the template's wording for its level
    receiving_unit: str = ""  # Đơn vị nhận báo cáo
    issuing_body: str = ""  # "UBND HUYỆN BÌNH SƠN", header of the Word report
    parent_body: str = ""  # "UBND TỈNH QUẢNG NGÃI", above the issuing body
    place_name: str = ""  # địa danh on the date line: "Bình Sơn"
    year: int | None = None  # the year printed on the date line (day and month left blank)
    reviewer_texts: dict[str, str] = field(default_factory=dict)  # section id → consolidated text
    # Section id → the paragraphs that write the section's figures out ("Tổng số hồ sơ …").
    figure_sentences: dict[str, tuple[str, ...]] = field(default_factory=dict)
    coverage_text: str = ""  # "Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: …"
    provisional: bool = False  # includes reports not yet approved: "SỐ LIỆU TẠM"
    unit_titles: dict[str, str] = field(default_factory=dict)  # unit name → "UBND xã Hoàng Kim"
    completeness: tuple[UnitStatus, ...] = ()
    signature: Signature = Signature()
    created: datetime | None = None  # workbook property; fixed so equal inputs give equal files
    consolidated: bool = True  # False for one unit's own submission
    trend: object = None  # services.trends.Trend: the main figures of the last periods (charts sheet)
    followup: tuple[DirectiveReport, ...] = ()  # directive tasks and what was done about them
    # Section id → the unit's note (thuyết minh) printed beside the section's figures; only a
    # unit's own report has them (a consolidation's texts are the reviewer's).
    notes: dict[str, str] = field(default_factory=dict)
    # From lower consolidations among the reports (a district's at the province): each one's
    # own directive results, (unit title, paragraphs as followup_paragraphs gives them) ...
    received_followup: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # ... and the catalogue rows it folded into "Lĩnh vực khác": (section id, unit, row label, dossiers).
    folded: tuple[tuple[str, str, str, int], ...] = ()

    def folded_line(self, section_id: str) -> str:
        """"Lĩnh vực khác gồm: Đăng ký, đăng kiểm tàu cá (47 hồ sơ, Huyện Bình Sơn)." or ""."""
        from ..reporting.numbers import format_count

        items = [f"{label} ({format_count(amount)} hồ sơ, {unit})" for sid, unit, label, amount in self.folded
                 if sid == section_id]
        return f"Lĩnh vực khác gồm: {'; '.join(items)}." if items else ""

    def unit_title(self, name: str) -> str:
        return self.unit_titles.get(name, name)

    @property
    def recipient(self) -> str:
        """Kính gửi (Word) and Đơn vị nhận báo cáo (Excel): one value, so they agree."""
        return self.signature.recipient or self.receiving_unit


def lines(text: str | None) -> tuple[str, ...]:
    """Settings typed one item a line; blank lines and surrounding spaces dropped."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def committee_name(name: str, kind: str) -> str:
    """"Xã Hoàng Kim" → "UBND xã Hoàng Kim"; offices keep their own name."""
    if kind not in COMMITTEE_KINDS or name.upper().startswith("UBND"):
        return name
    return f"UBND {name[:1].lower()}{name[1:]}"


def upper_vi(text: str) -> str:
    return text.upper()


def ascii_slug(text: str) -> str:
    """"Quý II năm 2024 – Huyện Bình Sơn" → "quy-ii-nam-2024-huyen-binh-son"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "bao-cao"


def content_disposition(display_name: str, extension: str) -> str:
    """RFC 6266/5987: an ASCII name for old clients, the Vietnamese one for the rest."""
    fallback = f"bao-cao-{ascii_slug(display_name)}.{extension}"
    clean = re.sub(r'[\\/:*?"<>|\r\n]+', " ", display_name).strip()
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(f'{clean}.{extension}', safe='')}"
