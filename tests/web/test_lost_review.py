"""Issue 21, item 8: the resubmission diff shows before and after in their own columns, the
reviewer's comment on the section beside them and when the report came back; the warnings
heading counts only what is still unexplained; a save of another day shows its day."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import SubmissionValue
from app.reporting.clock import utcnow
from tests.conftest import login_as
from tests.factories import set_values, submission_for
from tests.web.test_review import HX, as_user, world  # noqa: F401  (fixture)


def test_the_diff_puts_before_and_after_in_their_columns_beside_the_comment(client, world):  # noqa: F811
    round_, unit = world["round"], world["units"][0]
    sub = submission_for(round_, unit)
    set_values(sub, {"I.4/ho_tich/c4": 10, "I.4/ho_tich/c8": 10, "II.1/text": "Hoàn thành kế hoạch.\nChưa có hồ sơ trễ."}, status="submitted")
    as_user(client, world["reviewer"])
    client.post(f"/rounds/submissions/{sub.id}/return", data={"comment.II.1": "Nêu rõ số hồ sơ trễ hạn."})
    as_user(client, world["reporters"][0])
    client.post(f"/submissions/{sub.id}/save", data={"v.II.1/text": "Hoàn thành kế hoạch.\nCó 2 hồ sơ trễ hạn.",
                                                     "ver.II.1/text": "1"}, headers=HX)
    assert client.post(f"/submissions/{sub.id}/submit").status_code == 303

    as_user(client, world["reviewer"])
    body = client.get(f"/rounds/submissions/{sub.id}").get_data(as_text=True)
    changes = re.search(r'<section class="card changes" id="changes">(.*?)</section>', body, re.DOTALL).group(1)
    assert re.search(r"Nộp lại lúc \d\d:\d\d \d\d/\d\d/\d{4}", changes)
    row = re.search(r"<tr><td>II.1[^<]*</td>(.*?)</tr>", changes, re.DOTALL).group(1)
    before, after, comment = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
    assert "Chưa có hồ sơ trễ." in before and "Có 2 hồ sơ trễ hạn." not in before
    assert "Có 2 hồ sơ trễ hạn." in after and "Chưa có hồ sơ trễ." not in after
    assert "Hoàn thành kế hoạch." in before and "Hoàn thành kế hoạch." in after
    assert "Nêu rõ số hồ sơ trễ hạn." in comment


def test_a_save_of_another_day_shows_its_day(client, world):  # noqa: F811
    sub = submission_for(world["round"], world["units"][0])
    set_values(sub, {"I.1/published": 3})
    db.session.query(SubmissionValue).update({"updated_at": utcnow() - timedelta(days=3)})
    db.session.commit()
    login_as(client, world["reporters"][0])
    body = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    status = re.search(r'<p id="save-status"[^>]*>(.*?)</p>', body, re.DOTALL).group(1)
    assert re.fullmatch(r"Đã lưu lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}", status.strip())
