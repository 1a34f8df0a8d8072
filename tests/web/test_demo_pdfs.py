"""The PDF of each demo level (issue 25's acceptance): a commune's report and a district's
consolidation in Bình Sơn, the consolidation Bình Sơn sends up to Quảng Ngãi, Quảng Ngãi's
own consolidation, and in Hưng Yên (two levels since July 2025) a commune's report and the
province's consolidation of 110 units. Each, made by the worker: every font embedded, PDF/A-2b
identification, title set, the empty signature field over the signer's name."""
from __future__ import annotations

from sqlalchemy import select

from app.demo import seed_demo
from app.extensions import db
from app.models import ReportingRound, ReportPdf, Submission
from app.services.document_settings import save_settings
from app.services.jobs import Limits, enqueue, run_once
from app.services.report_pdf import PDF_JOB
from tests.web.test_report_pdf import check_pdf, settings


def demo_round(unit_code: str, status: str = "open") -> ReportingRound:
    from app.models import OrgUnit

    return db.session.scalar(select(ReportingRound).join(OrgUnit, ReportingRound.unit_id == OrgUnit.id)
                             .where(OrgUnit.code == unit_code, ReportingRound.status == status)
                             .order_by(ReportingRound.id.desc()).limit(1))


def approved_in(round_: ReportingRound) -> Submission:
    return next(s for s in round_.submissions if s.status == "approved")


def produce(unit, round_, signer: str) -> bytes:
    save_settings(unit, round_.id, settings(signer, "CHỦ TỊCH"))
    job = enqueue(PDF_JOB, {"unit_id": unit.id, "round_id": round_.id, "provisional": False})
    db.session.commit()
    done = run_once(Limits(time_limit=300))
    assert done.id == job.id and done.state == "done", done.message
    return db.session.scalar(select(ReportPdf).where(ReportPdf.job_id == job.id)).data


def test_every_demo_level_s_pdf(tmp_path):
    seed_demo()
    db.session.commit()
    binh_son = demo_round("QNG.BS")
    quang_ngai = demo_round("QNG")
    hung_yen = demo_round("HYN")
    commune = approved_in(binh_son)
    upward = next(s for s in quang_ngai.submissions if s.unit_id == binh_son.unit_id)
    reports = [
        (commune.unit, binh_son, "Phạm Văn Xã"),
        (binh_son.unit, binh_son, "Lê Như Đông"),
        (upward.unit, quang_ngai, "Lê Như Đông"),
        (quang_ngai.unit, quang_ngai, "Đặng Văn Tỉnh"),
        (approved_in(hung_yen).unit, hung_yen, "Nguyễn Thị Phường"),
        (hung_yen.unit, hung_yen, "Trần Quốc Hưng"),
    ]
    for unit, round_, signer in reports:
        check_pdf(produce(unit, round_, signer), tmp_path, signer)
