"""A report's PDF: its Word file (docx_report) converted by LibreOffice headless, as a job.

LibreOffice runs in a subprocess of the worker with its own profile per job (two
conversions never share a lock), under the job's time and memory limits, exporting PDF/A-2b
(fonts embedded: Liberation Serif carries Times New Roman's metrics). The title and the
issuing unit go into the Word file's properties first, so LibreOffice writes them into both
the PDF's Info and its XMP. Then pyHanko appends, as an incremental update that keeps
PDF/A, an empty signature field over the signer's block — found by the signer's name (or
title) in ``pdftotext -bbox``'s word positions — so signing tools offer it.
"""
from __future__ import annotations

import html
import io
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from xml.etree import ElementTree

from docx import Document

from ..extensions import db
from ..services.export_model import ExportParts
from ..services.hanko import IncrementalPdfFileWriter, PdfFileReader, SigFieldSpec, append_signature_field
from ..services.jobs import JobFailed, Limits, ProgramTimedOut, handler, run_limited
from ..services.report_pdf import NOT_INSTALLED, PDF_JOB, pdf_title, ref_of, report_parts, soffice_path, store_pdf
from .docx_report import write_report_docx

SIGNATURE_FIELD = "ChuKyNguoiKy"  # chữ ký người ký
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
MIN_FIELD_WIDTH = 170.0  # points: room for a signing tool's stamp (name, time, issuer)


@dataclass(frozen=True)
class Box:
    page: int  # 0-based
    x0: float
    y0: float  # PDF user space: origin at the bottom left
    x1: float
    y1: float

    def contains(self, other: Box) -> bool:
        return (self.page == other.page and self.x0 <= other.x0 and self.x1 >= other.x1
                and self.y0 <= other.y0 and self.y1 >= other.y1)


@dataclass(frozen=True)
class Line:
    page: int
    height: float  # the page's height, to turn top-down positions into PDF ones
    width: float
    text: str  # the words run together without spaces, NFC, casefolded
    x0: float
    top: float
    x1: float
    bottom: float

    def box(self) -> Box:
        return Box(self.page, self.x0, self.height - self.bottom, self.x1, self.height - self.top)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text)).casefold()


def text_lines(bbox_xhtml: str) -> list[Line]:
    """Words of ``pdftotext -bbox`` grouped into lines (same page, same top). LibreOffice
    splits a word where a glyph comes from a fallback font, so words are joined unspaced."""
    root = ElementTree.fromstring(bbox_xhtml)
    found: list[Line] = []
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page")):
        height, width = float(page.get("height")), float(page.get("width"))
        rows: dict[float, list] = {}
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            top = round(float(word.get("yMin")), 1)
            rows.setdefault(top, []).append(word)
        for top, words in rows.items():
            words.sort(key=lambda w: float(w.get("xMin")))
            found.append(Line(number, height, width, squeeze("".join(html.unescape(w.text or "") for w in words)),
                              min(float(w.get("xMin")) for w in words), top,
                              max(float(w.get("xMax")) for w in words), max(float(w.get("yMax")) for w in words)))
    return found


def last_line(lines: list[Line], text: str) -> Line | None:
    wanted = squeeze(text)
    if not wanted:
        return None
    matches = [line for line in lines if line.text == wanted]
    return matches[-1] if matches else None


def signer_box(lines: list[Line], signer_name: str, signer_title: str) -> Box | None:
    """The signature field's rectangle: from under the signer's title down to the signer's
    name, over the blank lines left for the signature and seal, at least MIN_FIELD_WIDTH wide."""
    name = last_line(lines, signer_name)
    title = last_line(lines, signer_title)
    if name is None and title is None:
        return None
    if name is not None and title is not None and title.page == name.page and title.bottom < name.top:
        top, bottom, anchor = title.bottom + 2, name.bottom + 2, name
    elif name is not None:
        top, bottom, anchor = name.top - 70, name.bottom + 2, name
    else:
        top, bottom, anchor = title.bottom + 2, title.bottom + 72, title
    centre = (anchor.x0 + anchor.x1) / 2
    half = max(MIN_FIELD_WIDTH, anchor.x1 - anchor.x0 + 20) / 2
    x0, x1 = max(0.0, centre - half), min(anchor.width, centre + half)
    return Box(anchor.page, x0, anchor.height - bottom, x1, anchor.height - top)


def add_signature_field(pdf: bytes, box: Box | None) -> bytes:
    """Append an empty signature field (incremental update, so the PDF/A base stays as written)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    spec = SigFieldSpec(sig_field_name=SIGNATURE_FIELD, on_page=box.page if box else 0,
                        box=(round(box.x0), round(box.y0), round(box.x1), round(box.y1)) if box else None)
    append_signature_field(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def set_properties(docx_path: str, parts: ExportParts) -> None:
    """Title, issuing unit and number into the Word file's properties (→ PDF Info and XMP)."""
    doc = Document(docx_path)
    props = doc.core_properties
    props.title = pdf_title(parts)
    props.author = parts.issuing_body or parts.reporting_unit
    props.subject = f"Báo cáo {parts.period_label}"
    props.keywords = f"Số: {parts.signature.number or '…'}/{parts.signature.symbol}; {parts.reporting_unit}"
    props.language = "vi-VN"
    if parts.created is not None:
        props.created = parts.created
    doc.save(docx_path)


def convert(docx_path: str, workdir: str, soffice: str, limits: Limits) -> bytes:
    profile = tempfile.mkdtemp(prefix="lo-profile-", dir=workdir)
    env = {**os.environ, "HOME": workdir}
    command = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
               "--convert-to", PDFA_FILTER, "--outdir", workdir, docx_path]
    try:
        done = run_limited(command, limits, cwd=workdir, env=env)
    except ProgramTimedOut as timeout:
        raise JobFailed(f"Chuyển sang PDF quá lâu ({timeout}); hãy thử lại sau.") from None
    pdf_path = os.path.splitext(docx_path)[0] + ".pdf"
    if done.returncode != 0 or not os.path.exists(pdf_path):
        raise JobFailed("LibreOffice không chuyển được tệp Word sang PDF; hãy thử lại hoặc báo quản trị.")
    with open(pdf_path, "rb") as f:
        return f.read()


def bbox_lines(pdf_path: str, limits: Limits) -> list[Line]:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return []
    done = run_limited([pdftotext, "-bbox", pdf_path, "-"], limits)
    return text_lines(done.stdout.decode("utf-8")) if done.returncode == 0 else []


def page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def is_pdfa(pdf: bytes) -> bool:
    return b"pdfaid:part>2<" in pdf or b'pdfaid:part="2"' in pdf


@handler(PDF_JOB)
def produce_report_pdf(job, params: dict, progress, limits: Limits) -> str:
    soffice = soffice_path(params.get("soffice"))
    if soffice is None:
        raise JobFailed(NOT_INSTALLED)
    ref = ref_of(int(params["unit_id"]), int(params["round_id"]), bool(params.get("provisional")))
    progress(10, "Đang lấy số liệu và tạo tệp Word")
    parts = report_parts(ref)
    with tempfile.TemporaryDirectory(prefix=f"tonghop-pdf-{job.id}-") as workdir:
        docx_path = os.path.join(workdir, "bao-cao.docx")
        write_report_docx(parts, docx_path)
        set_properties(docx_path, parts)
        progress(30, "Đang chuyển sang PDF (LibreOffice)")
        pdf = convert(docx_path, workdir, soffice, limits)
        progress(80, "Đang thêm ô chữ ký số")
        box = signer_box(bbox_lines(os.path.join(workdir, "bao-cao.pdf"), limits),
                         parts.signature.signer_name, parts.signature.signer_title)
    signed_ready = add_signature_field(pdf, box)
    row = store_pdf(ref, parts, signed_ready, pages=page_count(signed_ready), pdfa=is_pdfa(pdf), job_id=job.id,
                    user_id=params.get("user_id"))
    db.session.commit()
    return f"Đã tạo PDF ({row.pages} trang)."
