"""The report at every level (issue 20): comparisons like for like, the wording by level,
and the chain communes → district → province as the province's Word and Excel show it."""
from __future__ import annotations

from app.reporting.templates import DEFAULT_FIELDS
from app.services.consolidation import load_consolidation
from app.services.export_parts import round_parts
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for
from tests.fixtures.seeds import seed003_values
from tests.web.test_exports import add_catalogue


def quarters(approved_before: int, approved_now: int, communes: int = 4):
    """A district whose communes all report seed 003's figures; ``approved_before`` of them
    were approved last quarter, ``approved_now`` this quarter."""
    add_catalogue(DEFAULT_FIELDS)
    _, district, units = make_tree(communes)
    before = make_round(district, "quarterly_tthc", year=2024, index=1, expected=units)
    now = make_round(district, "quarterly_tthc", year=2024, index=2, expected=units)
    for round_, approved in ((before, approved_before), (now, approved_now)):
        for unit in units[:approved]:
            set_values(submission_for(round_, unit), seed003_values(), status="approved")
    return now


def dossier_sentence(parts) -> str:
    return next(line for lines in parts.figure_sentences.values() for line in lines
                if line.startswith("- Tổng số hồ sơ tiếp nhận"))


def test_a_comparison_is_made_over_the_units_present_in_both_periods_and_says_so():
    # 4 communes last quarter (1.260 dossiers), 2 now (630): never "giảm 630 hồ sơ".
    parts = round_parts(load_consolidation(quarters(4, 2)))
    sentence = dossier_sentence(parts)
    assert "bằng cùng 2 đơn vị quý I năm 2024" in sentence and "giảm" not in sentence


def test_the_same_units_in_both_periods_compare_without_a_word_about_it():
    sentence = dossier_sentence(round_parts(load_consolidation(quarters(3, 3))))
    assert "bằng quý I năm 2024" in sentence and "đơn vị" not in sentence.split("bằng")[1]


def test_below_half_of_the_units_the_comparison_is_left_out_with_a_line_saying_why(client):
    round_ = quarters(1, 4)
    parts = round_parts(load_consolidation(round_))
    login_as(client, make_user(round_.unit, "reviewer"))
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert "Không so sánh với quý I năm 2024: chỉ 1/4 đơn vị có số liệu ở cả hai kỳ, chưa đến một nửa." in page
    assert "so với" not in dossier_sentence(parts)
    assert ("Không so sánh với quý I năm 2024: chỉ 1/4 đơn vị có số liệu ở cả hai kỳ, chưa đến một nửa"
            in parts.coverage_text)


# --- three levels: communes → district → province -------------------------------------------

import html  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402

import docx  # noqa: E402
import openpyxl  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Directive, RoundEvent, SubmissionValue  # noqa: E402
from app.reporting.keys import followup_key, text_key  # noqa: E402
from app.services.consolidation import TEXT_KINDS, save_round_text, section_suggestion  # noqa: E402
from app.services.rounds import round_template  # noqa: E402
from app.services.submissions import move  # noqa: E402
from tests.factories import make_unit  # noqa: E402
from tests.web.test_directives import add_task, download, record_directive, switch  # noqa: E402

# What a commune writes, paraphrased from commune to commune as real ones do.
TEXTS = {
    "I.2": ("UBND xã đã rà soát các TTHC thực hiện trực tuyến toàn trình và một phần.",
            "Đã rà soát các thủ tục hành chính thực hiện trực tuyến toàn trình và một phần."),
    "II.2": ("Cán bộ một cửa kiêm nhiệm nhiều việc.", "Cán bộ Bộ phận Một cửa kiêm nhiệm nhiều nhiệm vụ."),
    "IV": ("Đề nghị UBND huyện bố trí kinh phí nâng cấp trang thiết bị.",
           "Đề nghị UBND huyện hỗ trợ kinh phí mua máy quét hồ sơ."),
}
PROPOSAL = "Đề nghị UBND tỉnh bố trí kinh phí nâng cấp trang thiết bị cho Bộ phận Một cửa cấp xã."


def insert_every_suggestion(round_) -> None:
    """As a reviewer pressing "Chèn toàn bộ gợi ý" in every section."""
    for section in round_template(round_).sections:
        if section.kind in TEXT_KINDS:
            text = section_suggestion(round_, section.id).text()
            if text.strip():
                assert save_round_text(round_, section.id, text, None, append=True).status == 200


def district(code: str, name: str, province, communes: int, reporting: int):
    unit = make_unit(code, name, "district", province, place_name=name.split(" ", 1)[1])
    units = [make_unit(f"{code}.X{i:02d}", f"Xã {name.split(' ', 1)[1]} {i}", "commune", unit, sort_order=i)
             for i in range(1, communes + 1)]
    round_ = make_round(unit, "quarterly_tthc", year=2024, index=2, expected=units)
    for i, commune in enumerate(units[:reporting]):
        values = seed003_values() | {text_key(sid): pair[i % 2] for sid, pair in TEXTS.items()}
        set_values(submission_for(round_, commune), values, status="approved")
    return unit, units, round_


def test_three_levels_communes_district_province_word_and_excel(client):
    add_catalogue(DEFAULT_FIELDS)
    province = make_unit("QN", "Tỉnh Quảng Thử", "province", place_name="Quảng Thử")
    binh_son, communes, bs_round = district("QN.BS", "Huyện Bình Thử", province, 4, 3)  # partial: 3/4
    son_tinh, _, st_round = district("QN.ST", "Huyện Sơn Thử", province, 2, 2)
    province_round = make_round(province, "quarterly_tthc", year=2024, index=2, expected=[binh_son, son_tinh])
    bs_reviewer, st_reviewer = make_user(binh_son, "reviewer"), make_user(son_tinh, "reviewer")

    # The district's directive to its communes, and what they reported on it.
    switch(client, bs_reviewer)
    assert record_directive(client).status_code == 303
    directive = db.session.scalar(select(Directive))
    assert add_task(client, directive.id, "1", "Rà soát, niêm yết công khai đầy đủ thủ tục hành chính tại Bộ phận Một "
                    "cửa và trên Cổng dịch vụ công tỉnh theo đúng quy định, hoàn thành trước ngày 30 tháng 6.",
                    units=[c.id for c in communes]).status_code == 303
    task = directive.tasks[0]
    for commune in communes[:2]:
        set_values(submission_for(bs_round, commune), {followup_key("I.9", task.id, "status"): "done",
                                                       followup_key("I.9", task.id, "text"): "Đã niêm yết đủ."})

    # The district edits its dossier figures, then a commune corrects a row: the edit goes stale.
    page = client.get(f"/rounds/{bs_round.id}/consolidated").get_data(as_text=True)
    box, generated = re.search(r'<textarea id="rn-text-([\w-]+)-f"[^>]*>([^<]*Tổng số hồ sơ tiếp nhận[^<]*)</textarea>',
                               page).groups()
    generated, figures_id = html.unescape(generated), box.replace("-", ".")
    client.post(f"/rounds/{bs_round.id}/figures/{figures_id}", headers={"HX-Request": "true"},
                data={"text": generated + "\nSố liệu đã đối chiếu với Hệ thống thông tin giải quyết TTHC tỉnh.",
                      "basis": generated, "version": "0"})
    row = db.session.scalars(select(SubmissionValue).where(SubmissionValue.key.like(f"{figures_id}/%/c5"),
                                                           SubmissionValue.int_value > 0)).first()
    pending_key = row.key.replace("/c5", "/c12")  # received directly, being resolved on time: still consistent
    pending = db.session.scalar(select(SubmissionValue).where(SubmissionValue.submission_id == row.submission_id,
                                                              SubmissionValue.key == pending_key))
    if pending is None:
        pending = SubmissionValue(submission_id=row.submission_id, key=pending_key, int_value=0, version=1)
        db.session.add(pending)
    row.int_value += 10
    pending.int_value += 10
    db.session.commit()
    insert_every_suggestion(bs_round)
    save_round_text(bs_round, "IV", PROPOSAL, None, append=True)
    upward = client.get(f"/rounds/{bs_round.id}/upward").get_data(as_text=True)
    assert "mục số liệu bạn đã sửa nay không khớp số liệu" in upward
    assert client.post(f"/rounds/{bs_round.id}/upward", data={"confirm": "1"}).status_code == 422
    sent = client.post(f"/rounds/{bs_round.id}/upward", data={"confirm": "1", f"figures-{figures_id}": "mine"})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    assert db.session.scalar(select(RoundEvent).where(RoundEvent.action == "figures_kept")) is not None

    switch(client, st_reviewer)
    insert_every_suggestion(st_round)
    assert client.post(f"/rounds/{st_round.id}/upward", data={"confirm": "1"}).status_code == 303

    # The province approves both and inserts every suggestion.
    province_reviewer = make_user(province, "reviewer")
    switch(client, province_reviewer)
    for sub in province_round.submissions:
        db.session.refresh(sub)
        assert sub.status == "submitted"
        move(sub, province_reviewer, "approve")
    db.session.commit()
    page = client.get(f"/rounds/{province_round.id}/consolidated").get_data(as_text=True)
    assert "gồm 5/6 đơn vị cấp dưới; Huyện Bình Thử: tổng hợp từ 3/4 đơn vị" in page
    received = client.get(f"/rounds/{province_round.id}/suggestions/IV").get_data(as_text=True)
    assert "Đề xuất, kiến nghị gửi Tỉnh Quảng Thử" in received and PROPOSAL.rstrip(".") in received
    assert PROPOSAL.rstrip(".") not in section_suggestion(province_round, "IV").text()
    insert_every_suggestion(province_round)

    word = docx.Document(io.BytesIO(download(client, f"/exports/rounds/{province_round.id}.docx")))
    lines = [p.text for p in word.paragraphs]
    text = "\n".join(lines)
    # Coverage travels: the districts' own, and the units underneath counted.
    coverage = next(line for line in lines if line.startswith("Báo cáo tổng hợp từ"))
    assert coverage.startswith("Báo cáo tổng hợp từ 2/2 đơn vị trực thuộc, gồm 5/6 đơn vị cấp dưới")
    assert "Huyện Bình Thử: tổng hợp từ 3/4 đơn vị" in coverage and "Huyện Sơn Thử: tổng hợp từ 2/2 đơn vị" in coverage
    # Attributions never stack: the districts are named, not their communes.
    assert not re.search(r"\((?:Xã|Huyện)[^()]*\)\s*\((?:Xã|Huyện)", text)
    assert "(Huyện Bình Thử và Huyện Sơn Thử)" in text and "Xã Bình Thử 1" not in text.split("9. ")[0]
    # Addressing: the district's proposal to the province is not in the province's report upward.
    assert "Đề nghị UBND tỉnh" not in text and "Đề nghị UBND huyện" not in text
    # The district's directive results, under its name; task titles whole.
    at = lines.index("UBND huyện Bình Thử báo cáo kết quả thực hiện văn bản chỉ đạo của mình:")
    assert lines[at + 1].startswith("Thực hiện Chỉ thị số 05/CT-UBND ngày 05/02/2024 của UBND huyện Bình Thử")
    assert "hoàn thành trước ngày 30 tháng 6): 2/4 xã đã hoàn thành" in lines[at + 2] and "…" not in text
    # Catalogue sizes say whose: never a district's sum of its communes' sizes as "each unit's".
    assert "1.005 TTHC" not in text and "603 TTHC" not in text
    assert lines[lines.index("1. Công bố, công khai thủ tục hành chính") + 1] == (
        "2/2 huyện niêm yết công khai đủ 100% TTHC thuộc thẩm quyền giải quyết.")
    assert ("- Huyện Bình Thử: 3/3 xã niêm yết công khai đủ 100% TTHC thuộc thẩm quyền giải quyết; số TTHC thuộc "
            "thẩm quyền của mỗi đơn vị 201 TTHC.") in lines
    # The district's figure sentences (with its kept edit) feed the province's suggestion.
    # The district's figure sentences (with its kept edit) feed the province's suggestion, each under its name.
    district_figures = next(line for line in lines if line.startswith("- Huyện Bình Thử: Tổng số hồ sơ tiếp nhận: 945"))
    assert district_figures.endswith("Số liệu đã đối chiếu với Hệ thống thông tin giải quyết TTHC tỉnh.")
    assert any(line.startswith("- Huyện Sơn Thử: Tổng số hồ sơ tiếp nhận: 630 hồ sơ") for line in lines)
    # Numbering never jumps; one number per figure: the province's total is the districts' sum.
    heads = [line.split(" ", 1)[0] for line in lines if re.match(r"^[IVX]+\. [A-ZĐ]", line)]
    assert heads == ["I.", "II.", "III.", "IV."]
    total = 5 * 315 + 10
    assert f"Tổng số hồ sơ tiếp nhận: {total:,} hồ sơ".replace(",", ".") in text

    book = openpyxl.load_workbook(io.BytesIO(download(client, f"/exports/rounds/{province_round.id}.xlsx")))
    first = [str(c.value) for row in book.worksheets[0].iter_rows(max_row=5) for c in row if c.value]
    assert any(v.startswith("Báo cáo tổng hợp từ 2/2 đơn vị trực thuộc, gồm 5/6 đơn vị cấp dưới") for v in first)
    directive_rows = [r for r in book["Nội dung"].iter_rows(values_only=True) if r[1] == "UBND huyện Bình Thử"
                      and (r[2] or "").startswith("Thực hiện Chỉ thị số 05/CT-UBND")]
    assert directive_rows and "2/4 xã đã hoàn thành" in directive_rows[0][2]
    indicators = book["Chỉ tiêu"]
    whose = [r[2:4] for r in indicators.iter_rows(values_only=True) if r[1] == "Tổng số TTHC thuộc thẩm quyền giải quyết"]
    assert whose == [(1005, "Cộng số của các đơn vị cấp dưới thuộc Huyện Bình Thử và Huyện Sơn Thử")]


def test_wording_follows_the_level_in_a_two_level_province():
    from app.exports.docx_report import intro
    from app.services.export_parts import submission_parts

    province = make_unit("HY", "Tỉnh Hưng Thử", "province", place_name="Hưng Thử")
    commune = make_unit("HY.X01", "Xã Tân Thử", "commune", province, place_name="Tân Thử")
    round_ = make_round(province, "monthly_tthc", year=2026, index=11, expected=[commune])
    sub = submission_for(round_, commune)
    set_values(sub, {}, status="approved")
    own = submission_parts(sub)
    # A commune reports to the provincial office, at its request (seed 001), worded once.
    assert own.recipient == "Văn phòng UBND tỉnh Hưng Thử"
    assert intro(own).startswith("Thực hiện chế độ báo cáo tháng về công tác cải cách thủ tục hành chính theo yêu "
                                 "cầu của Văn phòng UBND tỉnh, UBND xã Tân Thử báo cáo")
    # The province reports to the Government Office, not at its own office's request.
    consolidated = round_parts(load_consolidation(round_))
    assert consolidated.recipient == "Văn phòng Chính phủ"
    assert intro(consolidated).startswith("Thực hiện chế độ báo cáo tháng về công tác cải cách thủ tục hành chính, "
                                          "UBND tỉnh Hưng Thử báo cáo")
