"""The three demo levels' Word files as a reader gets them: converted by LibreOffice and read
back with ``pdftotext -layout`` (issue 20). Bình Sơn (district, 9/27 reports in) inserts every
section's whole suggestion and sends upward; Quảng Ngãi approves it and inserts every
suggestion; Hưng Yên (two levels) is exported as it stands."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.exports.docx_report import write_report_docx
from app.extensions import db
from app.models import OrgUnit, ReportingRound, User
from app.services.consolidation import (
    load_consolidation,
    resolve_stale_figures,
    round_readiness,
    submit_upward,
    upward_submission,
)
from app.services.export_parts import round_parts
from app.services.submissions import move
from tests.web.test_report_levels import insert_every_suggestion

UNIT_WORD = r"(?:Xã|Phường|Thịtrấn|Huyện|Phòng|Sở|UBND)"
STACKED = re.compile(rf"\({UNIT_WORD}[^()]*\)\({UNIT_WORD}")
NUMBER = re.compile(r"^\s{0,16}([IVX]+|\d+(?:\.\d+)*)\.\s+\S")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def tools():
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    assert soffice and pdftotext, "LibreOffice and poppler-utils are needed: make test installs them (system-deps)"
    return soffice, pdftotext


@pytest.fixture(scope="module")
def demo_texts(tmp_path_factory, app):
    """name → the pages of its Word file as text (pdftotext -layout), form feeds between pages."""
    from app.demo import seed_demo

    soffice, pdftotext = tools()
    out = tmp_path_factory.mktemp("demo")
    with app.app_context():
        seed_demo()
        db.session.commit()

        def unit(code):
            return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))

        def user(name):
            return db.session.scalar(select(User).where(User.username == name))

        def open_round(u):
            return db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == u.id,
                                                                  ReportingRound.status == "open"))

        bs_round, qn_round, hy_round = (open_round(unit(code)) for code in ("QNG.BS", "QNG", "HYN"))
        insert_every_suggestion(bs_round)
        readiness = round_readiness(bs_round)
        # The seeded edit of the dossier figures went stale: the reviewer takes the new text.
        resolve_stale_figures(bs_round, readiness, {s.section_id: "new" for s in readiness.stale_figures},
                              user("tonghop.binhson"))
        target = upward_submission(bs_round)
        assert submit_upward(load_consolidation(bs_round), target, user("tonghop.binhson")) == []
        db.session.commit()
        move(target, user("tonghop.quangngai"), "approve")
        db.session.commit()
        insert_every_suggestion(qn_round)
        db.session.commit()
        for name, round_, provisional in (("binhson", bs_round, False), ("quangngai", qn_round, False),
                                          ("hungyen", hy_round, True)):
            write_report_docx(round_parts(load_consolidation(round_, provisional, per_unit=True)), out / f"{name}.docx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *(str(out / f"{n}.docx") for n in ("binhson", "quangngai", "hungyen"))],
                   capture_output=True, timeout=300, check=True)
    return {name: subprocess.run([pdftotext, "-layout", str(out / f"{name}.pdf"), "-"], capture_output=True, text=True,
                                 check=True).stdout for name in ("binhson", "quangngai", "hungyen")}


def body_of(text: str) -> str:
    """The report before its annexes."""
    return text.split("Phụ lục I\n")[0] if "Phụ lục I\n" in text else text


def squeezed(text: str) -> str:
    """Without any white space: pdftotext splits Vietnamese words ("gi ải quy ết")."""
    return re.sub(r"\s+", "", text)


def numbering_jumps(text: str) -> list[str]:
    """Section numbers out of order (I, II…; 1, 2…; 5.1, 5.2…) in the body's headings."""
    problems, roman, path = [], 0, []
    for line in body_of(text).splitlines():
        match = NUMBER.match(line)
        if not match:
            continue
        token = match.group(1)
        if token in ROMAN:
            if ROMAN.index(token) != roman:
                problems.append(f"{token} after {ROMAN[roman - 1] if roman else 'nothing'}")
            roman, path = ROMAN.index(token) + 1, []
            continue
        parts = [int(p) for p in token.split(".")]
        expected = path[:len(parts) - 1] + [path[len(parts) - 1] + 1 if len(path) >= len(parts) else 1]
        if parts != expected:
            problems.append(f"{token} after {'.'.join(map(str, path)) or roman}")
        path = parts
    return problems


@pytest.mark.parametrize("name, issuer", [("binhson", "HUYỆN BÌNH SƠN"), ("quangngai", "TỈNH QUẢNG NGÃI"),
                                          ("hungyen", "TỈNH HƯNG YÊN")])
def test_the_demo_word_files_read_as_decree_30_documents(demo_texts, name, issuer):
    text = demo_texts[name]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # The issuing People's Committee alone and in full.
    assert lines[0].startswith("ỦY BAN NHÂN DÂN") and lines[1].startswith(issuer)
    assert "UBND TỈNH" not in lines[0]
    # Section numbers consecutive: a section with nothing keeps its heading with "Không phát sinh."
    assert numbering_jumps(text) == []
    flat = squeezed(body_of(text))
    # No task title cut, no stacked attribution.
    assert "…" not in flat
    assert not STACKED.search(flat), STACKED.search(flat).group(0)[:200]
    # The opening sentence names the regime once; a province is not reporting at its own office's request.
    opening = flat[flat.index("Thựchiện"):flat.index("nhưsau:")]
    assert opening.lower().count("chếđộbáocáo") <= 1
    if name != "binhson":
        assert "theoyêucầucủaVănphòngUBNDtỉnh" not in opening
    # No annex page holding a single row.
    for page in text.split("\f"):
        if "(1)" in page and "(2)" in page:  # a page of an annex table (its column numbers repeat)
            rows = [line for line in page.splitlines() if re.match(r"^\s*(\d+\s{2,}\S|Tổng\s)", line)]
            assert len(rows) != 1, page


def test_the_province_states_the_districts_coverage_names_it_and_carries_its_directive_results(demo_texts):
    flat = squeezed(body_of(demo_texts["quangngai"]))
    assert "HuyệnBìnhSơn:tổnghợptừ9/27đơnvị" in flat
    assert "gồm9/27đơnvịcấpdưới" in flat
    assert "UBNDhuyệnBìnhSơnbáocáokếtquảthựchiệnvănbảnchỉđạocủamình:" in flat
    assert "ThựchiệnChỉthịsố05/CT-UBND" in flat
    # Its texts are attributed to the district, never to its communes.
    assert "(HuyệnBìnhSơn)" in flat and "(XãBìnhAn,XãBìnhChánhvà" not in flat
    # Bình Sơn's own field, which the province lacks, is folded into "Lĩnh vực khác" with a line saying so.
    assert "Lĩnhvựckhácgồm:Đăngký,đăngkiểmtàucá(" in flat and "hồsơ,HuyệnBìnhSơn)" in flat
    # Its catalogue sum is not "each unit's" size.
    assert "củamỗiđơnvị1.748TTHC" not in flat
