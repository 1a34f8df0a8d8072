"""Demo data: a three-level and a two-level province with Vietnamese names (design §3)."""
from __future__ import annotations

import functools
import unicodedata

from sqlalchemy import select

from .demo_texts import MONTHLY, QUARTERLY
from .extensions import db
from .models import CatalogueField, OrgUnit, User
from .reporting.clock import vn_today
from .services.orgtree import add_unit

DEMO_PASSWORD = "demo1234"

# Bình Sơn district (Quảng Ngãi) as it was before July 2025: 21 communes and one town.
BINH_SON_COMMUNES = [
    "Bình An", "Bình Chánh", "Bình Châu", "Bình Chương", "Bình Dương", "Bình Đông", "Bình Hải",
    "Bình Hiệp", "Bình Hòa", "Bình Khương", "Bình Long", "Bình Minh", "Bình Mỹ", "Bình Nguyên",
    "Bình Phước", "Bình Tân Phú", "Bình Thanh", "Bình Thạnh", "Bình Thuận", "Bình Trị", "Bình Trung",
]
BINH_SON_OFFICES = [
    "Phòng Nội vụ", "Phòng Tư pháp", "Phòng Tài nguyên và Môi trường", "Phòng Văn hóa và Thông tin",
    "Trung tâm Văn hóa - Thông tin - Thể thao",  # assigned task 5 of the demo's chỉ thị 05/CT-UBND
    "Chi nhánh Văn phòng Đăng ký đất đai",
]
HUNG_YEN_DEPARTMENTS = [
    "Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng",
    "Sở Công Thương", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
]
_FIRST = ["Tân", "Hồng", "Minh", "Quang", "Phú", "An", "Đông", "Nam", "Bắc", "Hoàng"]
_SECOND = ["Tiến", "Hưng", "Thành", "Lợi", "Hòa", "Phong", "Bình", "Long", "Sơn", "Mỹ"]


def slug(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return "".join(c for c in text if c.isalnum())


@functools.cache
def _demo_hash() -> str:
    # Every demo account shares one password: hash it once, not 140 times.
    probe = User()
    probe.set_password(DEMO_PASSWORD)
    return probe.password_hash


def _user(username: str, full_name: str, role: str, unit: OrgUnit, phone: str) -> User:
    user = User(username=username, full_name=full_name, role=role, unit=unit, phone=phone, password_hash=_demo_hash())
    db.session.add(user)
    return user


SURNAMES = ["Nguyễn Văn", "Trần Thị", "Lê Văn", "Phạm Thị", "Hoàng Văn", "Võ Thị", "Đặng Văn", "Bùi Thị"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Minh", "Nam", "Phương", "Quân", "Thảo", "Trang"]


def _person(i: int) -> tuple[str, str]:
    return f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[(i * 7) % len(GIVEN)]}", f"09{(12345678 + i * 7919) % 100000000:08d}"


def seed_fields() -> None:
    from .reporting.templates import DEFAULT_FIELDS

    existing = set(db.session.scalars(select(CatalogueField.code)))
    for order, (code, name, group_code, group_label) in enumerate(DEFAULT_FIELDS, start=1):
        if code not in existing:
            db.session.add(CatalogueField(code=code, name=name, group_code=group_code or "",
                                          group_label=group_label or "", sort_order=order))


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo tree and accounts; returns (username, role label, unit name) to print."""
    seed_fields()
    counter = iter(range(10_000))

    used: set[str] = set()

    def reporter(unit: OrgUnit, username: str) -> None:
        # "Bình Thanh" and "Bình Thạnh" fold to the same ASCII name: number the second.
        candidate, n = username, 1
        while candidate in used:
            n += 1
            candidate = f"{username}{n}"
        used.add(candidate)
        name, phone = _person(next(counter))
        _user(candidate, name, "reporter", unit, phone)

    quang_ngai = add_unit("QNG", "Tỉnh Quảng Ngãi", "province", place_name="Quảng Ngãi")
    binh_son = add_unit("QNG.BS", "Huyện Bình Sơn", "district", quang_ngai, place_name="Bình Sơn")
    for i, name in enumerate(BINH_SON_COMMUNES, start=1):
        unit = add_unit(f"QNG.BS.X{i:02d}", f"Xã {name}", "commune", binh_son, place_name=name, sort_order=i)
        reporter(unit, f"xa.{slug(name)}")
    chau_o = add_unit("QNG.BS.TT01", "Thị trấn Châu Ổ", "town", binh_son, place_name="Châu Ổ", sort_order=22)
    reporter(chau_o, "tt.chauo")
    for i, name in enumerate(BINH_SON_OFFICES, start=1):
        unit = add_unit(f"QNG.BS.P{i:02d}", name, "office", binh_son, place_name="Bình Sơn", sort_order=100 + i)
        reporter(unit, f"bs.{slug(name)}")
    # A field of Bình Sơn's own (a coastal district): its rounds have the row, Hưng Yên's do not.
    db.session.add(CatalogueField(code="tau_ca", name="Đăng ký, đăng kiểm tàu cá", unit=binh_son, sort_order=15))
    _user("tonghop.binhson", "Lê Thị Thanh Nhân", "reviewer", binh_son, "0255 3851 234")
    _user("tonghop.quangngai", "Phạm Minh Tuấn", "reviewer", quang_ngai, "0255 3822 111")

    hung_yen = add_unit("HYN", "Tỉnh Hưng Yên", "province", place_name="Hưng Yên")
    n = 0
    for first in _FIRST:
        for second in _SECOND:
            n += 1
            kind, label = ("ward", "Phường") if n % 10 == 0 else ("commune", "Xã")
            name = f"{first} {second}"
            unit = add_unit(f"HYN.X{n:03d}", f"{label} {name}", kind, hung_yen, place_name=name, sort_order=n)
            reporter(unit, f"hy.{slug(name)}")
    for i, name in enumerate(HUNG_YEN_DEPARTMENTS, start=1):
        unit = add_unit(f"HYN.S{i:02d}", name, "department", hung_yen, place_name="Hưng Yên", sort_order=200 + i)
        reporter(unit, f"hy.{slug(name)}")
    _user("tonghop.hungyen", "Đỗ Thu Hằng", "reviewer", hung_yen, "0221 3862 999")

    _user("admin", "Quản trị hệ thống", "admin", quang_ngai, "").system_admin = True
    # Each province's own administrator manages its subtree only (units, users, calendar…).
    _user("quantri.quangngai", "Trần Quốc Bảo", "admin", quang_ngai, "0255 3822 555")
    _user("quantri.hungyen", "Vũ Thị Mai", "admin", hung_yen, "0221 3862 555")
    db.session.flush()
    seed_rounds()
    return demo_logins()


def demo_logins() -> list[tuple[str, str, str]]:
    return [
        ("admin", "Quản trị hệ thống", "toàn hệ thống"),
        ("quantri.quangngai", "Quản trị", "Tỉnh Quảng Ngãi"),
        ("quantri.hungyen", "Quản trị", "Tỉnh Hưng Yên"),
        ("tonghop.binhson", "Cán bộ tổng hợp", "Huyện Bình Sơn (22 xã, thị trấn + 6 phòng, đơn vị)"),
        ("tonghop.quangngai", "Cán bộ tổng hợp", "Tỉnh Quảng Ngãi (3 cấp)"),
        ("tonghop.hungyen", "Cán bộ tổng hợp", "Tỉnh Hưng Yên (2 cấp: 100 xã, phường + 10 sở)"),
        ("xa.binhchanh", "Cán bộ đầu mối", "Xã Bình Chánh"),
        ("tt.chauo", "Cán bộ đầu mối", "Thị trấn Châu Ổ"),
        ("bs.phongtuphap", "Cán bộ đầu mối", "Phòng Tư pháp huyện Bình Sơn"),
        ("hy.tantien", "Cán bộ đầu mối", "Xã Tân Tiến (Hưng Yên)"),
        ("xa.vantuong", "Cán bộ đầu mối", "Xã Vạn Tường (sáp nhập từ 4 xã: kỳ trước là tổng của 4 xã)"),
    ]


# --- Demo rounds with plausible figures --------------------------------------------------

def _quarterly_values(template, rng, previous: dict | None = None) -> dict:
    """Figures that respect the rules of design §7, varied per unit; with last quarter's
    figures, dossiers carried over are last quarter's pending ones, as the rule wants."""
    from .reporting.keys import cell_key, field_key, text_key

    in_scope = rng.randint(150, 260)
    values: dict = {field_key("I.1", "in_scope"): in_scope,
                    field_key("I.1", "published"): in_scope if rng.random() < 0.9 else in_scope - rng.randint(1, 5)}
    received = rng.randint(0, 4)
    late = 1 if received > 2 else 0
    values |= {field_key("I.3", "received"): received, field_key("I.3", "on_time"): received - late,
               field_key("I.3", "late"): late, field_key("I.3", "in_progress"): 0}
    table = template.section("I.4")
    late_total = 0
    for row in table.rows:
        big = row.code in ("ho_tich", "chung_thuc", "dat_dai")
        online, direct = rng.randint(5, 120) if big else rng.randint(0, 8), rng.randint(0, 15) if big else rng.randint(0, 3)
        if previous is not None:
            carried = sum(previous.get(cell_key("I.4", row.code, c), 0) for c in ("c12", "c13"))
        else:
            carried = rng.randint(0, 6) if big else 0
        received_row = online + direct + carried
        pending_overdue = rng.randint(0, 1) if row.code == "dat_dai" else 0
        pending_within = min(received_row - pending_overdue, rng.randint(0, 4)) if big else 0
        resolved = received_row - pending_within - pending_overdue
        overdue = rng.randint(0, 1) if big and resolved > 10 else 0
        on_time = rng.randint(0, resolved - overdue) if resolved - overdue > 0 else 0
        early = resolved - overdue - on_time
        late_total += overdue + pending_overdue
        for col, value in (("c4", online), ("c5", direct), ("c6", carried), ("c8", early), ("c9", on_time),
                           ("c10", overdue), ("c12", pending_within), ("c13", pending_overdue)):
            values[cell_key("I.4", row.code, col)] = value
    forms = rng.randint(80, 240)
    very = int(forms * rng.uniform(0.6, 0.8))
    neutral = rng.randint(0, 3)
    values |= {field_key("I.5.5", "forms"): forms, field_key("I.5.5", "very_satisfied"): very,
               field_key("I.5.5", "satisfied"): forms - very - neutral, field_key("I.5.5", "neutral"): neutral,
               field_key("I.5.5", "dissatisfied"): 0, field_key("I.5.5", "very_dissatisfied"): 0}
    for i in range(1, 10):
        values[field_key("I.5.5", f"i{i}")] = rng.choice((180, 190, 190, 200))
    values[field_key("I.5.6", "apologies")] = late_total
    full, partial = rng.randint(60, 90), rng.randint(150, 240)
    values |= {field_key("I.6.1", "online_full_total"): full, field_key("I.6.1", "online_partial_total"): partial,
               field_key("I.6.1", "online_full"): full if rng.random() < 0.85 else full - rng.randint(1, 3),
               field_key("I.6.1", "online_partial"): partial,
               field_key("I.6.3", "e_certified"): rng.randint(10, 60), field_key("I.6.4", "linked_dossiers"): rng.randint(5, 40)}
    values[text_key("I.2")] = rng.choice([
        "Thực hiện rà soát các TTHC thực hiện trực tuyến toàn trình và một phần để xây dựng quy trình điện tử.",
        "Rà soát, cập nhật danh mục TTHC theo các quyết định công bố mới của Chủ tịch UBND tỉnh.",
    ])
    values[text_key("II.1")] = ("Công tác kiểm soát TTHC được quan tâm chỉ đạo, triển khai đầy đủ, đúng tiến độ.\n"
                                "- 100% TTHC được niêm yết, công khai đầy đủ;\n- Hồ sơ được tiếp nhận, giải quyết đúng quy trình.")
    values[text_key("II.2")] = rng.choice([
        "Cán bộ một cửa kiêm nhiệm nhiều nhiệm vụ; phải sử dụng nhiều phần mềm khác nhau chưa đồng bộ.",
        "Việc thanh toán trực tuyến còn gặp nhiều khó khăn; trình độ dân trí còn hạn chế.",
        "",
    ])
    values[text_key("III")] = ("1. Tiếp tục niêm yết công khai các TTHC sau khi được công bố.\n"
                               "2. Nâng cao tỷ lệ hồ sơ trực tuyến toàn trình.")
    return {k: v for k, v in values.items() if v != ""}


def _quarterly_notes(unit, values: dict, period, rng) -> dict:
    """Notes (thuyết minh) beside the figures, as communes write them (seed 003): about half
    the units write some; many repeat a stock sentence, others name their own link, date,
    count or reason. ``rng`` is the notes' own, so the figures stay as they were."""
    from .reporting.keys import cell_key, field_key, note_key

    def value(key) -> int:
        return values.get(key) or 0

    notes: dict = {}
    place = unit.name[:1].lower() + unit.name[1:]  # "xã Bình Chánh", mid-sentence
    if rng.random() < 0.35:
        missing = value(field_key("I.1", "in_scope")) - value(field_key("I.1", "published"))
        notes[note_key("I.1")] = (
            f"Còn {missing} TTHC mới được công bố chưa kịp niêm yết; {place} sẽ niêm yết xong trong tháng đầu quý sau."
            if missing > 0 else rng.choice([
                "Các TTHC được niêm yết tại Bộ phận Một cửa bằng bản giấy và trên Cổng dịch vụ công tỉnh "
                "(https://dichvucong.quangngai.gov.vn).",
                "Thủ tục hành chính được niêm yết bằng bản giấy tại Bộ phận Một cửa và trên Cổng dịch vụ công tỉnh "
                "(https://dichvucong.quangngai.gov.vn).",
                "Đã niêm yết kịp thời, đầy đủ các TTHC mới được công bố.",
                f"Đã niêm yết đầy đủ phí, lệ phí theo nghị quyết của HĐND tỉnh tại Bộ phận Một cửa {place}.",
            ]))
    if value(field_key("I.3", "received")) == 0:
        if rng.random() < 0.6:
            notes[note_key("I.3")] = rng.choice([
                "Không nhận được phản ánh, kiến nghị nào trong kỳ.",
                "Không nhận được phản ánh, kiến nghị nào trong kỳ.",
                "Trong kỳ không nhận được PAKN nào.",
                f"Trong kỳ, trên Hệ thống tiếp nhận phản ánh, kiến nghị của tỉnh, {place} không nhận được "
                "phản ánh, kiến nghị nào.",
            ])
    elif value(field_key("I.3", "late")) and rng.random() < 0.7:
        late = value(field_key("I.3", "late"))
        notes[note_key("I.3")] = rng.choice([f"Có {late} phản ánh, kiến nghị xử lý quá hạn do ",
                                             f"Có {late} PAKN xử lý quá hạn do "]) + rng.choice([
            "phải xác minh thực địa và lấy ý kiến cơ quan chuyên môn cấp huyện.",
            "phải xác minh thực địa và lấy ý kiến cơ quan chuyên môn cấp huyện.",
            "nội dung liên quan đến nhiều lĩnh vực, phải chuyển cơ quan có thẩm quyền.",
        ])
    elif not value(field_key("I.3", "late")) and rng.random() < 0.5:
        notes[note_key("I.3")] = rng.choice(["Không có phản ánh, kiến nghị xử lý quá hạn.", "Không có PAKN nào xử lý quá hạn."])
    if rng.random() < 0.5:
        linked = value(field_key("I.6.4", "linked_dossiers"))
        lines = [rng.choice([
            f"Số liệu hồ sơ lấy từ Hệ thống thông tin giải quyết TTHC tỉnh đến ngày {period.date_to:%d/%m/%Y}.",
            f"Số liệu hồ sơ lấy từ Hệ thống thông tin giải quyết TTHC tỉnh đến ngày {period.date_to:%d/%m/%Y}.",
            f"Tổng số hồ sơ tiếp nhận tại báo cáo này nhiều hơn số trên Hệ thống thông tin giải quyết TTHC "
            f"{linked} hồ sơ do liên thông khai sinh, khai tử thực hiện trên phần mềm riêng, chưa đồng bộ.",
        ])]
        if value(cell_key("I.4", "dat_dai", "c10")) or value(cell_key("I.4", "dat_dai", "c13")):
            if rng.random() < 0.6:
                lines.append(rng.choice([("Hồ sơ quá hạn thuộc lĩnh vực đất đai do phải chờ kết quả đo đạc; "
                                          "đã có văn bản xin lỗi tổ chức, cá nhân."),
                                         ("Hồ sơ quá hạn lĩnh vực đất đai do chờ kết quả đo đạc, "
                                          "đã có văn bản xin lỗi tổ chức, cá nhân.")]))
        elif rng.random() < 0.6:
            lines.append(rng.choice(["Không có hồ sơ quá hạn.", "Trong kỳ không có hồ sơ quá hạn."]))
        notes[note_key("I.4")] = "\n".join(lines)
    if rng.random() < 0.5:
        online = sum(v for k, v in values.items() if k.startswith("I.4/") and k.endswith("/c4"))
        direct = sum(v for k, v in values.items() if k.startswith("I.4/") and k.endswith("/c5"))
        share = round(100 * online / (online + direct)) if online + direct else 0
        verdict = "vượt chỉ tiêu" if share >= 65 else "chưa đạt chỉ tiêu"
        notes[note_key("I.6.1")] = (f"Chỉ tiêu tiếp nhận hồ sơ trực tuyến huyện giao năm {period.date_to.year}: 65%; "
                                    f"{place} đạt {share}% số hồ sơ mới tiếp nhận, {verdict}.")
    return notes


def _own_texts(values: dict, ideas: dict, unit_name: str, rng) -> dict:
    """The generator's narrative texts (the same stock sentences for every unit) replaced by
    the unit's own, which paraphrase and contradict the other units' (demo_texts)."""
    from .demo_texts import unit_texts
    from .reporting.keys import text_key

    kept = {k: v for k, v in values.items() if not k.endswith("/text")}
    return kept | {text_key(section_id): text for section_id, text in unit_texts(ideas, unit_name, rng).items()}


def _store_values(submission, values: dict, when) -> None:
    from .models import SubmissionValue

    for key, value in values.items():
        db.session.add(SubmissionValue(submission_id=submission.id, key=key, version=1, updated_at=when,
                                       int_value=value if isinstance(value, int) else None,
                                       text_value=value if isinstance(value, str) else None))


def _fill(submission, values: dict, status: str, when) -> None:
    from .models import SubmissionDocument, SubmissionValue

    prefilled = set(db.session.scalars(select(SubmissionValue.key).where(SubmissionValue.submission_id == submission.id)))
    _store_values(submission, {k: v for k, v in values.items() if k not in prefilled}, when)
    db.session.add(SubmissionDocument(submission_id=submission.id, section_id="I.5.1", doc_type="KH", number="05/KH-UBND",
                                      issued_on=when.date().replace(day=5), summary="Kế hoạch cải cách hành chính năm", position=0))
    submission.status, submission.updated_at = status, when
    if status in ("submitted", "approved", "returned"):
        submission.first_submitted_at = submission.submitted_at = when
    if status == "approved":
        submission.approved_at = when


def seed_rounds(today=None) -> None:
    import random
    from datetime import datetime, timedelta

    from .models import ReviewComment
    from .reporting.periods import add_working_days, current_period, default_deadline, previous_period
    from .reporting.templates import shipped_templates
    from .services.rounds import default_expected_units, extend_deadline, open_round, round_template

    today = today or vn_today()
    rng = random.Random(2024)
    quarterly, monthly = shipped_templates()["quarterly_tthc"], shipped_templates()["monthly_tthc"]
    binh_son = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "QNG.BS"))
    quang_ngai = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "QNG"))
    hung_yen = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HYN"))
    reviewer = db.session.scalar(select(User).where(User.username == "tonghop.binhson"))

    # The quarter being reported now, with a deadline still ahead so the demo has work to do.
    period = current_period("quarter", today, quarterly.period_convention)
    deadline = max(default_deadline(period), add_working_days(today, 5))
    open_round(unit=quang_ngai, template=quarterly, period=period, deadline=add_working_days(deadline, 5),
                                expected=[binh_son], instructions="Các huyện tổng hợp báo cáo của xã, phòng và nộp lên tỉnh.",
                                opened_by=None)
    # Last quarter first, closed and approved, so this quarter opens with its carried-over
    # dossiers prefilled and shows "kỳ trước" beside each input.
    prev = previous_period(period)
    previous_round = open_round(unit=binh_son, template=quarterly, period=prev, deadline=default_deadline(prev),
                                expected=default_expected_units(binh_son, quarterly), instructions="", opened_by=reviewer)
    previous_round.status = "closed"
    db.session.flush()
    template = round_template(previous_round)
    past = datetime.combine(prev.date_to, datetime.min.time()) + timedelta(days=2, hours=2)
    earlier: dict[int, dict] = {}
    notes_rng = random.Random(13)
    for sub in previous_round.submissions:
        earlier[sub.unit_id] = _quarterly_values(template, rng)
        _fill(sub, earlier[sub.unit_id] | _quarterly_notes(sub.unit, earlier[sub.unit_id], prev, notes_rng), "approved", past)
    # Closed, reopened once for a correction (the reason on record, shown on the board), closed again.
    from .models import RoundEvent

    db.session.add_all([
        RoundEvent(round_id=previous_round.id, user_id=reviewer.id, action="close", at=past + timedelta(days=8)),
        RoundEvent(round_id=previous_round.id, user_id=reviewer.id, action="reopen", at=past + timedelta(days=11),
                   note="Xã Bình Chánh xin điều chỉnh số hồ sơ lĩnh vực đất đai (Công văn số 88/UBND-VP)."),
        RoundEvent(round_id=previous_round.id, user_id=reviewer.id, action="close", at=past + timedelta(days=12)),
    ])
    db.session.flush()
    district_round = open_round(unit=binh_son, template=quarterly, period=period, deadline=deadline,
                                expected=default_expected_units(binh_son, quarterly),
                                instructions="Đề nghị các xã, thị trấn và các phòng nộp đúng hạn; số liệu theo biểu 06a.",
                                opened_by=reviewer)
    db.session.flush()
    _seed_word_settings(binh_son, previous_round)
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=1)
    states = ["approved"] * 9 + ["submitted"] * 6 + ["returned"] * 2 + ["draft"] * 5
    texts_rng = random.Random(29)
    for sub, status in zip(sorted(district_round.submissions, key=lambda s: s.unit.sort_order), states):
        values = _quarterly_values(template, rng, earlier.get(sub.unit_id))
        values = _own_texts(values, QUARTERLY, sub.unit.name, texts_rng)
        _fill(sub, values | _quarterly_notes(sub.unit, values, period, notes_rng), status, now)
        if status == "returned":
            db.session.add(ReviewComment(submission_id=sub.id, section_id="I.4", author_id=reviewer.id, return_number=1,
                                         text="Đề nghị kiểm tra lại số hồ sơ lĩnh vực đất đai kỳ trước chuyển qua."))
    # One commune was granted a few more days (gia hạn), with the reason on record.
    draft = next(s for s in sorted(district_round.submissions, key=lambda s: s.unit.sort_order) if s.status == "draft")
    extend_deadline(district_round, reviewer, add_working_days(deadline, 3), "Công văn số 215/UBND-VP: xã bị ảnh hưởng mưa lũ, "
                    "đồng ý cho nộp chậm 3 ngày làm việc.", draft)
    # Chỉ thị 05/CT-UBND (after seed 004): tasks for every commune and office, reported on since last quarter.
    from .demo_directive import seed_directive

    seed_directive(binh_son, reviewer, previous_round, district_round, today)
    month = current_period("month", today, monthly.period_convention)
    open_round(unit=hung_yen, template=monthly, period=month, deadline=max(default_deadline(month), add_working_days(today, 3)),
               expected=default_expected_units(hung_yen, monthly), instructions="Báo cáo tháng về cải cách TTHC.", opened_by=None)
    seed_review_history(today, rng)
    # Last: the merger happens in the current quarter, after the history above was written.
    _demo_merger(binh_son, period.date_from)
    _seed_reviewer_drafts(district_round)


def _seed_word_settings(binh_son: OrgUnit, previous_round) -> None:
    """Last quarter's report as Bình Sơn sent it: its Word settings (which prefill this
    quarter's) and the reviewer's texts, written in the district's voice."""
    from .models import DocumentSettings, RoundNarrative

    db.session.add(DocumentSettings(
        unit_id=binh_son.id, round_id=previous_round.id, symbol="BC-UBND",
        request_doc="Công văn số 1311/VP-KSTTHCNC ngày 13/9/2021 của Văn phòng UBND tỉnh Quảng Ngãi",
        recipient="Văn phòng UBND tỉnh Quảng Ngãi",
        distribution="Như trên;\nTT Huyện ủy, TT HĐND huyện (b/c);\nCT, các PCT UBND huyện;\nLưu: VT.",
        signer_prefix="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", signer_title="PHÓ CHỦ TỊCH", signer_name="Nguyễn Văn Phong",
    ))
    texts = {
        "I.2": "UBND huyện chỉ đạo các phòng chuyên môn và UBND các xã, thị trấn rà soát các thủ tục hành chính "
               "thực hiện trực tuyến toàn trình và một phần để xây dựng quy trình điện tử.",
        "I.5.3": "100% thủ tục hành chính được tiếp nhận và trả kết quả tại Bộ phận Một cửa các cấp; kết quả giải "
                 "quyết được công khai trên Cổng dịch vụ công của tỉnh.",
        "II.1": "Nhìn chung, công tác kiểm soát thủ tục hành chính và thực hiện cơ chế một cửa, một cửa liên thông "
                "trên địa bàn huyện được triển khai đầy đủ, đúng tiến độ; việc giải quyết hồ sơ cơ bản đúng hạn.",
        "II.2": "- Một số xã còn chậm cập nhật hồ sơ trên phần mềm một cửa điện tử.\n"
                "- Cán bộ Bộ phận Một cửa cấp xã kiêm nhiệm nhiều việc; trang thiết bị đã xuống cấp.",
        "III": "1. Tiếp tục rà soát, công khai thủ tục hành chính thuộc thẩm quyền giải quyết của huyện và xã.\n"
               "2. Đẩy mạnh tiếp nhận hồ sơ trực tuyến; không để hồ sơ quá hạn.",
        "IV": "Đề nghị UBND tỉnh bố trí kinh phí nâng cấp trang thiết bị cho Bộ phận Một cửa cấp xã.",
    }
    for section_id, text in texts.items():
        db.session.add(RoundNarrative(round_id=previous_round.id, section_id=section_id, text=text))


def _seed_reviewer_drafts(district_round) -> None:
    """This quarter's consolidated report as the reviewer has started it: one section built
    from the units' grouped statements, and the dossier figures edited three days ago,
    before six more reports were approved, so the page shows that the figures moved since."""
    import re
    from datetime import timedelta

    from .models import RoundNarrative
    from .reporting.clock import utcnow
    from .reporting.keys import figures_part
    from .reporting.numbers import format_count
    from .services.consolidation import load_consolidation, round_figures, section_suggestion

    suggestion = section_suggestion(district_round, "II.2")
    if suggestion.groups:
        db.session.add(RoundNarrative(round_id=district_round.id, section_id="II.2",
                                      text=suggestion.text(list(range(min(2, len(suggestion.groups)))))))
    written = round_figures(load_consolidation(district_round))
    if "I.4" in written:
        lines = list(written["I.4"])
        # Three days ago the first total was 37 lower: that is the text the reviewer edited.
        first = re.search(r"\d{1,3}(?:\.\d{3})+|\d{2,}", lines[0])
        earlier = int(first.group(0).replace(".", "")) - 37 if first else 0
        then = [lines[0][:first.start()] + format_count(earlier) + lines[0][first.end():] if first else lines[0]] + lines[1:]
        edited = then + ["Số liệu trên đã được đối chiếu với Hệ thống thông tin giải quyết TTHC tỉnh."]
        db.session.add(RoundNarrative(round_id=district_round.id, section_id=figures_part("I.4"), text="\n".join(edited),
                                      basis="\n".join(then), updated_at=utcnow() - timedelta(days=3)))
    db.session.commit()


# --- Review at scale: history for trends, submissions spread over days, reminders ---------

def seed_review_history(today, rng) -> None:
    """Two more closed quarters for Bình Sơn (four side by side), submission times spread
    around each deadline (some late), the current rounds filled day by day, a few
    reminders recorded, and closed rounds' totals stored as closing does."""
    from datetime import datetime, timedelta

    from .models import Reminder, ReportingRound
    from .services.rounds import round_template
    from .services.trends import store_round_totals

    binh_son = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "QNG.BS"))
    reviewer = db.session.scalar(select(User).where(User.username == "tonghop.binhson"))
    rounds = db.session.scalars(select(ReportingRound).where(ReportingRound.unit_id == binh_son.id)
                                .order_by(ReportingRound.period_year, ReportingRound.period_index)).all()
    previous_round, current = rounds[0], rounds[-1]
    template = round_template(previous_round)
    _past_rounds(previous_round, 2, reviewer, lambda round_, sub: _fill(
        sub, _quarterly_values(template, rng), "approved", datetime.combine(round_.date_to, datetime.min.time())))
    closed = db.session.scalars(select(ReportingRound).where(ReportingRound.unit_id == binh_son.id,
                                                             ReportingRound.status == "closed")).all()
    for round_ in closed:
        # Most units on time, a few one to six days late, the same few more often.
        opened = datetime.combine(round_.date_to, datetime.min.time())
        round_.created_at = opened - timedelta(days=3)
        for sub in round_.submissions:
            slow = sub.unit.sort_order % 7 == 3
            offset = rng.randint(1, 6) if (slow and rng.random() < 0.8) or rng.random() < 0.08 else -rng.randint(0, 9)
            when = datetime.combine(round_.deadline, datetime.min.time()) + timedelta(days=offset, hours=rng.randint(1, 9))
            sub.first_submitted_at = sub.submitted_at = sub.updated_at = when
            sub.approved_at = when + timedelta(days=rng.randint(0, 3))
        db.session.flush()
        store_round_totals(round_)
    # This quarter: opened ten days ago, reports coming in day by day.
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=1)
    for round_ in (current, *db.session.scalars(select(ReportingRound).where(ReportingRound.status == "open",
                                                                            ReportingRound.unit_id != binh_son.id))):
        round_.created_at = now - timedelta(days=10)
        for sub in round_.submissions:
            if sub.first_submitted_at is not None:
                when = now - timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8))
                sub.first_submitted_at = sub.submitted_at = sub.updated_at = when
                if sub.approved_at is not None:
                    sub.approved_at = when + timedelta(hours=rng.randint(2, 30))
    for sub in current.submissions:
        if sub.status in ("draft", "returned") and sub.unit.sort_order % 2 == 0:
            db.session.add(Reminder(submission_id=sub.id, user_id=reviewer.id, at=now - timedelta(hours=20), channel="zalo"))
    seed_province_months(today, rng)


def _monthly_values(template, rng) -> dict:
    """A month's counts for the monthly template: feedback received = handled + in progress."""
    from .reporting.keys import field_key, text_key

    values = {field_key(s.id, f.id): rng.randint(0, 6) for s in template.sections_of("indicators") for f in s.fields}
    on_time, late, pending = rng.randint(0, 5), rng.choice((0, 0, 0, 1)), rng.randint(0, 2)
    values |= {field_key("I.2", "on_time"): on_time, field_key("I.2", "late"): late,
               field_key("I.2", "in_progress"): pending, field_key("I.2", "received"): on_time + late + pending}
    values[text_key("II.1")] = rng.choice([
        "Tiếp nhận, giải quyết TTHC đúng quy trình; niêm yết công khai đầy đủ.",
        "Duy trì tốt hoạt động của Bộ phận Một cửa; không có hồ sơ quá hạn.",
    ])
    return values


def _monthly_assessment(unit: OrgUnit, rng) -> dict:
    """This month's general assessment as units write it: stock sentences, the same sentence
    with the unit's own name and figures, and a few of their own."""
    from .reporting.keys import text_key

    roll = rng.random()
    if roll < 0.35:
        return {}  # the earlier months' stock sentence stays as drawn
    if roll < 0.7:
        # The same sentence with the unit's name and figures, or without its name; the rate
        # and the overdue dossiers agree (100 % and none, or less and how many).
        dossiers, late = rng.randint(40, 900), rng.choice((0, 0, 0, 1, 2))
        rate = 100 if not late else 100 - rng.choice((1, 2))
        opening = rng.choice((f"UBND {unit.name.replace('Xã', 'xã').replace('Phường', 'phường')} đã tiếp nhận",
                              "Trong tháng tiếp nhận", "Tiếp nhận"))
        outcome = "không có hồ sơ quá hạn" if not late else f"có {late} hồ sơ quá hạn"
        text = f"{opening} {dossiers} hồ sơ, giải quyết trước hạn, đúng hạn {rate}%; {outcome}."
    elif roll < 0.85:
        text = rng.choice((
            ("Bộ phận Một cửa hoạt động nền nếp; cán bộ tiếp nhận kiêm nhiệm nhiều việc nên "
             "việc cập nhật hồ sơ lên Hệ thống thông tin giải quyết TTHC còn chậm."),
            ("Bộ phận Tiếp nhận và Trả kết quả hoạt động nề nếp; cán bộ tiếp nhận kiêm nhiệm nhiều việc nên "
             "việc cập nhật hồ sơ lên Hệ thống thông tin giải quyết thủ tục hành chính chậm."),
        ))
    else:
        text = rng.choice([
            f"Tổ chức {rng.randint(1, 3)} buổi tuyên truyền về dịch vụ công trực tuyến tại nhà văn hóa thôn.",
            "Trang thiết bị của Bộ phận Một cửa đã cũ, máy quét hỏng, đề nghị được hỗ trợ thay thế.",
            "Đường truyền Internet không ổn định, ảnh hưởng tới việc tiếp nhận hồ sơ trực tuyến.",
        ])
    return {text_key("II.1"): text}


def _monthly_notes(values: dict, rng) -> dict:
    """A month's note on feedback, as a third of the units write one."""
    from .reporting.keys import field_key, note_key

    if rng.random() >= 0.35:
        return {}
    received, late = values.get(field_key("I.2", "received")), values.get(field_key("I.2", "late"))
    if late and rng.random() < 0.6:
        return {note_key("I.2"): rng.choice([f"Có {late} PAKN xử lý quá hạn do phải lấy ý kiến cơ quan chuyên môn.",
                                             f"Có {late} phản ánh, kiến nghị xử lý quá hạn do phải lấy ý kiến cơ quan chuyên môn."])}
    if received:
        return {note_key("I.2"): rng.choice([
            "Các PAKN chủ yếu thuộc lĩnh vực đất đai, đã chuyển cơ quan chuyên môn xử lý theo quy định.",
            f"{received} PAKN tiếp nhận qua Hệ thống tiếp nhận PAKN của tỉnh; đã trả lời công khai trên hệ thống.",
            f"{received} phản ánh, kiến nghị tiếp nhận qua Hệ thống tiếp nhận PAKN của tỉnh; đã trả lời công khai trên hệ thống.",
            f"{received} PAKN tiếp nhận qua Hệ thống tiếp nhận PAKN của tỉnh; chưa trả lời công khai trên hệ thống.",
            "Không có PAKN về quy định hành chính; các PAKN về hành vi hành chính đã được trả lời đúng hạn.",
        ])}
    return {note_key("I.2"): rng.choice(["Không nhận được phản ánh, kiến nghị nào trong tháng.",
                                         "Không nhận được phản ánh, kiến nghị nào trong tháng.",
                                         "Trong tháng, trên Hệ thống tiếp nhận PAKN của tỉnh, đơn vị không nhận được PAKN nào."])}


def _past_rounds(latest, count: int, opened_by, fill) -> list:
    """The ``count`` periods before ``latest``'s, each a closed round of the same unit and
    template whose submissions ``fill(round, submission)`` fills."""
    from .reporting.periods import default_deadline, previous_period
    from .services.rounds import default_expected_units, open_round, round_period, round_template

    template, period, rounds = round_template(latest), round_period(latest), []
    for _ in range(count):
        period = previous_period(period)
        round_ = open_round(unit=latest.unit, template=template, period=period, deadline=default_deadline(period),
                            expected=default_expected_units(latest.unit, template), instructions="", opened_by=opened_by)
        round_.status = "closed"
        db.session.flush()
        for sub in round_.submissions:
            fill(round_, sub)
        rounds.append(round_)
    return rounds


def seed_province_months(today, rng) -> None:
    """Hưng Yên (110 units) at scale: three closed months with their totals stored, and this
    month's reports coming in over ten days, so the board, the queue and the trends have work."""
    import random
    from datetime import datetime, timedelta

    from .models import ReportingRound
    from .services.rounds import round_template
    from .services.trends import store_round_totals

    def put(sub, values: dict, state: str, when) -> None:
        _store_values(sub, values, when)
        sub.status, sub.updated_at = state, when
        if state != "draft":
            sub.first_submitted_at = sub.submitted_at = when
        if state == "approved":
            sub.approved_at = when + timedelta(hours=rng.randint(2, 30))

    hung_yen = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HYN"))
    current = db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == hung_yen.id))
    template = round_template(current)
    for month in _past_rounds(current, 3, None, lambda round_, sub: put(
            sub, _monthly_values(template, rng), "approved",
            datetime.combine(round_.deadline, datetime.min.time())
            + timedelta(days=rng.choice((-4, -2, -1, 0, 0, 1, 3)), hours=rng.randint(1, 9)))):
        db.session.flush()
        store_round_totals(month)
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=1)
    current.created_at = now - timedelta(days=10)
    states = ["approved"] * 5 + ["submitted"] * 3 + ["returned", "draft", "not_started", "not_started"]
    notes_rng, texts_rng = random.Random(17), random.Random(23)
    for n, sub in enumerate(sorted(current.submissions, key=lambda s: (s.unit.sort_order, s.unit.name))):
        state = states[n % len(states)]
        if state == "not_started":
            continue
        values = _monthly_values(template, rng) | _monthly_assessment(sub.unit, texts_rng)
        values |= _own_texts({}, MONTHLY, sub.unit.name, texts_rng)
        put(sub, values | _monthly_notes(values, notes_rng), state,
            now - timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8)))


VAN_TUONG_FROM = ("Xã Bình Đông", "Xã Bình Hải", "Xã Bình Thuận", "Xã Bình Trị")


def _demo_merger(binh_son: OrgUnit, effective_on) -> None:
    """Four communes merged into Vạn Tường during the current quarter: their unsubmitted
    reports close and Vạn Tường reports for them, with last quarter's figures summed as its
    "kỳ trước"; what they already submitted, and last quarter, stay as they were."""
    from .services.reorganisation import record_merger

    merged = db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == binh_son.id, OrgUnit.name.in_(VAN_TUONG_FROM))).all()
    van_tuong = add_unit("QNG.BS.X23", "Xã Vạn Tường", "commune", binh_son, place_name="Vạn Tường",
                         sort_order=min(u.sort_order for u in merged))
    _user("xa.vantuong", "Trương Thị Hoa", "reporter", van_tuong, "0905 123 456")
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    record_merger(list(merged), van_tuong, effective_on, admin, today=effective_on)
