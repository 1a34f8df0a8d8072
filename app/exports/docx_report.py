"""The Word report (design §9) in the layout of Decree 30/2020/NĐ-CP, from the domain's result.

Order on the page: header table (issuing body | national motto, "Số: …/BC-UBND" | place
and date), "BÁO CÁO" and the title, "Kính gửi", the body by section, the "Nơi nhận" and
signature block side by side, then the tables as annexes on landscape pages.
"""
from __future__ import annotations

import io
import os
import zipfile

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..reporting.directives import followup_paragraphs
from ..reporting.clock import format_day, vn_today
from ..reporting.numbers import format_count, format_ratio, format_score
from ..reporting.templates import Section
from .layout import LABEL_COLUMNS, column_numbers, header_cells, header_depth
from ..services.export_model import ExportParts

FONT = "Times New Roman"
BODY_SIZE = 14
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
NUMBER_BLANK = "Số:        /BC-UBND"
CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY,
)


# --- small helpers --------------------------------------------------------------------

def _set_fonts(element_rpr) -> None:
    fonts = element_rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        element_rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _paragraph(container, text: str = "", *, bold=False, italic=False, size=BODY_SIZE, align=None,
               indent: bool = False, after: float = 0, before: float = 0, upper: bool = False):
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Mm(12.7)
    if text:
        _run(paragraph, text.upper() if upper else text, bold=bold, italic=italic, size=size)
    return paragraph


def _run(paragraph, text: str, *, bold=False, italic=False, size=BODY_SIZE):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    run.font.size = Pt(size)
    return run


def _short_rule(container, width_mm: float, cell_width_mm: float) -> None:
    """The short solid line Decree 30 puts under the issuing body, the motto and the title."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    side = max((cell_width_mm - width_mm) / 2, 0)
    fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
    fmt.space_after = Pt(2)
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)


def _first_paragraph(cell):
    """A fresh cell holds one empty paragraph; use it rather than leave a blank line."""
    return cell.paragraphs[0]


def _cell_lines(cell, items: Iterable[tuple[str, dict]]) -> None:
    first = True
    for text, style in items:
        style = dict(style)
        align = style.pop("align", CENTER)
        if first:
            paragraph = _first_paragraph(cell)
            paragraph.alignment = align
            paragraph.paragraph_format.space_after = Pt(0)
            if text:
                _run(paragraph, text, **style)
            first = False
        else:
            _paragraph(cell, text, align=align, **style)


def _set_widths(table, widths_mm: list[float]) -> None:
    """Widths on the grid (LibreOffice reads these) and on every cell (Word reads those)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def report_title(parts: ExportParts) -> str:
    """The template title without its leading "Báo cáo", followed by the period."""
    title = parts.template.title.strip()
    if title.lower().startswith("báo cáo "):
        title = title[len("báo cáo "):]
    period = parts.period_label[:1].lower() + parts.period_label[1:]
    return f"{title[:1].upper()}{title[1:]} {period}"


def date_line(parts: ExportParts) -> str:
    year = parts.year or vn_today().year
    place = parts.place_name or "…"
    return f"{place}, ngày      tháng      năm {year}"


# --- the document ---------------------------------------------------------------------

def new_document(created: datetime | None):
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_SIZE)
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(6)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    props = doc.core_properties
    props.author = props.last_modified_by = "Tổng hợp"
    if created is not None:
        props.created = props.modified = created
    return doc


def write_header(doc, parts: ExportParts) -> None:
    """Two columns: issuing body over its parent | motto; then the number | place and date."""
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    widths = [62.0, 103.0]
    left, right = table.cell(0, 0), table.cell(0, 1)
    body_lines = []
    if parts.parent_body:
        body_lines.append((parts.parent_body.upper(), {"size": 13}))
    body_lines.append(((parts.issuing_body or parts.reporting_unit).upper(), {"size": 13, "bold": True}))
    _cell_lines(left, body_lines)
    _short_rule(left, 25, widths[0])
    _cell_lines(right, [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", {"size": 12, "bold": True}),
        ("Độc lập - Tự do - Hạnh phúc", {"size": 14, "bold": True}),
    ])
    _short_rule(right, 60, widths[1])
    _cell_lines(table.cell(1, 0), [(NUMBER_BLANK, {"size": 13})])
    _cell_lines(table.cell(1, 1), [(date_line(parts), {"size": 14, "italic": True})])
    _set_widths(table, widths)


def write_title(doc, parts: ExportParts) -> None:
    _paragraph(doc, "BÁO CÁO", bold=True, align=CENTER, before=12, after=0)
    _paragraph(doc, report_title(parts), bold=True, align=CENTER, after=0)
    _short_rule(doc, 50, 165)
    if parts.signature.recipient:
        recipient = parts.signature.recipient.rstrip(".")
        _paragraph(doc, f"Kính gửi: {recipient}.", align=CENTER, before=6, after=12)
    intro = (f"Thực hiện chế độ báo cáo theo {parts.template.legal_basis}, {parts.reporting_unit} báo cáo "
             f"{report_title(parts)[:1].lower()}{report_title(parts)[1:]} như sau:")
    _paragraph(doc, intro, align=JUSTIFY, indent=True, after=6)


def section_title(section: Section) -> str:
    """"4. Heading"; a label such as "Phụ lục" is not a body number, so it is left out."""
    if re.fullmatch(r"[IVXLC]+\.?|[0-9]+(\.[0-9]+)*\.?", section.number.strip()):
        return f"{section.number.strip()} {section.heading}"
    return section.heading


def section_heading(doc, section: Section) -> None:
    text = section_title(section)
    if section.level == 1:
        _paragraph(doc, text, bold=True, upper=True, indent=True, before=6, after=6)
    else:
        _paragraph(doc, text, bold=True, italic=section.level > 2, indent=True, after=6)


def body_lines(doc, text: str) -> None:
    for line in lines_of(text):
        _paragraph(doc, line, align=JUSTIFY, indent=True, after=6)


def write_narrative(doc, parts: ExportParts, section: Section) -> None:
    own = parts.reviewer_texts.get(section.id, "")
    merge = parts.result.narratives.get(section.id)
    body_lines(doc, own)
    if merge is None:
        return
    if not parts.consolidated:  # one unit's own report: its text, without its own name
        for _, text in merge.entries:
            body_lines(doc, text)
        return
    # Without a consolidated text the units' own words are the only content: keep them.
    if not (parts.include_attributed or not own.strip()):
        return
    for unit_name, text in merge.entries:
        paragraph = _paragraph(doc, "", indent=True, after=3)
        _run(paragraph, f"{parts.unit_title(unit_name)}:", bold=True, italic=True)
        body_lines(doc, text)
    if merge.empty_units and merge.entries:
        names = ", ".join(parts.unit_title(n) for n in merge.empty_units)
        _paragraph(doc, f"Không có nội dung: {names}.", italic=True, indent=True, after=6)


def bullet(doc, text: str) -> None:
    _paragraph(doc, f"- {text}", align=JUSTIFY, indent=True, after=3)


def write_indicators(doc, parts: ExportParts, section: Section) -> None:
    sums = parts.result.indicators.get(section.id, {})
    for item in section.fields:
        bullet(doc, f"{item.label}: {format_count(sums.get(item.id, 0))}.")


def write_table_summary(doc, parts: ExportParts, section: Section, annex: str) -> None:
    table = parts.result.tables[section.id]
    for column in section.columns:
        if column.is_input and len(column.headings) > 1:
            continue  # the parts of a total are in the annex; the text gives the totals
        bullet(doc, f"{column.headings[0]}: {format_count(table.total.get(column.id, 0))}.")
    ratios = table.ratios(table.total)
    for definition in table.ratio_definitions:
        bullet(doc, f"{definition.label}: {format_ratio(ratios[definition.name])}.")
    _paragraph(doc, f"(Chi tiết tại Phụ lục {annex} kèm theo.)", italic=True, indent=True, after=6)


def write_documents(doc, parts: ExportParts, section: Section) -> None:
    for item in parts.result.documents:
        if item.get("section_id") not in (None, section.id):
            continue
        issued = item.get("issued_on")
        when = f" ngày {format_day(issued)}" if isinstance(issued, (date, datetime)) else ""
        who = f"{parts.unit_title(item.get('unit_name', ''))}: " if parts.consolidated else ""
        bullet(doc, f"{who}{item.get('number', '')}{when} {item.get('summary', '')}".strip())


def write_satisfaction(doc, parts: ExportParts, section: Section) -> None:
    survey = parts.result.satisfaction.get(section.id)
    if survey is None or not survey.forms:
        return
    bullet(doc, f"{section.fields_with_role('forms')[0].label}: {format_count(survey.forms)} phiếu.")
    for item in section.fields_with_role("level"):
        count = survey.counts.get(item.id, 0)
        bullet(doc, f"{item.label}: {format_count(count)} phiếu ({format_ratio(survey.shares.get(item.id))}).")
    if survey.score is not None:
        rating = f", xếp loại {survey.rating}" if survey.rating else ""
        bullet(doc, f"Tổng điểm các chỉ số: {format_score(survey.score)} điểm{rating}.")


def write_followup(doc, parts: ExportParts) -> None:
    """Per directive and task: the counts written out, then the consolidating unit's text."""
    for text, role in followup_paragraphs(parts.followup):
        if role == "lead":
            _paragraph(doc, text, italic=True, align=JUSTIFY, indent=True, after=3)
        elif role == "item":
            _paragraph(doc, text, align=JUSTIFY, indent=True, after=3)
        else:
            _paragraph(doc, text, align=JUSTIFY, indent=True, after=6)


def write_body(doc, parts: ExportParts, annexes: dict[str, str]) -> None:
    for section in parts.template.sections:
        section_heading(doc, section)
        if section.kind == "narrative":
            write_narrative(doc, parts, section)
        elif section.kind == "indicators":
            write_indicators(doc, parts, section)
        elif section.kind == "table":
            write_table_summary(doc, parts, section, annexes[section.id])
        elif section.kind == "documents":
            write_documents(doc, parts, section)
        elif section.kind == "satisfaction":
            write_satisfaction(doc, parts, section)
        elif section.kind == "directives":
            write_followup(doc, parts)
    closing = f"Trên đây là báo cáo {report_title(parts)[:1].lower()}{report_title(parts)[1:]} của {parts.reporting_unit}./."
    _paragraph(doc, closing, align=JUSTIFY, indent=True, before=6, after=12)


def write_signature(doc, parts: ExportParts) -> None:
    """Nơi nhận (left, 12/11pt) beside the signer block (right), in a borderless table."""
    signature = parts.signature
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    recipients = [("Nơi nhận:", {"size": 12, "bold": True, "italic": True, "align": LEFT})]
    for line in signature.distribution:
        text = line if line.startswith(("-", "+")) else f"- {line}"
        recipients.append((text, {"size": 11, "align": LEFT}))
    _cell_lines(table.cell(0, 0), recipients)
    signer = [(line.upper(), {"size": 14, "bold": True}) for line in signature.signer_prefix]
    if signature.signer_title:
        signer.append((signature.signer_title.upper(), {"size": 14, "bold": True}))
    signer += [("", {})] * 4  # room for the signature and the seal
    signer.append((signature.signer_name, {"size": 14, "bold": True}))
    _cell_lines(table.cell(0, 1), signer)
    _set_widths(table, [80.0, 85.0])


def write_annex(doc, parts: ExportParts, section: Section, annex: str) -> None:
    table_result = parts.result.tables[section.id]
    _paragraph(doc, f"Phụ lục {annex}", bold=True, align=CENTER, after=0)
    _paragraph(doc, section.heading.upper(), bold=True, align=CENTER, after=0)
    year = parts.year or vn_today().year
    _paragraph(doc, f"(Kèm theo Báo cáo số      /BC-UBND ngày      tháng      năm {year} của {parts.reporting_unit})",
               italic=True, align=CENTER, size=13, after=0)
    _paragraph(doc, f"Kỳ báo cáo: {parts.period_label} {parts.period_window}".strip(), align=CENTER, size=13, after=0)
    if section.unit_label:
        _paragraph(doc, f"Đơn vị tính: {section.unit_label}", italic=True, align=RIGHT, size=12, after=3)
    depth = header_depth(section)
    ncols = LABEL_COLUMNS + len(section.columns)
    lines = ([(line.label, line.values, {}) for line in table_result.rows]
             + [("Tổng cộng", table_result.total, {"bold": True})]
             + [(g.label, g.values, {"bold": True, "italic": True}) for g in table_result.groups])
    table = doc.add_table(rows=depth + 1 + len(lines), cols=ncols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = 10 if ncols > 13 else 11
    for cell in header_cells(section):
        target = table.cell(cell.first_row, cell.first_col)
        if cell.merged:
            target = target.merge(table.cell(cell.last_row, cell.last_col))
        _cell_lines(target, [(cell.text, {"size": size, "bold": True})])
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    cells = table._cells  # one list, row-major: far cheaper than table.cell() per cell
    for col, number in enumerate(column_numbers(section)):
        _cell_lines(cells[depth * ncols + col], [(number, {"size": size, "italic": True})])
    for index, (label, values, style) in enumerate(lines):
        row = depth + 1 + index
        base = row * ncols
        number = str(index + 1) if index < len(table_result.rows) else ""
        _cell_lines(cells[base], [(number, {"size": size, **style})])
        _cell_lines(cells[base + 1], [(label, {"size": size, "align": LEFT, **style})])
        for offset, column in enumerate(section.columns):
            strong = style or ({"bold": True} if not column.is_input else {})
            _cell_lines(cells[base + LABEL_COLUMNS + offset],
                        [(format_count(values.get(column.id, 0)), {"size": size, "align": RIGHT, **strong})])
    text_width = 297 - 20 - 15
    data_width = (text_width - 12 - 53) / len(section.columns)
    _set_widths(table, [12.0, 53.0] + [data_width] * len(section.columns))
    ratios = table_result.ratios(table_result.total)
    groups = [(g.label, table_result.ratios(g.values)) for g in table_result.groups]
    for definition in table_result.ratio_definitions:
        parts_text = [f"tổng cộng {format_ratio(ratios[definition.name])}"]
        parts_text += [f"{label[:1].lower()}{label[1:]} {format_ratio(r[definition.name])}" for label, r in groups]
        _paragraph(doc, f"- {definition.label}: " + "; ".join(parts_text) + ".", size=12, before=0, after=0,
                   indent=False)


def write_annexes(doc, parts: ExportParts, annexes: dict[str, str]) -> None:
    for section in parts.template.sections_of("table"):
        page = doc.add_section(WD_SECTION.NEW_PAGE)
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = Mm(297), Mm(210)
        page.top_margin, page.bottom_margin = Mm(20), Mm(15)
        page.left_margin, page.right_margin = Mm(20), Mm(15)
        write_annex(doc, parts, section, annexes[section.id])


def write_report_docx(parts: ExportParts, out: str | IO[bytes]) -> None:
    """The consolidated (or one unit's) report as .docx, to a path or a binary file."""
    doc = new_document(parts.created)
    annexes = {s.id: ROMAN[i] if i < len(ROMAN) else str(i + 1)
               for i, s in enumerate(parts.template.sections_of("table"))}
    write_header(doc, parts)
    write_title(doc, parts)
    write_body(doc, parts, annexes)
    write_signature(doc, parts)
    write_annexes(doc, parts, annexes)
    buffer = io.BytesIO()
    doc.save(buffer)
    data = _fixed_zip_times(buffer.getvalue())
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as handle:
            handle.write(data)
    else:
        out.write(data)


def _fixed_zip_times(data: bytes) -> bytes:
    """python-docx stamps each zip entry with the current time; a fixed stamp makes equal
    inputs give byte-identical files (design §8)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return result.getvalue()

