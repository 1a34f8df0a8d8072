"""The administrator's trust anchors and CRLs: PEM uploads, clear refusals, admins only."""
from __future__ import annotations

import io

from app.extensions import db
from app.models import RevocationList, TrustAnchor
from tests.conftest import login_as
from tests.factories import make_unit, make_user
from tests.signing_ca import crl_of, issue, make_ca


def post_file(client, url: str, data: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_the_administrator_uploads_roots_and_crls(client):
    unit = make_unit("QN", "Tỉnh Thử", "province")
    login_as(client, make_user(unit, "admin"))
    page = client.get("/signatures/trust").get_data(as_text=True)
    assert "Chưa có tổ chức nào" in page
    root, government = make_ca("Root CA Quốc gia (thử)"), make_ca("CA Chính phủ (thử)")
    assert post_file(client, "/signatures/trust/anchors", root.pem + government.pem, "ca.pem").status_code == 303
    assert db.session.query(TrustAnchor).count() == 2
    again = post_file(client, "/signatures/trust/anchors", root.pem, "ca.pem")
    assert again.status_code == 422 and "đã có trong danh sách" in again.get_data(as_text=True)
    leaf = issue(root, "Lê Văn Ký")
    refused = post_file(client, "/signatures/trust/anchors", leaf.pem, "leaf.pem")
    assert refused.status_code == 422 and "không phải chứng thư của tổ chức cấp" in refused.get_data(as_text=True)
    garbage = post_file(client, "/signatures/trust/anchors", b"not a certificate", "x.pem")
    assert garbage.status_code == 422 and "PEM" in garbage.get_data(as_text=True)
    assert post_file(client, "/signatures/trust/crls", crl_of(root, [leaf]), "root.crl").status_code == 303
    crl = db.session.query(RevocationList).one()
    assert crl.revoked_count == 1 and "Root CA Quốc gia" in crl.issuer
    bad = post_file(client, "/signatures/trust/crls", b"\x30\x03\x02\x01\x01", "x.crl")
    assert bad.status_code == 422 and "CRL" in bad.get_data(as_text=True)
    anchor = db.session.query(TrustAnchor).filter(TrustAnchor.subject.contains("Common Name: CA Chính phủ")).one()
    assert client.post(f"/signatures/trust/anchors/{anchor.id}/active", data={"active": "0"}).status_code == 303
    db.session.refresh(anchor)
    assert anchor.active is False
    assert "Ngừng tin cậy" in client.get("/signatures/trust").get_data(as_text=True)


def test_only_the_administrator_sees_the_trust_page(client):
    unit = make_unit("QN", "Tỉnh Thử", "province")
    login_as(client, make_user(unit, "reviewer"))
    assert client.get("/signatures/trust").status_code == 403
    assert post_file(client, "/signatures/trust/anchors", make_ca().pem, "ca.pem").status_code == 403
