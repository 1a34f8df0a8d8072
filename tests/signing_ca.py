"""A certification authority made in the tests (cryptography), and a leader's signing tool
(pyHanko) that signs the portal's PDF as a USB token's software would."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*DSA.*deprecated")
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

NOW = datetime.now(UTC)


@dataclass
class Issued:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: cx509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def asn1(self) -> ax509.Certificate:
        return ax509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> akeys.PrivateKeyInfo:
        return akeys.PrivateKeyInfo.load(self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _name(common: str, org: str = "") -> cx509.Name:
    attrs = [cx509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(cx509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(cx509.NameAttribute(NameOID.COMMON_NAME, common))
    return cx509.Name(attrs)


def make_ca(common: str = "Test Root CA Chính phủ", days: int = 3650) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common, "Ban Cơ yếu Chính phủ (thử)")
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=30)).not_valid_after(NOW + timedelta(days=days))
            .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(cx509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(cx509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Issued(key, cert)


def intermediate(root: Issued, common: str = "CA phục vụ các cơ quan Nhà nước (thử)") -> Issued:
    """A CA under the root, as the government CA sits under the national root."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (cx509.CertificateBuilder().subject_name(_name(common, "Ban Cơ yếu Chính phủ (thử)"))
            .issuer_name(root.cert.subject).public_key(key.public_key()).serial_number(cx509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=30)).not_valid_after(NOW + timedelta(days=1800))
            .add_extension(cx509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(cx509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(cx509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), critical=False)
            .sign(root.key, hashes.SHA256()))
    return Issued(key, cert)


def issue(ca: Issued, common: str, org: str = "UBND huyện Bình Sơn", *, not_before: datetime | None = None,
          not_after: datetime | None = None, tsa: bool = False) -> Issued:
    # pyHanko's test timestamper signs with RSA only; the rest use EC (faster to make).
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    builder = (cx509.CertificateBuilder().subject_name(_name(common, org)).issuer_name(ca.cert.subject)
               .public_key(key.public_key()).serial_number(cx509.random_serial_number())
               .not_valid_before(not_before or NOW - timedelta(days=10))
               .not_valid_after(not_after or NOW + timedelta(days=365))
               .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False))
    if tsa:
        builder = builder.add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        builder = builder.add_extension(cx509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                        critical=True)
    else:
        builder = builder.add_extension(cx509.KeyUsage(True, True, False, False, False, False, False, False, False),
                                        critical=True)
    return Issued(key, builder.sign(ca.key, hashes.SHA256()))


def crl_of(ca: Issued, revoked: list[Issued]) -> bytes:
    builder = (cx509.CertificateRevocationListBuilder().issuer_name(ca.cert.subject)
               .last_update(NOW - timedelta(hours=1)).next_update(NOW + timedelta(days=7))
               .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
               .add_extension(cx509.CRLNumber(1), critical=False))
    for leaf in revoked:
        builder = builder.add_revoked_certificate(
            cx509.RevokedCertificateBuilder().serial_number(leaf.cert.serial_number)
            .revocation_date(NOW - timedelta(days=20)).build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def sign(pdf: bytes, leaf: Issued, ca: Issued, field: str = "ChuKyNguoiKy", tsa: Issued | None = None,
         chain: tuple[Issued, ...] = ()) -> bytes:
    """Sign as the leader's tool would: in the portal's empty field, chain embedded."""
    signer = signers.SimpleSigner(signing_cert=leaf.asn1, signing_key=leaf.asn1_key,
                                  cert_registry=SimpleCertificateStore.from_certs([ca.asn1, *(c.asn1 for c in chain)]))
    timestamper = None
    if tsa is not None:
        timestamper = DummyTimeStamper(tsa_cert=tsa.asn1, tsa_key=tsa.asn1_key,
                                       certs_to_embed=SimpleCertificateStore.from_certs([ca.asn1]))
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                         signers.PdfSignatureMetadata(field_name=field), signer=signer, timestamper=timestamper,
                         output=out)
    return out.getvalue()


def change_content(pdf: bytes) -> bytes:
    """A later revision that draws over the first page (changes content, adds no signature)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    stream = RawContent(b"BT /F1 12 Tf 100 100 Td (999) Tj ET").render()
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=stream)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_byte(pdf: bytes, near: int) -> bytes:
    """One byte changed inside a content stream before ``near`` (hashes break, offsets hold)."""
    at = pdf.rfind(b"stream\n", 0, near) + len(b"stream\n") + 40
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]
