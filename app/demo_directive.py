"""Demo: a district chairman's directive on administrative reform (after seed 004, a real
chỉ thị of February 2021) recorded for Bình Sơn, its tasks assigned as the text assigns
them, and the progress units reported on it in last quarter's and this quarter's reports.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from .extensions import db
from .models import (
    Directive,
    DirectiveAssignment,
    DirectiveLog,
    DirectiveTask,
    OrgUnit,
    ReportingRound,
    RoundFollowUp,
    SubmissionValue,
    User,
)
from .reporting.directives import DONE, IN_PROGRESS, NOT_STARTED
from .reporting.keys import followup_key

FOLLOWUP_TEMPLATES = "quarterly_tthc,halfyear_onestop"
CULTURE_CENTRE = "Trung tâm Văn hóa - Thông tin - Thể thao"

TITLE = ("Về đẩy mạnh công tác cải cách hành chính, nâng cao chất lượng giải quyết thủ tục hành chính "
         "trên địa bàn huyện Bình Sơn")
SIGNER = "KT. Chủ tịch, Phó Chủ tịch Nguyễn Xuân Việt"

# (label, who: "all" = offices' heads and communes' chairmen | an office name | "district", content)
TASKS = [
    ("1.a", "all", "Tiếp tục quán triệt, tuyên truyền và thực hiện nghiêm túc Chỉ thị số 30/CT-TTg ngày 30/10/2018 của "
     "Thủ tướng Chính phủ về nâng cao chất lượng giải quyết thủ tục hành chính tại các bộ, ngành, địa phương và các văn "
     "bản của tỉnh, huyện về công tác cải cách thủ tục hành chính."),
    ("1.b", "all", "Trực tiếp chỉ đạo việc tổ chức thực hiện công tác cải cách hành chính, cải cách thủ tục hành chính, "
     "ứng dụng công nghệ thông tin phục vụ tổ chức, người dân trong giải quyết thủ tục hành chính thuộc phạm vi ngành, lĩnh vực."),
    ("1.c", "all", "Bố trí đầy đủ cán bộ, công chức, viên chức chính thức và dự phòng làm việc thường xuyên tại Bộ phận "
     "Tiếp nhận và trả kết quả, thực hiện đúng trách nhiệm theo quy định."),
    ("1.d", "all", "Thường xuyên theo dõi, chấn chỉnh việc giải quyết thủ tục hành chính tại cơ quan, đơn vị, địa phương "
     "mình; hồ sơ bị quá hạn trả kết quả giải quyết thì phải thực hiện xin lỗi tổ chức, cá nhân, nêu rõ lý do quá hạn và "
     "hẹn lại ngày trả kết quả theo đúng quy định."),
    ("1.đ", "all", "Thực hiện công khai, minh bạch toàn bộ thủ tục hành chính, quy trình giải quyết, phí, lệ phí; nghiêm "
     "túc xử lý các phản ánh, kiến nghị của tổ chức, cá nhân về thủ tục hành chính theo đúng quy định."),
    ("1.e", "all", "Triển khai đánh giá mức độ hài lòng của tổ chức, cá nhân đối với việc giải quyết thủ tục hành chính "
     "tại Bộ phận tiếp nhận và trả kết quả cấp huyện, cấp xã bảo đảm thực chất, tránh hình thức."),
    ("1.g", "all", "Đẩy mạnh giải quyết thủ tục hành chính thông qua dịch vụ công trực tuyến mức độ 3, mức độ 4; tăng "
     "cường thông tin, tuyên truyền để tổ chức, người dân thực hiện thủ tục hành chính qua dịch vụ công trực tuyến."),
    ("2", "district+Phòng Nội vụ", "Văn phòng HĐND và UBND huyện phối hợp với Phòng Nội vụ và các cơ quan liên quan: "
     "theo dõi, kiểm tra định kỳ và đột xuất việc giải quyết thủ tục hành chính tại Bộ phận Tiếp nhận và trả kết quả "
     "cấp huyện, cấp xã; tham mưu kiểm tra, đề xuất xử lý nghiêm các trường hợp vi phạm, nhất là hành vi nhũng nhiễu, "
     "gây khó khăn cho tổ chức, cá nhân."),
    ("3", "Phòng Nội vụ", "Đẩy mạnh kiểm tra việc thực hiện trách nhiệm của người đứng đầu cơ quan hành chính nhà nước "
     "trong thực hiện nhiệm vụ cải cách hành chính; kịp thời đề xuất khen thưởng tập thể, cá nhân thực hiện xuất sắc và "
     "tham mưu xử lý nghiêm các trường hợp vi phạm."),
    ("4", "Phòng Văn hóa và Thông tin", "Khẩn trương đẩy mạnh tuyên truyền để nâng cao nhận thức về dịch vụ công trực "
     "tuyến, dịch vụ chứng thực bản sao điện tử từ bản chính và tiếp nhận hồ sơ, trả kết quả qua dịch vụ bưu chính công "
     "ích; chủ trì phối hợp với Văn phòng HĐND và UBND huyện tham mưu triển khai có hiệu quả dịch vụ bưu chính công ích."),
    ("5", CULTURE_CENTRE, "Chủ động xây dựng kế hoạch, hình thức tuyên truyền, phổ biến, phản ánh các hoạt động liên quan "
     "đến cải cách thủ tục hành chính, trong đó tập trung tuyên truyền về thực hiện dịch vụ công trực tuyến."),
    ("6", "Chi nhánh Văn phòng Đăng ký đất đai", "Khẩn trương có biện pháp chấn chỉnh, xử lý ngay việc để hồ sơ tồn đọng, "
     "quá hạn nhiều, gây bức xúc cho người dân trong giải quyết các thủ tục hành chính về đất đai đối với hộ gia đình, cá nhân."),
]

FULL_TEXT = ("Để đẩy mạnh công tác cải cách hành chính, nâng cao chất lượng giải quyết thủ tục hành chính trên địa bàn "
             "huyện, Chủ tịch UBND huyện chỉ thị:\n"
             + "\n".join(f"{label}. {content}" for label, _, content in TASKS)
             + "\nYêu cầu Thủ trưởng cơ quan, đơn vị; Chủ tịch UBND các xã, thị trấn nghiêm túc, khẩn trương triển "
               "khai thực hiện Chỉ thị này./.")

# What units write, a few wordings per task so the reviewer's suggestion groups them.
DONE_TEXTS = {
    "1.a": ["Đã tổ chức hội nghị quán triệt Chỉ thị đến toàn thể cán bộ, công chức.",
            "Đã quán triệt tại cuộc họp giao ban và đăng tải trên trang thông tin điện tử."],
    "1.c": ["Đã bố trí 02 công chức chính thức và 01 công chức dự phòng tại Bộ phận Một cửa."],
    "1.đ": ["100% TTHC được niêm yết công khai tại Bộ phận Một cửa và trên Cổng dịch vụ công."],
    "1.e": ["Đã triển khai đánh giá mức độ hài lòng qua phiếu khảo sát và thiết bị đánh giá tại quầy."],
}
PROGRESS_TEXTS = {
    "1.b": ["Chủ tịch UBND trực tiếp chỉ đạo; đang rà soát quy trình nội bộ giải quyết TTHC."],
    "1.d": ["Hằng tháng rà soát hồ sơ trễ hạn; đã gửi thư xin lỗi đối với hồ sơ quá hạn.",
            "Đang chấn chỉnh việc tiếp nhận hồ sơ tại Bộ phận Một cửa."],
    "1.g": ["Tỷ lệ hồ sơ trực tuyến còn thấp; đang hướng dẫn người dân nộp hồ sơ qua Cổng dịch vụ công.",
            "Đã cử đoàn viên thanh niên hỗ trợ người dân nộp hồ sơ trực tuyến."],
}
OFFICE_TEXTS = {
    "2": "Đã kiểm tra đột xuất Bộ phận Một cửa của 05 xã; chưa phát hiện hành vi nhũng nhiễu.",
    "3": "Đang xây dựng kế hoạch kiểm tra trách nhiệm người đứng đầu năm nay; dự kiến kiểm tra 08 cơ quan, đơn vị.",
    "4": "Đã phát hành 02 chuyên mục trên Đài Truyền thanh huyện và 500 tờ rơi hướng dẫn dịch vụ công trực tuyến.",
    "5": "Đã xây dựng kế hoạch tuyên truyền; đang thực hiện phóng sự về dịch vụ công trực tuyến.",
    "6": "Đang rà soát 146 hồ sơ tồn đọng; đã giải quyết 58 hồ sơ, còn 88 hồ sơ quá hạn.",
}


def _text_for(label: str, status: str, rng: random.Random) -> str:
    if status == DONE:
        return rng.choice(DONE_TEXTS.get(label) or ["Đã triển khai thực hiện đầy đủ nội dung Chỉ thị."])
    if status == IN_PROGRESS:
        return rng.choice(PROGRESS_TEXTS.get(label) or ["Đang triển khai thực hiện theo kế hoạch."])
    return ""


def _put(submission_id: int, key: str, value: str, when: datetime) -> None:
    db.session.add(SubmissionValue(submission_id=submission_id, key=key, text_value=value, version=1, updated_at=when))


def seed_directive(district: OrgUnit, reviewer: User, previous_round: ReportingRound, current_round: ReportingRound,
                   today) -> Directive:
    """Record the directive early in last quarter, with its tasks, and the units' progress."""
    rng = random.Random(4)
    children = db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == district.id)).all()
    offices = {u.name: u for u in children if u.kind == "office"}
    communes = [u for u in children if u.kind in ("commune", "ward", "town")]
    issued = previous_round.date_from + timedelta(days=12)
    directive = Directive(unit=district, doc_type="CT", number="05/CT-UBND", issued_on=issued, title=TITLE, signer=SIGNER,
                          full_text=FULL_TEXT, created_by_id=reviewer.id,
                          created_at=datetime.combine(issued, datetime.min.time()) + timedelta(hours=3))
    db.session.add(directive)
    tasks: dict[str, DirectiveTask] = {}
    for position, (label, who, content) in enumerate(TASKS, start=1):
        if who == "all":
            units, scope = communes + list(offices.values()), "communes,offices"
        elif who == "district+Phòng Nội vụ":
            units, scope = [district, offices["Phòng Nội vụ"]], ""
        else:
            units, scope = [offices[who]], ""
        # The land registration branch was given a month: it is late.
        due = issued + timedelta(days=30) if label == "6" else None
        task = DirectiveTask(directive=directive, position=position, label=label, content=content, due_on=due, scope=scope,
                             template_codes=FOLLOWUP_TEMPLATES, assignments=[DirectiveAssignment(unit=u) for u in units])
        db.session.add(task)
        tasks[label] = task
    db.session.flush()
    db.session.add(DirectiveLog(directive_id=directive.id, user_id=reviewer.id, action="create", at=directive.created_at,
                                new_value="Chỉ thị số 05/CT-UBND"))
    _report(tasks, previous_round, None, rng)
    _report(tasks, current_round, previous_round, rng)
    # The district itself (Văn phòng HĐND và UBND) reports on task 2 in its own consolidation,
    # and the reviewer has started writing the consolidated text of two tasks.
    when = datetime.combine(today, datetime.min.time())
    db.session.add(RoundFollowUp(round_id=current_round.id, task_id=tasks["2"].id, status=IN_PROGRESS, updated_by_id=reviewer.id,
                                 updated_at=when, text="Văn phòng HĐND và UBND huyện phối hợp Phòng Nội vụ kiểm tra đột xuất "
                                 "Bộ phận Một cửa của 05 xã, thị trấn; chưa phát hiện hành vi nhũng nhiễu, gây khó khăn."))
    db.session.add(RoundFollowUp(round_id=current_round.id, task_id=tasks["6"].id, status="", updated_by_id=reviewer.id,
                                 updated_at=when, text="Chi nhánh Văn phòng Đăng ký đất đai chưa hoàn thành việc xử lý hồ sơ "
                                 "tồn đọng theo thời hạn Chỉ thị yêu cầu; UBND huyện đã có văn bản chấn chỉnh."))
    return directive


def _report(tasks: dict[str, DirectiveTask], round_: ReportingRound, previous: ReportingRound | None, rng: random.Random) -> None:
    """Each reporting unit's word on its tasks, for submissions that have been filled in."""
    before: dict[tuple[int, int], str] = {}
    if previous is not None:
        for row in db.session.scalars(select(SubmissionValue).where(
                SubmissionValue.submission_id.in_([s.id for s in previous.submissions]), SubmissionValue.key.like("I.9/t%/status"))):
            unit_id = next(s.unit_id for s in previous.submissions if s.id == row.submission_id)
            before[(unit_id, int(row.key.split("/")[1][1:]))] = row.text_value
    for sub in sorted(round_.submissions, key=lambda s: s.unit.sort_order):
        if sub.status == "not_started":
            continue
        # Drafts start from what the unit said last quarter; two of them have already updated one task.
        if sub.status == "draft" and rng.random() < 0.6:
            continue
        when = sub.updated_at or datetime.combine(round_.date_to, datetime.min.time())
        for label, task in tasks.items():
            if sub.unit_id not in {a.unit_id for a in task.assignments}:
                continue
            last = before.get((sub.unit_id, task.id))
            if previous is None and label not in OFFICE_TEXTS and rng.random() < 0.08:
                continue  # a few units said nothing about a task last quarter
            if label in OFFICE_TEXTS:
                status = IN_PROGRESS if label != "4" else DONE
                text = OFFICE_TEXTS[label]
            elif last == DONE:
                status, text = DONE, _text_for(label, DONE, rng)
            elif last is not None:
                status = DONE if rng.random() < 0.55 else IN_PROGRESS
                text = _text_for(label, status, rng)
            else:
                status = rng.choices([IN_PROGRESS, DONE, NOT_STARTED], weights=[6, 3, 1])[0]
                text = _text_for(label, status, rng)
            _put(sub.id, followup_key("I.9", task.id, "status"), status, when)
            if text:
                _put(sub.id, followup_key("I.9", task.id, "text"), text, when)
            if label in ("1.a", "4") and status == DONE:
                _put(sub.id, followup_key("I.9", task.id, "docs"),
                     f"Kế hoạch số {rng.randint(10, 60)}/KH-UBND ngày {round_.date_from.strftime('%d/%m/%Y')} triển khai Chỉ thị 05/CT-UBND",
                     when)
