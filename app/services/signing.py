"""A signed report uploaded back: checked with pyHanko, recorded, kept (issue 25).

The leader signs the PDF the portal produced in his own tool (USB token, remote signing);
the officer uploads the result. Accepted only when
- every signature is intact (the bytes it covers hash to what was signed);
- the bytes before the first signature are, exactly, a PDF the portal produced for this
  report (its SHA-256 and length were recorded), and that signature signs the very next
  revision: nothing changed between the portal's file and the signature;
- revisions after a signature only add signatures or fill fields (pyHanko's difference
  analysis), never change content;
- each signer's certificate was valid at the signing time (the RFC 3161 timestamp's time
  when the signature carries a valid one, else the time the signer's tool claims) and
  chains to a trust anchor the administrator uploaded, not revoked by an uploaded CRL.
A warning, not a refusal: the certificate's name differs from the signer printed in the
signature block; the report's figures changed after that PDF was produced.
"""
from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from cryptography import x509 as cx509
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import ReportingRound, ReportPdf, RevocationList, SignedReport, Submission, TrustAnchor
from ..reporting.clock import format_moment, utcnow
from .hanko import (
    ModificationLevel,
    PdfFileReader,
    PdfReadError,
    SignatureValidationError,
    ValidationContext,
    asn1_crl,
    pem,
    validate_pdf_signature,
    x509,
)

MAX_SIGNED_SIZE = 8 * 1024 * 1024  # the portal's request limit (MAX_CONTENT_LENGTH)

TAMPERED = "Tệp đã bị sửa sau khi ký"
NOT_OURS = "Văn bản không phải bản do hệ thống tạo cho báo cáo này"
EXPIRED = "Chứng thư số đã hết hạn tại thời điểm ký"
UNTRUSTED = "Chứng thư số không do tổ chức được tin cậy cấp"
UNSIGNED = "Tệp không có chữ ký số"
REVOKED = "Chứng thư số đã bị thu hồi"
NOT_PDF = "Tệp không phải PDF đọc được"
BAD_TIMESTAMP = "Dấu thời gian (RFC 3161) trên chữ ký không hợp lệ"
UNREADABLE = "Không đọc được chữ ký số trong tệp"
NO_ANCHORS = "Quản trị hệ thống chưa khai báo tổ chức cung cấp dịch vụ chứng thực được tin cậy"


@dataclass
class SignatureFacts:
    field: str
    signer_name: str
    signer_org: str
    serial: str
    issuer: str
    signed_at: str  # ISO, UTC
    timestamped: bool
    revocation: str
    modification: str


@dataclass
class Verdict:
    refusal: str = ""  # empty: accepted
    detail: str = ""  # the refusal's particulars (which certificate, which revision)
    warnings: list[str] = field(default_factory=list)
    report_pdf: ReportPdf | None = None
    signatures: list[SignatureFacts] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.refusal


def _name_part(name: x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def cert_name(cert: x509.Certificate) -> str:
    return _name_part(cert.subject, "common_name")


def issuer_label(cert: x509.Certificate) -> str:
    """"Test Root CA Chính phủ (Ban Cơ yếu Chính phủ)": the issuer's name and organisation."""
    common, org = _name_part(cert.issuer, "common_name"), _name_part(cert.issuer, "organization_name")
    if not common:
        return cert.issuer.human_friendly
    return f"{common} ({org})" if org and org != common else common


def cert_org(cert: x509.Certificate) -> str:
    parts = [_name_part(cert.subject, "organizational_unit_name"), _name_part(cert.subject, "organization_name")]
    return ", ".join(p for p in parts if p)


def same_person(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return norm(a) == norm(b)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _produced_prefix(data: bytes, candidates: list[ReportPdf]) -> ReportPdf | None:
    for row in candidates:
        if len(data) > row.size and hashlib.sha256(data[:row.size]).hexdigest() == row.sha256:
            return row
    return None


def _crl_check(cert: x509.Certificate, issuers: list[x509.Certificate], crls: list[bytes],
               signed_at: datetime) -> tuple[bool, str]:
    """(revoked, what was checked) against the uploaded CRLs of the certificate's issuer whose
    signature verifies with that issuer's key; pyHanko's own check only looks at CRLs when
    the certificate names a distribution point."""
    issuer_certs = [cx509.load_der_x509_certificate(c.dump()) for c in issuers if c.subject == cert.issuer]
    checked = []
    for der in crls:
        crl = cx509.load_der_x509_crl(der)
        if crl.issuer.public_bytes() != cert.issuer.dump():
            continue
        if not any(crl.is_signature_valid(c.public_key()) for c in issuer_certs):
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None and _aware(entry.revocation_date_utc) <= signed_at:
            return True, f"Bị thu hồi từ {format_moment(entry.revocation_date_utc)} theo CRL cập nhật {format_moment(crl.last_update_utc)}"
        checked.append(crl.last_update_utc)
    if checked:
        return False, (f"Đối chiếu danh sách thu hồi (CRL) của {cert.issuer.human_friendly} cập nhật "
                       f"{format_moment(max(checked))}: chưa bị thu hồi")
    return False, "Không có danh sách thu hồi (CRL) của nơi cấp trong hệ thống; chưa kiểm tra thu hồi"


def check_signed_pdf(data: bytes, candidates: list[ReportPdf], anchors: list[bytes], revocation_ders: list[bytes],
                     now: datetime | None = None, online: bool = False) -> Verdict:
    """Check an uploaded file against the PDFs produced for its report (newest first).
    ``online``: also ask the OCSP responders and CRL addresses the certificates name (when
    the server can reach them; an unreachable one does not refuse the signature).
    Whatever the file holds, the answer is a verdict: an uploaded file is untrusted input."""
    try:
        return _check(data, candidates, anchors, revocation_ders, _aware(now or datetime.now(UTC)), online)
    except Exception as error:  # pyHanko on a crafted file may raise anything: refuse, never fail
        return Verdict(UNREADABLE, f"{type(error).__name__}")


def _check(data: bytes, candidates: list[ReportPdf], anchors: list[bytes], revocation_ders: list[bytes],
           now: datetime, online: bool) -> Verdict:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:
        # A signed PDF that no longer reads was damaged after signing.
        return Verdict(TAMPERED if data.startswith(b"%PDF") and b"/ByteRange" in data else NOT_PDF)
    if not data.startswith(b"%PDF"):
        return Verdict(NOT_PDF)
    if not embedded:
        return Verdict(UNSIGNED)
    embedded.sort(key=lambda s: s.signed_revision)
    # Bytes after the last revision's end are not part of any revision: nothing checks them.
    if data[data.rfind(b"%%EOF") + len(b"%%EOF"):].strip():
        return Verdict(TAMPERED, "Có dữ liệu thêm vào cuối tệp sau khi ký.")
    # 1. Intact and no content changed after any signature.
    for sig in embedded:
        try:
            sig.compute_integrity_info()
        except (SignatureValidationError, PdfReadError, ValueError) as error:
            return Verdict(TAMPERED, str(error)[:200])
    crls = list(revocation_ders)
    roots = [x509.Certificate.load(der) for der in anchors]
    verdict = Verdict()
    # 2. The first signature signs a PDF the portal produced for this report, and nothing else.
    produced = _produced_prefix(data, candidates)
    first = embedded[0]
    if produced is None:
        # Tampering shows first as a broken hash: report that before "not ours".
        if not _all_intact(embedded):
            return Verdict(TAMPERED)
        return Verdict(NOT_OURS)
    base_revisions = PdfFileReader(io.BytesIO(data[:produced.size]), strict=False).total_revisions
    if first.signed_revision != base_revisions:
        return Verdict(TAMPERED, "Có thay đổi giữa bản do hệ thống tạo và chữ ký đầu tiên.")
    verdict.report_pdf = produced
    if not anchors:
        return Verdict(UNTRUSTED, NO_ANCHORS)
    for sig in embedded:
        facts, refusal, detail = _check_signature(sig, roots, crls, now, online)
        if refusal:
            return Verdict(refusal, detail)
        verdict.signatures.append(facts)
    if produced.signer_name and not same_person(verdict.signatures[0].signer_name, produced.signer_name):
        verdict.warnings.append(f"Tên trên chứng thư số ({verdict.signatures[0].signer_name}) khác tên người ký "
                                f"ghi trên văn bản ({produced.signer_name}).")
    for facts in verdict.signatures:
        if not facts.timestamped:
            verdict.warnings.append(f"Chữ ký của {facts.signer_name} không có dấu thời gian: thời điểm ký "
                                    f"{format_moment(datetime.fromisoformat(facts.signed_at))} là do phần mềm ký tự ghi.")
    return verdict


def _all_intact(embedded) -> bool:
    try:
        return all(_intact(sig) for sig in embedded)
    except (SignatureValidationError, ValueError):
        return False


def _intact(sig) -> bool:
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[]), skip_diff=True)
    return status.intact and status.valid


def _check_signature(sig, anchors: list[x509.Certificate], crls, now: datetime,
                     online: bool = False) -> tuple[SignatureFacts | None, str, str]:
    cert = sig.signer_cert
    name = cert_name(cert)
    # The time to judge the certificate at: a timestamp's, else the signer's claim, else now.
    claimed = sig.self_reported_timestamp
    probe = validate_pdf_signature(sig, ValidationContext(trust_roots=anchors, allow_fetching=False), skip_diff=True)
    if not (probe.intact and probe.valid):
        return None, TAMPERED, f"Chữ ký của {name}"
    tst = probe.timestamp_validity
    if tst is not None and not (tst.intact and tst.valid):
        return None, BAD_TIMESTAMP, f"Chữ ký của {name}"
    timestamped = tst is not None and tst.trusted
    signed_at = _aware(tst.timestamp if timestamped else (probe.signer_reported_dt or claimed or now))
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if signed_at > not_after:
        return None, EXPIRED, f"{name}: hết hạn {format_moment(not_after)}, ký lúc {format_moment(signed_at)}"
    if signed_at < not_before:
        return None, EXPIRED, f"{name}: chỉ có hiệu lực từ {format_moment(not_before)}"
    revoked, revocation = _crl_check(cert, anchors + list(sig.other_embedded_certs), crls, signed_at)
    if revoked:
        return None, REVOKED, f"{name}, số hiệu {cert.serial_number:X}: {revocation}"
    context = ValidationContext(trust_roots=anchors, crls=[asn1_crl.CertificateList.load(d) for d in crls],
                                moment=signed_at, allow_fetching=online, revocation_mode="soft-fail",
                                retroactive_revinfo=True)
    status = validate_pdf_signature(sig, context)
    if status.revoked:
        return None, REVOKED, f"{name}, số hiệu {cert.serial_number:X}"
    if online:
        revocation += "; tra cứu trực tuyến (OCSP/CRL) theo địa chỉ ghi trên chứng thư, nếu có và truy cập được"
    if not status.trusted:
        return None, UNTRUSTED, f"{name}, cấp bởi {cert.issuer.human_friendly}"
    level = status.modification_level
    if level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False:
        return None, TAMPERED, "Có thay đổi nội dung sau chữ ký của " + name
    facts = SignatureFacts(
        field=str(sig.field_name or ""), signer_name=name, signer_org=cert_org(cert),
        serial=f"{cert.serial_number:X}", issuer=issuer_label(cert),
        signed_at=signed_at.astimezone(UTC).isoformat(), timestamped=timestamped,
        revocation=revocation, modification=level.name,
    )
    return facts, "", ""


# --- records -----------------------------------------------------------------------------

def record_signed(unit_id: int, round_id: int, data: bytes, filename: str, verdict: Verdict, user) -> SignedReport:
    """A new version of the report's signed file; the caller commits. Nothing is replaced."""
    version = (db.session.scalar(select(func.max(SignedReport.version)).where(
        SignedReport.unit_id == unit_id, SignedReport.round_id == round_id)) or 0) + 1
    first = verdict.signatures[0]
    row = SignedReport(
        unit_id=unit_id, round_id=round_id, report_pdf_id=verdict.report_pdf.id, version=version,
        filename=(filename or "bao-cao-da-ky.pdf")[:200], sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        data=data, signer_name=first.signer_name[:200], signer_org=first.signer_org[:300],
        signed_at=datetime.fromisoformat(first.signed_at).astimezone(UTC).replace(tzinfo=None),
        timestamped=first.timestamped, cert_serial=first.serial[:100], cert_issuer=first.issuer[:500],
        revocation=first.revocation[:300], signatures=len(verdict.signatures),
        details_json=json.dumps([asdict(s) for s in verdict.signatures], ensure_ascii=False),
        warnings="\n".join(verdict.warnings), uploaded_by_id=getattr(user, "id", None), uploaded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def signature_details(row: SignedReport) -> list[SignatureFacts]:
    return [SignatureFacts(**item) for item in json.loads(row.details_json or "[]")]


def latest_signed_by_unit(round_id: int) -> dict[int, SignedReport]:
    """Each unit's latest signed file in a round, in one query (the board)."""
    newest = (select(SignedReport.unit_id, func.max(SignedReport.version).label("v"))
              .where(SignedReport.round_id == round_id).group_by(SignedReport.unit_id).subquery())
    rows = db.session.scalars(select(SignedReport).join(
        newest, (SignedReport.unit_id == newest.c.unit_id) & (SignedReport.version == newest.c.v))
        .where(SignedReport.round_id == round_id))
    return {row.unit_id: row for row in rows}


# --- trust anchors and CRLs (the administrator's) -------------------------------------------

def _ders(blob: bytes, kind: str) -> list[bytes]:
    if pem.detect(blob):
        return [der for label, _, der in pem.unarmor(blob, multiple=True) if kind in label]
    return [blob]


def trust_anchor_ders() -> list[bytes]:
    return list(db.session.scalars(select(TrustAnchor.der).where(TrustAnchor.active.is_(True))))


def crl_ders() -> list[bytes]:
    return list(db.session.scalars(select(RevocationList.der)))


def add_trust_anchors(blob: bytes, user) -> tuple[list[TrustAnchor], str]:
    """Anchors from an uploaded PEM (one or several certificates): (added, problem)."""
    try:
        certs = [x509.Certificate.load(der) for der in _ders(blob, "CERTIFICATE")]
        for cert in certs:
            cert.native  # noqa: B018 - parse fully now, so a broken file is refused here
    except (ValueError, TypeError):
        return [], "Tệp không phải chứng thư số dạng PEM (-----BEGIN CERTIFICATE-----)."
    if not certs:
        return [], "Tệp không có chứng thư số nào."
    added = []
    for cert in certs:
        digest = hashlib.sha256(cert.dump()).hexdigest()
        if db.session.scalar(select(TrustAnchor.id).where(TrustAnchor.sha256 == digest)):
            continue
        if not cert.ca:
            return [], f"{cert.subject.human_friendly} không phải chứng thư của tổ chức cấp (CA)."
        row = TrustAnchor(subject=cert.subject.human_friendly[:500], sha256=digest, der=cert.dump(),
                          not_after=cert["tbs_certificate"]["validity"]["not_after"].native.replace(tzinfo=None),
                          uploaded_by_id=getattr(user, "id", None))
        db.session.add(row)
        added.append(row)
    db.session.flush()
    return added, ("" if added else "Các chứng thư này đã có trong danh sách.")


def add_crl(blob: bytes, user) -> tuple[RevocationList | None, str]:
    try:
        ders = _ders(blob, "CRL")
        crl = asn1_crl.CertificateList.load(ders[0])
        tbs = crl["tbs_cert_list"]
        revoked = len(tbs["revoked_certificates"]) if tbs["revoked_certificates"].native else 0
        this_update, next_update = tbs["this_update"].native, tbs["next_update"].native
    except (ValueError, TypeError, IndexError, KeyError):
        return None, "Tệp không phải danh sách thu hồi chứng thư (CRL) dạng PEM hoặc DER."
    digest = hashlib.sha256(crl.dump()).hexdigest()
    if db.session.scalar(select(RevocationList.id).where(RevocationList.sha256 == digest)):
        return None, "Danh sách thu hồi này đã có."
    row = RevocationList(issuer=crl.issuer.human_friendly[:500], sha256=digest, der=crl.dump(),
                         this_update=this_update.replace(tzinfo=None) if this_update else None,
                         next_update=next_update.replace(tzinfo=None) if next_update else None,
                         revoked_count=revoked, uploaded_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    return row, ""


def trust_anchors() -> list[TrustAnchor]:
    return list(db.session.scalars(select(TrustAnchor).order_by(TrustAnchor.id)))


def revocation_lists() -> list[RevocationList]:
    return list(db.session.scalars(select(RevocationList).order_by(RevocationList.id.desc())))


def set_anchor_active(anchor_id: int, active: bool) -> TrustAnchor | None:
    row = db.session.get(TrustAnchor, anchor_id)
    if row is not None:
        row.active = active
    return row


def recheck(row: SignedReport, online: bool = False) -> Verdict:
    """The stored file checked again now, with today's trust anchors and CRLs."""
    return check_signed_pdf(row.data, [row.report_pdf], trust_anchor_ders(), crl_ders(), online=online)


def signed_on_board(round_id: int) -> dict[int, SignedReport]:
    """Each unit's latest signed file for its report in this round, or for the consolidation
    its submission carries upward (its own round of the same period): two queries."""
    found = latest_signed_by_unit(round_id)
    behind = (select(ReportingRound.id, ReportingRound.unit_id)
              .join(Submission, Submission.unit_id == ReportingRound.unit_id)
              .join(upper := aliased(ReportingRound), upper.id == Submission.round_id)
              .where(Submission.round_id == round_id, ReportingRound.id != round_id,
                     ReportingRound.template_code == upper.template_code,
                     ReportingRound.period_kind == upper.period_kind, ReportingRound.period_year == upper.period_year,
                     ReportingRound.period_index == upper.period_index))
    pairs = db.session.execute(behind).all()
    if pairs:
        newest = (select(SignedReport.unit_id, SignedReport.round_id, func.max(SignedReport.version).label("v"))
                  .where(tuple_(SignedReport.round_id, SignedReport.unit_id).in_([(r, u) for r, u in pairs]))
                  .group_by(SignedReport.unit_id, SignedReport.round_id).subquery())
        for row in db.session.scalars(select(SignedReport).join(newest, (SignedReport.unit_id == newest.c.unit_id)
                                                                & (SignedReport.round_id == newest.c.round_id)
                                                                & (SignedReport.version == newest.c.v))):
            current = found.get(row.unit_id)
            if current is None or row.uploaded_at > current.uploaded_at:
                found[row.unit_id] = row
    return found
