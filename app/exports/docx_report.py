"""The Word report (design §9) in the layout of Decree 30/2020/NĐ-CP, from the domain's result.

Order on the page: header table (issuing body | national motto, "Số: …/BC-UBND" | place
and date), "BÁO CÁO" and the title, "Kính gửi", the requesting document, the coverage
sentence, the body by section (figures written out, a unit's note, then the text), the
closing line, "Nơi nhận" beside the signature block, then the tables as annexes on
landscape pages (by field, then by unit for a consolidation). Pages are numbered from
page 2, top centre; the document is tagged vi-VN.

python-docx sets up the page, the styles and the page-number header; the body itself is
built as lxml elements (``wordml``) and attached in one pass, so the time grows with the
report's length, not its square (bench/report.py).
"""

from __future__ import annotations

import copy
import os
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import IO

from docx import Document
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from ..reporting.clock import format_day, vn_today
from ..reporting.directives import followup_paragraphs
from ..reporting.documents import DOC_TYPES
from ..reporting.figures import issued_counts
from ..reporting.numbers import format_count, format_ratio, format_score
from ..reporting.templates import Section
from ..reporting.wording import fill_phrase
from ..services.export_model import ExportParts
from . import wordml as wml
from .layout import LABEL_COLUMNS, column_numbers, header_cells, header_depth

FONT = "Times New Roman"
BODY_SIZE = 14
LANGUAGE = "vi-VN"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
PROVISIONAL_MARK = "SỐ LIỆU TẠM"
NOTHING = "Không phát sinh."
# Portrait text width: A4 210 mm less 30 mm left and 15 mm right margins.
PORTRAIT_WIDTH = 165.0
LANDSCAPE_WIDTH = 297 - 20 - 15
# Paragraph styles: (id, name, formatting). Everything the body repeats is a style, so a
# paragraph or a table cell carries only a style reference.
STYLES = (
    ("VnBody", "VN Nội dung", dict(align="both", first_line_mm=12.7, after_pt=6, line=264)),
    ("VnHeading1", "VN Mục cấp 1", dict(bold=True, align="both", first_line_mm=12.7, before_pt=6, after_pt=6,
                                         keep_next=True)),
    ("VnHeading2", "VN Mục cấp 2", dict(bold=True, align="both", first_line_mm=12.7, after_pt=6, keep_next=True)),
    ("VnHeading3", "VN Mục cấp 3", dict(bold=True, italic=True, align="both", first_line_mm=12.7, after_pt=6,
                                         keep_next=True)),
    ("VnNote", "VN Ghi chú", dict(italic=True, align="both", first_line_mm=12.7, after_pt=6, line=264)),
    ("VnCenter", "VN Giữa", dict(align="center")),
    ("VnTitle", "VN Tiêu đề", dict(bold=True, align="center", keep_next=True)),
    ("VnRule", "VN Đường kẻ", dict(size=2, before_pt=3, after_pt=2)),
    ("VnPlain", "VN Trái", dict(align="left")),
    ("VnRatio", "VN Tỷ lệ", dict(size=12, align="left")),
) + tuple(
    (f"{style_id}{size}", f"{name} {size}", dict(size=size, align=align, bold=bold))
    for size in (10, 11)
    for style_id, name, align, bold in (
        ("VnCell", "VN Ô chữ", "left", False),
        ("VnCellNum", "VN Ô số", "right", False),
        ("VnCellCenter", "VN Ô giữa", "center", False),
        ("VnCellHead", "VN Ô tiêu đề", "center", True),
    )
)
HEADING_STYLES = {1: "VnHeading1", 2: "VnHeading2"}


# --- words on the page ------------------------------------------------------------------

def lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def report_title(parts: ExportParts) -> str:
    """The template title without its leading "Báo cáo", followed by the period."""
    title = parts.template.title.strip()
    if title.lower().startswith("báo cáo "):
        title = title[len("báo cáo "):]
    return f"{title[:1].upper()}{title[1:]} {lower_first(parts.period_label)}"


def date_line(parts: ExportParts) -> str:
    place = parts.place_name or "…"
    return f"{place}, {date_words(parts)}"


def date_words(parts: ExportParts) -> str:
    """"ngày 07 tháng 12 năm 2026" when the settings give the date (Decree 30: a day below 10
    and January, February take a leading 0), else blanks for the clerk with the year."""
    issued = parts.signature.issued_on
    if issued is None:
        return f"ngày      tháng      năm {parts.year or vn_today().year}"
    month = f"{issued.month:02d}" if issued.month < 3 else str(issued.month)
    return f"ngày {issued.day:02d} tháng {month} năm {issued.year}"


def number_line(parts: ExportParts) -> str:
    """"Số:        /BC-UBND": the number is left blank for the clerk who registers it,
    unless the settings give it (an electronic document numbered before it is signed)."""
    number = parts.signature.number.strip()
    return f"Số: {number}/{parts.signature.symbol}" if number else f"Số:        /{parts.signature.symbol}"


def intro(parts: ExportParts) -> str:
    """"Thực hiện Công văn số …, UBND huyện … báo cáo … như sau:" (seed 001); without a
    requesting document, the opening sentence the template words for this level, else the
    reporting regime it cites (for this level, else for every level)."""
    basis = parts.signature.request_doc.strip().rstrip(".;,")
    if basis.lower().startswith("thực hiện "):
        basis = basis[len("thực hiện "):]
    level = parts.template.level_wording(parts.reporting_kind)
    if not basis and level.opening:
        return fill_phrase(level.opening, {"unit": parts.reporting_unit, "report": lower_first(report_title(parts))})
    if not basis:
        basis = regime_basis(level.legal_basis or parts.template.legal_basis, parts.reporting_unit)
    return f"Thực hiện {basis}, {parts.reporting_unit} báo cáo {lower_first(report_title(parts))} như sau:"


REGIME = "chế độ báo cáo"
# "… theo yêu cầu của Văn phòng UBND tỉnh": a request from the province's own office binds
# the units below the province, not the province reporting to the Government Office.
OWN_OFFICE_REQUEST = re.compile(r"\s*theo yêu cầu của Văn phòng (UBND|Ủy ban nhân dân) tỉnh\b[^,;]*", re.IGNORECASE)


def regime_basis(legal_basis: str, reporting_unit: str) -> str:
    """The reporting regime the template cites, worded once ("chế độ báo cáo theo Thông tư
    số 01/2020/TT-VPCP …", or the template's own "Chế độ báo cáo tháng …"), without a
    request the reporting level makes of itself."""
    basis = (legal_basis or "").strip().rstrip(".;,")
    if reporting_unit.lower().startswith(("ubnd tỉnh", "ủy ban nhân dân tỉnh")):
        basis = OWN_OFFICE_REQUEST.sub("", basis).strip()
    if not basis:
        return REGIME
    if basis.lower().startswith(REGIME):
        return lower_first(basis)
    return f"{REGIME} theo {basis}"


def section_title(section: Section) -> str:
    """"4. Heading"; a label such as "Phụ lục" is not a body number, so it is left out."""
    if re.fullmatch(r"[IVXLC]+\.?|[0-9]+(\.[0-9]+)*\.?", section.number.strip()):
        return f"{section.number.strip()} {section.heading}"
    return section.heading


def annex_names(parts: ExportParts) -> dict[tuple[str, str], str]:
    """(section id, "fields" | "units") → "I", "II", …: by field, then by unit if consolidated."""
    names: dict[tuple[str, str], str] = {}
    for section in parts.template.sections_of("table"):
        kinds = ["fields"] + (["units"] if parts.consolidated and parts.result.breakdown.get(section.id) else [])
        for kind in kinds:
            n = len(names)
            names[(section.id, kind)] = ROMAN[n] if n < len(ROMAN) else str(n + 1)
    return names


# --- the body, section by section -------------------------------------------------------

class Body:
    """The body's elements in order; each writer appends to it."""

    def __init__(self, parts: ExportParts):
        self.parts = parts
        self.annexes = annex_names(parts)
        self.items: list = []

    def add(self, text: str, style: str = "VnBody", **formatting) -> None:
        self.items.append(wml.paragraph(text, style, **formatting))

    def text(self, text: str) -> None:
        for line in lines_of(text):
            self.add(line)

    def bullet(self, text: str) -> None:
        self.add(f"- {text}")


def indicator_lines(body: Body, section: Section) -> None:
    sums = body.parts.result.indicators.get(section.id, {})
    for item in section.fields:
        body.bullet(f"{item.label}: {format_count(sums.get(item.id, 0))}.")


def table_lines(body: Body, section: Section) -> None:
    table = body.parts.result.tables[section.id]
    for column in section.columns:
        if column.is_input and len(column.headings) > 1:
            continue  # the parts of a total are in the annex; the text gives the totals
        body.bullet(f"{column.headings[0]}: {format_count(table.total.get(column.id, 0))}.")
    ratios = table.ratios(table.total)
    for definition in table.ratio_definitions:
        body.bullet(f"{definition.label}: {format_ratio(ratios[definition.name])}.")


def annex_reference(body: Body, section: Section) -> None:
    names = [f"Phụ lục {body.annexes[key]}" for key in ((section.id, "fields"), (section.id, "units"))
             if key in body.annexes]
    folded = body.parts.folded_line(section.id)
    if folded:  # a lower level's own fields, added into "Lĩnh vực khác": say what and whose
        body.add(folded, "VnNote")
    if names:
        body.add(f"(Chi tiết tại {' và '.join(names)} kèm theo.)", "VnNote")


def document_lines(body: Body, section: Section) -> None:
    parts = body.parts
    documents = [d for d in parts.result.documents if d.get("section_id") in (None, section.id)]
    if parts.consolidated:
        # One list of every unit's documents would run to pages at a province; the list is
        # in the workbook, the reviewer names the ones that matter in the section's text.
        if documents and not parts.figure_sentences.get(section.id):
            for line in issued_counts(parts.result.units, documents):
                body.bullet(line)
        return
    for item in documents:
        body.bullet(document_line(item))


def document_line(item: dict) -> str:
    """"Quyết định số 11/QĐ-UBND ngày 10/01/2024 về …" as seed 003 writes it: the type
    word first, never the bare number."""
    issued = item.get("issued_on")
    when = f" ngày {format_day(issued)}" if isinstance(issued, (date, datetime)) else ""
    kind = DOC_TYPES.get(item.get("doc_type") or "", "Văn bản")
    return f"{kind} số {item.get('number', '')}{when} {item.get('summary', '')}".strip()


def satisfaction_lines(body: Body, section: Section) -> None:
    survey = body.parts.result.satisfaction.get(section.id)
    if survey is None or not survey.forms:
        return
    body.bullet(f"{section.fields_with_role('forms')[0].label}: {format_count(survey.forms)} phiếu.")
    for item in section.fields_with_role("level"):
        count = survey.counts.get(item.id, 0)
        body.bullet(f"{item.label}: {format_count(count)} phiếu ({format_ratio(survey.shares.get(item.id))}).")
    if survey.score is not None:
        rating = f", xếp loại {survey.rating}" if survey.rating else ""
        body.bullet(f"Tổng điểm các chỉ số: {format_score(survey.score)} điểm{rating}.")


def followup_lines(body: Body, section: Section) -> None:
    """Per directive and task: the counts written out, then the consolidating unit's text."""
    for text, role in followup_paragraphs(body.parts.followup):
        body.add(text, "VnNote" if role == "lead" else "VnBody")
    # A lower consolidation's own directives: its results, under its name, as it reported them.
    for unit, paragraphs in body.parts.received_followup:
        body.add(f"{unit} báo cáo kết quả thực hiện văn bản chỉ đạo của mình:", "VnHeading3")
        for text, role in paragraphs:
            body.add(text, "VnNote" if role == "lead" else "VnBody")


# What a section of each kind prints when no figure sentences were written for it. A kind
# not listed here (a heading, or a kind added later) prints only its sentences and text.
FIGURE_FALLBACK: dict[str, Callable[[Body, Section], None]] = {
    "indicators": indicator_lines,
    "table": table_lines,
    "satisfaction": satisfaction_lines,
}
# Printed after the sentences whatever they are.
AFTER_FIGURES: dict[str, Callable[[Body, Section], None]] = {
    "table": annex_reference,
    "documents": document_lines,
    "directives": followup_lines,
}


def own_text(parts: ExportParts, section: Section) -> str:
    """The consolidating reviewer's text; in a unit's own report, the unit's text."""
    if parts.consolidated:
        return parts.reviewer_texts.get(section.id, "")
    merge = parts.result.narratives.get(section.id)
    own = "\n".join(text for _, text in merge.entries) if merge is not None else ""
    return "\n".join(t for t in (own, parts.reviewer_texts.get(section.id, "")) if t)


def section_content(parts: ExportParts, body: Body, section: Section) -> list:
    """The elements under a section's heading: its figures written out, then the text."""
    start = len(body.items)
    sentences = parts.figure_sentences.get(section.id)
    if sentences:
        for sentence in sentences:
            body.text(sentence)
    elif section.kind in FIGURE_FALLBACK:
        FIGURE_FALLBACK[section.kind](body, section)
    # The unit's note (thuyết minh) reads on from its figures, as in seed 003's §4.
    body.text(parts.notes.get(section.id, "") if section.note else "")
    if section.kind in AFTER_FIGURES:
        AFTER_FIGURES[section.kind](body, section)
    body.text(own_text(parts, section))
    content = body.items[start:]
    del body.items[start:]
    return content


def heading(section: Section):
    style = HEADING_STYLES.get(section.level, "VnHeading3")
    text = section_title(section)
    return wml.paragraph(text.upper() if section.level == 1 else text, style)


def write_sections(parts: ExportParts, body: Body) -> None:
    """Every section of the template under its heading, so the numbering never jumps
    (design §9): a section with nothing to say keeps its heading with "Không phát sinh.";
    a heading over subsections needs nothing of its own."""
    sections = parts.template.sections
    for index, section in enumerate(sections):
        content = section_content(parts, body, section)
        body.items.append(heading(section))
        if content:
            body.items.extend(content)
            continue
        has_children = index + 1 < len(sections) and sections[index + 1].level > section.level
        if not (section.kind == "heading" or has_children):
            body.add(NOTHING)


COMMITTEE_PREFIXES = ("ủy ban nhân dân ", "uỷ ban nhân dân ", "ubnd ")
COMMITTEE_IN_FULL = "ỦY BAN NHÂN DÂN"


def issuer_lines(parts: ExportParts) -> list[tuple[str, bool]]:
    """The issuing body's lines over the number, with whether each is bold (Decree 30,
    design §9): a People's Committee alone and in full ("ỦY BAN NHÂN DÂN" / "HUYỆN BÌNH
    SƠN"), nothing above it; a specialised office under its governing body, which is not
    bold ("UBND HUYỆN BÌNH SƠN" / "PHÒNG TƯ PHÁP")."""
    issuer = (parts.issuing_body or parts.reporting_unit).strip()
    lowered = issuer.lower()
    for prefix in COMMITTEE_PREFIXES:
        if lowered.startswith(prefix):
            return [(COMMITTEE_IN_FULL, True), (issuer[len(prefix):].strip().upper(), True)]
    lines = [(parts.parent_body.upper(), False)] if parts.parent_body else []
    return lines + [(issuer.upper(), True)]


def write_header(parts: ExportParts, body: Body) -> None:
    """Two borderless columns: the issuing body | motto; number | place, date."""
    widths = (62.0, 103.0)
    tbl = wml.table(widths, borders=False)
    top = wml.row(tbl)
    left = wml.cell(top, width_mm=widths[0])
    for text, strong in issuer_lines(parts):
        wml.paragraph(text, "VnCenter", bold=strong, size=13, parent=left)
    wml.rule_paragraph(25, widths[0], parent=left)
    right = wml.cell(top, width_mm=widths[1])
    wml.paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "VnCenter", bold=True, size=13, parent=right)
    wml.paragraph("Độc lập - Tự do - Hạnh phúc", "VnCenter", bold=True, parent=right)
    wml.rule_paragraph(60, widths[1], parent=right)
    bottom = wml.row(tbl)
    wml.paragraph(number_line(parts), "VnCenter", size=13, parent=wml.cell(bottom, width_mm=widths[0]))
    wml.paragraph(date_line(parts), "VnCenter", italic=True, parent=wml.cell(bottom, width_mm=widths[1]))
    body.items.append(tbl)


def write_title(parts: ExportParts, body: Body) -> None:
    body.items.append(wml.paragraph("", "VnCenter"))
    body.add("BÁO CÁO", "VnTitle")
    title = report_title(parts)
    body.add(f"{title} ({PROVISIONAL_MARK})" if parts.provisional else title, "VnTitle")
    body.items.append(wml.rule_paragraph(50, PORTRAIT_WIDTH))
    recipient = parts.recipient.rstrip(".")
    if recipient:
        body.add(f"Kính gửi: {recipient}.", "VnCenter")
    body.items.append(wml.paragraph("", "VnCenter"))
    body.add(intro(parts))
    if parts.consolidated and parts.coverage_text:
        body.add(parts.coverage_text.rstrip(".") + ".", "VnNote")


def write_closing(parts: ExportParts, body: Body) -> None:
    closing = f"Trên đây là báo cáo {lower_first(report_title(parts))} của {parts.reporting_unit}./."
    body.add(closing, keep_next=True)


def write_signature(parts: ExportParts, body: Body) -> None:
    """Nơi nhận (left, 12/11 pt) beside the signer block (right), kept on one page and
    with the closing line above it."""
    signature = parts.signature
    widths = (80.0, 85.0)
    tbl = wml.table(widths, borders=False)
    tr = wml.row(tbl, cant_split=True)
    left = wml.cell(tr, width_mm=widths[0])
    wml.paragraph("Nơi nhận:", "VnPlain", bold=True, italic=True, size=12, parent=left)
    for line in signature.distribution:
        text = line if line.startswith(("-", "+")) else f"- {line}"
        wml.paragraph(text, "VnPlain", size=11, parent=left)
    right = wml.cell(tr, width_mm=widths[1])
    for line in signature.signer_prefix:
        wml.paragraph(line.upper(), "VnCenter", bold=True, parent=right)
    if signature.signer_title:
        wml.paragraph(signature.signer_title.upper(), "VnCenter", bold=True, parent=right)
    for _ in range(4):  # room for the signature and the seal
        wml.paragraph("", "VnCenter", parent=right)
    wml.paragraph(signature.signer_name, "VnCenter", bold=True, parent=right)
    wml.keep_all_with_next([tbl])
    body.items.append(tbl)


# --- annexes ---------------------------------------------------------------------------

def annex_heading(parts: ExportParts, body: Body, name: str, heading_text: str, unit_label: str) -> None:
    body.add(f"Phụ lục {name}", "VnTitle")
    body.add(heading_text.upper(), "VnTitle")
    number = parts.signature.number.strip() or "     "
    body.add(f"(Kèm theo Báo cáo số {number}/{parts.signature.symbol} {date_words(parts)} "
             f"của {parts.reporting_unit})", "VnCenter", italic=True, size=13, keep_next=True)
    body.add(f"Kỳ báo cáo: {parts.period_label} {parts.period_window}".strip(), "VnCenter", size=13, keep_next=True)
    if unit_label:
        body.add(f"Đơn vị tính: {unit_label}", "VnCenter", italic=True, size=12, keep_next=True, align="right")


def annex_table(section: Section, lines: list[tuple[str, str, dict, dict[str, int]]], second_label: str | None = None):
    """The table of form 06a: merged header band and column numbers repeated on every
    page, then (number, label, emphasis, values) lines."""
    ncols = LABEL_COLUMNS + len(section.columns)
    size = 10 if ncols > 13 else 11
    text_s, num_s, centre_s, head_s = (f"VnCell{size}", f"VnCellNum{size}", f"VnCellCenter{size}",
                                       f"VnCellHead{size}")
    data_width = (LANDSCAPE_WIDTH - 12 - 53) / len(section.columns)
    tbl = wml.table([12.0, 53.0] + [data_width] * len(section.columns), center=True)
    depth = header_depth(section)
    # Each grid position of the header band: the cell starting there, or the cell whose
    # vertical merge continues there; gridSpan covers the columns to its right.
    starts: dict[tuple[int, int], tuple] = {}
    for item in header_cells(section, second_label):
        for r in range(item.first_row, item.last_row + 1):
            starts[(r, item.first_col)] = (item, r == item.first_row)
    for r in range(depth):
        tr = wml.row(tbl, header=True)
        for (row_index, _), (item, first) in sorted((k, v) for k, v in starts.items() if k[0] == r):
            merge = None if item.first_row == item.last_row else ("restart" if first else "continue")
            tc = wml.cell(tr, span=item.last_col - item.first_col + 1, merge=merge, center=True)
            wml.paragraph(item.text if first else "", head_s, parent=tc)
    tr = wml.row(tbl, header=True)
    for number in column_numbers(section):
        wml.text_cell(tr, number, centre_s, italic=True)
    computed = [not c.is_input for c in section.columns]
    for number, label, emphasis, values in lines:
        tr = wml.data_row(tbl)
        wml.text_cell(tr, number, centre_s, **emphasis)
        wml.text_cell(tr, label, text_s, **emphasis)
        for column, strong in zip(section.columns, computed):
            wml.text_cell(tr, format_count(values.get(column.id, 0)), num_s, **(emphasis or {"bold": strong}))
    return tbl


TOTALS_LEAD = 2  # data rows kept with the totals block, so no page holds a totals row alone


def keep_totals_together(tbl, totals: int, lines_follow: bool) -> None:
    """The totals block (total row, group subtotals, and the ratio lines after the table
    when ``lines_follow``) moves to a new page with the last rows above it, never alone:
    every row from there on is kept with the next; the last row only when lines follow."""
    rows = tbl.findall(wml.TR)
    body_rows = [r for r in rows if r.find(wml.TR_PR) is None or r.find(wml.TR_PR).find(wml.w("tblHeader")) is None]
    tail = body_rows[-(totals + TOTALS_LEAD):]
    wml.keep_all_with_next(tail if lines_follow else tail[:-1])


def write_field_annex(parts: ExportParts, body: Body, section: Section, name: str) -> None:
    result = parts.result.tables[section.id]
    annex_heading(parts, body, name, section.heading, section.unit_label)
    lines = ([(str(n), line.label, {}, line.values) for n, line in enumerate(result.rows, start=1)]
             + [("", "Tổng cộng", {"bold": True}, result.total)]
             + [("", g.label, {"bold": True, "italic": True}, g.values) for g in result.groups])
    tbl = annex_table(section, lines)
    body.items.append(tbl)
    ratios = result.ratios(result.total)
    groups = [(g.label, result.ratios(g.values)) for g in result.groups]
    definitions = result.ratio_definitions
    keep_totals_together(tbl, len(result.groups) + 1, bool(definitions))
    for n, definition in enumerate(definitions, start=1):
        shares = [f"tổng cộng {format_ratio(ratios[definition.name])}"]
        shares += [f"{lower_first(label)} {format_ratio(r[definition.name])}" for label, r in groups]
        body.add(f"- {definition.label}: " + "; ".join(shares) + ".", "VnRatio", keep_next=n < len(definitions))


def write_unit_annex(parts: ExportParts, body: Body, section: Section, name: str) -> None:
    """Rows = units: each unit's table totals, then the total (equal to the by-field total)."""
    result = parts.result.tables[section.id]
    annex_heading(parts, body, name, f"{section.heading} (chi tiết theo đơn vị)", section.unit_label)
    lines = [(str(n), parts.unit_title(unit_name), {}, totals)
             for n, (_, unit_name, totals) in enumerate(parts.result.breakdown.get(section.id, ()), start=1)]
    lines.append(("", "Tổng cộng", {"bold": True}, result.total))
    tbl = annex_table(section, lines, second_label="Đơn vị")
    keep_totals_together(tbl, 1, False)
    body.items.append(tbl)


ANNEX_WRITERS = {"fields": write_field_annex, "units": write_unit_annex}


# --- the document ----------------------------------------------------------------------

def new_document(created: datetime | None):
    """An empty A4 document: fonts, vi-VN, styles, margins and the page-number header."""
    doc = Document()
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts would win over the names set below
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    defaults.find(qn("w:lang")).attrib.update({qn("w:val"): LANGUAGE, qn("w:eastAsia"): LANGUAGE})
    for name in ("w:sz", "w:szCs"):
        defaults.find(qn(name)).set(qn("w:val"), str(BODY_SIZE * 2))
    spacing = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.attrib.update({qn("w:after"): "0", qn("w:line"): "240"})
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_SIZE)
    normal_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        normal_fonts.set(qn(attr), FONT)
    for style_id, name, formatting in STYLES:
        wml.add_paragraph_style(styles, style_id, name, **formatting)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    # Decree 30: page numbers from the second page, top centre.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.alignment = 1  # centre
    wml.field_run(header._p, "PAGE", "2", size=13)
    props = doc.core_properties
    props.author = props.last_modified_by = "Tổng hợp"
    props.language = LANGUAGE
    props.comments = props.keywords = ""
    if created is not None:
        props.created = props.modified = created
    drop_thumbnail(doc)
    return doc


def drop_thumbnail(doc) -> None:
    """python-docx's template ships its own preview picture (docProps/thumbnail.jpeg);
    a file manager would show it for every report, so the relationship goes."""
    rels = doc.part.package.rels
    for key, rel in list(rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            del rels[key]


def describe(doc, parts: ExportParts) -> None:
    """File properties a reader sees: the report's title and who issues it."""
    props = doc.core_properties
    props.title = f"Báo cáo {lower_first(report_title(parts))}"[:255]
    props.subject = (parts.issuing_body or parts.reporting_unit)[:255]
    props.author = parts.reporting_unit or "Tổng hợp"


def landscape(sect_pr) -> None:
    """Turn a copy of the portrait section into an annex section: landscape, numbered on
    every page (no distinct first page), headers inherited from the section before."""
    for name in ("w:headerReference", "w:footerReference", "w:titlePg"):
        for element in sect_pr.findall(qn(name)):
            sect_pr.remove(element)
    size = sect_pr.find(qn("w:pgSz"))
    size.attrib.update({qn("w:w"): wml.twips(297), qn("w:h"): wml.twips(210), qn("w:orient"): "landscape"})
    margins = sect_pr.find(qn("w:pgMar"))
    margins.attrib.update({qn("w:top"): wml.twips(20), qn("w:bottom"): wml.twips(15),
                           qn("w:left"): wml.twips(20), qn("w:right"): wml.twips(15)})


def section_break(sect_pr):
    """The paragraph that ends a section: its properties sit in the paragraph's pPr."""
    p = etree.Element(wml.P)
    ppr = etree.SubElement(p, wml.PPR)
    etree.SubElement(ppr, wml.PSTYLE, {wml.VAL: "VnRule"})
    ppr.append(sect_pr)
    return p


def build(parts: ExportParts):
    """The python-docx Document of the report, body attached in one pass."""
    doc = new_document(parts.created)
    describe(doc, parts)
    body = Body(parts)
    write_header(parts, body)
    write_title(parts, body)
    write_sections(parts, body)
    write_closing(parts, body)
    write_signature(parts, body)
    element = doc.element.body
    final = element.find(qn("w:sectPr"))
    portrait = copy.deepcopy(final)
    annexes = list(body.annexes.items())
    if annexes:
        body.items.append(section_break(portrait))
        landscape(final)
        for index, ((section_id, kind), name) in enumerate(annexes):
            if index:
                body.items.append(section_break(copy.deepcopy(final)))
            ANNEX_WRITERS[kind](parts, body, parts.template.section(section_id), name)
    element.remove(final)
    for child in list(element):  # the template's empty first paragraph
        element.remove(child)
    element.extend(body.items)
    element.append(final)
    return doc


class FixedTimeZip:
    """python-docx's package writer target, every member stamped 1980-01-01: equal inputs
    give byte-identical files (design §8); python-docx would stamp the current time."""

    def __init__(self, out: str | IO[bytes]):
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, blob)

    def close(self) -> None:
        self.zip.close()


def save(doc, out: str | IO[bytes]) -> None:
    """``Document.save`` (OpcPackage.save) with a fixed time on every zip member."""
    package = doc.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    writer = FixedTimeZip(out)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()


def write_report_docx(parts: ExportParts, out: str | os.PathLike | IO[bytes]) -> None:
    """The consolidated (or one unit's) report as .docx, to a path or a binary file."""
    save(build(parts), os.fspath(out) if isinstance(out, os.PathLike) else out)
