"""A report's ExportParts made of plain data (seed 003), for PDF tests that need no database."""
from __future__ import annotations

from datetime import datetime

from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.templates import DEFAULT_FIELDS, bind_rows, shipped_templates
from app.services.export_model import ExportParts, Signature
from tests.fixtures.seeds import SEED003_DOCUMENTS, seed003_values


def plain_parts(signer_name: str) -> ExportParts:
    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    units = [UnitInput(1, "Xã Hoàng Kim", seed003_values(), SEED003_DOCUMENTS), UnitInput(2, "Xã Hoằng Trung", {})]
    return ExportParts(
        template=template, result=consolidate(template, units), period_label="Quý II năm 2024",
        period_window="(Từ ngày 15/03/2024 đến ngày 14/06/2024)", reporting_unit="UBND huyện Hoằng Hóa",
        receiving_unit="UBND tỉnh Thanh Hóa", issuing_body="UBND huyện Hoằng Hóa", parent_body="UBND tỉnh Thanh Hóa",
        place_name="Hoằng Hóa", year=2024, created=datetime(2024, 6, 20),
        signature=Signature(recipient="UBND tỉnh Thanh Hóa", signer_name=signer_name),
    )
