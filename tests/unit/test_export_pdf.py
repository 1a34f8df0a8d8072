"""Both exports open in a real office suite: LibreOffice converts them to PDF without error.

Needs Debian's LibreOffice (no GUI):
    apt-get install -y --no-install-recommends libreoffice-calc-nogui libreoffice-writer-nogui
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

from app.exports.docx_report import write_report_docx
from app.exports.xlsx import write_round_workbook
from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.templates import DEFAULT_FIELDS, bind_rows, shipped_templates
from app.services.export_model import ExportParts, Signature
from tests.fixtures.seeds import SEED003_DOCUMENTS, seed003_values

INSTALL = "apt-get install -y --no-install-recommends libreoffice-calc-nogui libreoffice-writer-nogui"


def test_libreoffice_converts_the_workbook_and_the_word_report_to_pdf(tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, f"LibreOffice is needed for this test; install it with: {INSTALL}"
    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    units = [UnitInput(1, "Xã Hoàng Kim", seed003_values(), SEED003_DOCUMENTS), UnitInput(2, "Xã Hoằng Trung", {})]
    parts = ExportParts(
        template=template, result=consolidate(template, units), period_label="Quý II năm 2024",
        period_window="(Từ ngày 15/03/2024 đến ngày 14/06/2024)", reporting_unit="UBND huyện Hoằng Hóa",
        receiving_unit="UBND tỉnh Thanh Hóa", issuing_body="UBND huyện Hoằng Hóa", parent_body="UBND tỉnh Thanh Hóa",
        place_name="Hoằng Hóa", year=2024, created=datetime(2024, 6, 20),
        signature=Signature(recipient="UBND tỉnh Thanh Hóa", signer_name="Lê Như Đông"),
    )
    write_round_workbook(parts, tmp_path / "tong-hop.xlsx")
    write_report_docx(parts, tmp_path / "bao-cao.docx")
    profile = (tmp_path / "profile").as_uri()  # a private profile: parallel runs do not share a lock
    completed = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(tmp_path / "tong-hop.xlsx"), str(tmp_path / "bao-cao.docx")],
        capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    for name in ("tong-hop.pdf", "bao-cao.pdf"):
        pdf = tmp_path / name
        assert pdf.exists(), f"{name} missing: {completed.stdout} {completed.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
    # Decree 30 as rendered: no number on the first page, "2" at the top of the second.
    first, second = (page_lines(tmp_path / "bao-cao.pdf", n) for n in (1, 2))
    # The issuing People's Committee in full, nothing above it (design §9).
    assert first[0].startswith("ỦY BAN NHÂN DÂN") and first[1].startswith("HUYỆN HOẰNG HÓA") and second[0] == "2"


def page_lines(pdf, page: int) -> list[str]:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is needed for this test; install it with: apt-get install -y poppler-utils"
    text = subprocess.run([pdftotext, "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]
