"""WordprocessingML built as plain lxml elements, for a body written in linear time.

python-docx's ``add_paragraph`` looks for the body's ``w:sectPr`` on every call, so a report
of n paragraphs costs n²; building elements here and attaching them in one pass costs n.
Formatting lives in paragraph styles (``add_paragraph_style``): a table cell is then a
``w:tc/w:p/w:pPr/w:pStyle`` and its run, which keeps a 1,000-unit annex small and fast.

Child elements are emitted in the order the schema requires (Word refuses a file whose
``w:pPr`` or ``w:rPr`` children are out of order; LibreOffice is more forgiving).
Every text passes through ``xml_safe``: a control character stored years ago must never
make an export fail.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from lxml import etree

from ..reporting.text import xml_safe

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


VAL = w("val")
P, PPR, PSTYLE, R, RPR, T = w("p"), w("pPr"), w("pStyle"), w("r"), w("rPr"), w("t")
KEEP_NEXT, KEEP_LINES, JC, SPACING, IND = w("keepNext"), w("keepLines"), w("jc"), w("spacing"), w("ind")
B, I, SZ, SZ_CS = w("b"), w("i"), w("sz"), w("szCs")
TBL, TR, TC, TC_PR, TR_PR = w("tbl"), w("tr"), w("tc"), w("tcPr"), w("trPr")
GRID_SPAN, V_MERGE, V_ALIGN = w("gridSpan"), w("vMerge"), w("vAlign")

TWIPS_PER_MM = 1440 / 25.4


def twips(mm: float) -> str:
    return str(round(mm * TWIPS_PER_MM))


def half_points(pt: float) -> str:
    return str(round(pt * 2))


# --- runs and paragraphs ----------------------------------------------------------------

def run(parent, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None):
    """A run of text; direct formatting only where a style cannot say it."""
    r = etree.SubElement(parent, R)
    if bold or italic or size:
        rpr = etree.SubElement(r, RPR)
        if bold:
            etree.SubElement(rpr, B)
        if italic:
            etree.SubElement(rpr, I)
        if size:
            etree.SubElement(rpr, SZ, {VAL: half_points(size)})
            etree.SubElement(rpr, SZ_CS, {VAL: half_points(size)})
    t = etree.SubElement(r, T)
    text = xml_safe(text)
    t.text = text
    if text[:1].isspace() or text[-1:].isspace():
        t.set(XML_SPACE, "preserve")
    return r


def paragraph(text: str = "", style: str | None = None, *, bold: bool = False, italic: bool = False,
              size: float | None = None, keep_next: bool = False, align: str | None = None, parent=None):
    """``<w:p>`` with a style, optional keep-with-next and alignment, and one run."""
    p = etree.Element(P) if parent is None else etree.SubElement(parent, P)
    if style or keep_next or align:
        ppr = etree.SubElement(p, PPR)
        if style:
            etree.SubElement(ppr, PSTYLE, {VAL: style})
        if keep_next:
            etree.SubElement(ppr, KEEP_NEXT)
        if align:
            etree.SubElement(ppr, JC, {VAL: align})
    if text:
        run(p, text, bold=bold, italic=italic, size=size)
    return p


def rule_paragraph(width_mm: float, box_mm: float, parent=None):
    """The short solid line Decree 30 puts under the issuing body, the motto and the title:
    a paragraph border, indented so the line is ``width_mm`` long and centred in the box."""
    p = etree.Element(P) if parent is None else etree.SubElement(parent, P)
    ppr = etree.SubElement(p, PPR)
    etree.SubElement(ppr, PSTYLE, {VAL: "VnRule"})
    borders = etree.SubElement(ppr, w("pBdr"))
    etree.SubElement(borders, w("top"), {VAL: "single", w("sz"): "6", w("space"): "1", w("color"): "000000"})
    side = twips(max((box_mm - width_mm) / 2, 0))
    etree.SubElement(ppr, IND, {w("left"): side, w("right"): side})
    return p


def field_run(parent, instruction: str, shown: str, size: float | None = None) -> None:
    """A field (PAGE, NUMPAGES…) as begin / instruction / separate / result / end runs."""
    def char(kind: str) -> None:
        r = etree.SubElement(parent, R)
        if size:
            rpr = etree.SubElement(r, RPR)
            etree.SubElement(rpr, SZ, {VAL: half_points(size)})
        etree.SubElement(r, w("fldChar"), {w("fldCharType"): kind})

    char("begin")
    r = etree.SubElement(parent, R)
    instr = etree.SubElement(r, w("instrText"), {XML_SPACE: "preserve"})
    instr.text = f" {instruction} "
    char("separate")
    run(parent, shown, size=size)
    char("end")


# --- tables ----------------------------------------------------------------------------

def table(widths_mm: Sequence[float], *, borders: bool = True, center: bool = False):
    """A fixed-layout table with its grid; rows are added with ``row``."""
    tbl = etree.Element(TBL)
    pr = etree.SubElement(tbl, w("tblPr"))
    if borders:
        etree.SubElement(pr, w("tblStyle"), {VAL: "TableGrid"})
    etree.SubElement(pr, w("tblW"), {w("w"): twips(sum(widths_mm)), w("type"): "dxa"})
    if center:
        etree.SubElement(pr, JC, {VAL: "center"})
    if not borders:
        edges = etree.SubElement(pr, w("tblBorders"))
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            etree.SubElement(edges, w(edge), {VAL: "nil"})
    etree.SubElement(pr, w("tblLayout"), {w("type"): "fixed"})
    etree.SubElement(pr, w("tblLook"), {VAL: "04A0", w("firstRow"): "1", w("lastRow"): "0", w("firstColumn"): "1",
                                         w("lastColumn"): "0", w("noHBand"): "0", w("noVBand"): "1"})
    grid = etree.SubElement(tbl, w("tblGrid"))
    for width in widths_mm:
        etree.SubElement(grid, w("gridCol"), {w("w"): twips(width)})
    return tbl


def row(tbl, *, header: bool = False, cant_split: bool = False):
    """A row; a header row repeats at the top of every page the table runs onto."""
    tr = etree.SubElement(tbl, TR)
    if header or cant_split:
        pr = etree.SubElement(tr, TR_PR)
        etree.SubElement(pr, w("cantSplit"))
        if header:
            etree.SubElement(pr, w("tblHeader"))
    return tr


def cell(tr, *, span: int = 1, merge: str | None = None, width_mm: float | None = None, center: bool = False):
    """A cell spanning ``span`` grid columns; ``merge`` is "restart" or "continue" for a
    vertical merge. The caller adds at least one paragraph (the schema requires it)."""
    tc = etree.SubElement(tr, TC)
    if span > 1 or merge or width_mm or center:
        pr = etree.SubElement(tc, TC_PR)
        if width_mm:
            etree.SubElement(pr, w("tcW"), {w("w"): twips(width_mm), w("type"): "dxa"})
        if span > 1:
            etree.SubElement(pr, GRID_SPAN, {VAL: str(span)})
        if merge == "restart":
            etree.SubElement(pr, V_MERGE, {VAL: "restart"})
        elif merge == "continue":
            etree.SubElement(pr, V_MERGE)
        if center:
            etree.SubElement(pr, V_ALIGN, {VAL: "center"})
    return tc


@lru_cache(maxsize=64)
def _cell_prototype(style: str, bold: bool, italic: bool):
    tc = etree.Element(TC)
    p = etree.SubElement(tc, P)
    ppr = etree.SubElement(p, PPR)
    etree.SubElement(ppr, PSTYLE, {VAL: style})
    run(p, "", bold=bold, italic=italic)
    return tc


@lru_cache(maxsize=4)
def _row_prototype(cant_split: bool):
    tr = etree.Element(TR)
    if cant_split:
        etree.SubElement(etree.SubElement(tr, TR_PR), w("cantSplit"))
    return tr


def data_row(tbl):
    """A row that is not split across pages (copied from a prototype: the annex has thousands)."""
    tr = _row_prototype(True).__copy__()
    tbl.append(tr)
    return tr


def text_cell(tr, text: str, style: str, *, bold: bool = False, italic: bool = False) -> None:
    """The common case, copied from a prototype (a C-level copy beats building five
    elements in Python): one cell, one styled paragraph, one run."""
    tc = _cell_prototype(style, bold, italic).__copy__()  # lxml copies the whole subtree
    t = tc[0][-1][-1]  # tc / p / r / t
    text = xml_safe(text)
    t.text = text
    if text[:1].isspace() or text[-1:].isspace():
        t.set(XML_SPACE, "preserve")
    tr.append(tc)


def keep_all_with_next(elements: Iterable) -> None:
    """Keep-with-next on every paragraph inside (a block that must not split across pages)."""
    for element in elements:
        paragraphs = [element] if element.tag == P else element.iter(P)
        for p in paragraphs:
            ppr = p.find(PPR)
            if ppr is None:
                ppr = etree.Element(PPR)
                p.insert(0, ppr)
            if ppr.find(KEEP_NEXT) is None:
                style = ppr.find(PSTYLE)
                ppr.insert(0 if style is None else 1, etree.Element(KEEP_NEXT))


# --- styles ----------------------------------------------------------------------------

def add_paragraph_style(styles_element, style_id: str, name: str, *, size: float | None = None,
                        bold: bool = False, italic: bool = False, align: str | None = None,
                        first_line_mm: float = 0, before_pt: float = 0, after_pt: float = 0,
                        line: int | None = None, keep_next: bool = False) -> None:
    """A custom paragraph style based on Normal (which carries the font and vi-VN)."""
    style = etree.SubElement(styles_element, w("style"),
                             {w("type"): "paragraph", w("customStyle"): "1", w("styleId"): style_id})
    etree.SubElement(style, w("name"), {VAL: name})
    etree.SubElement(style, w("basedOn"), {VAL: "Normal"})
    etree.SubElement(style, w("qFormat"))
    ppr = etree.SubElement(style, PPR)
    if keep_next:
        etree.SubElement(ppr, KEEP_NEXT)
    spacing = {w("before"): str(round(before_pt * 20)), w("after"): str(round(after_pt * 20))}
    if line is not None:
        spacing |= {w("line"): str(line), w("lineRule"): "auto"}
    etree.SubElement(ppr, SPACING, spacing)
    etree.SubElement(ppr, IND, {w("firstLine"): twips(first_line_mm)})
    if align:
        etree.SubElement(ppr, JC, {VAL: align})
    if bold or italic or size:
        rpr = etree.SubElement(style, RPR)
        if bold:
            etree.SubElement(rpr, B)
            etree.SubElement(rpr, w("bCs"))
        if italic:
            etree.SubElement(rpr, I)
            etree.SubElement(rpr, w("iCs"))
        if size:
            etree.SubElement(rpr, SZ, {VAL: half_points(size)})
            etree.SubElement(rpr, SZ_CS, {VAL: half_points(size)})
