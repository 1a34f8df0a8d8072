"""Issue 21, item 2: a reviewer's comment on every section reaches the server, whichever
"Trả lại kèm ý kiến" button sends it, on each kind of demo report — a commune's quarterly
report with the directive follow-up section (I.9), the district's own report to the
province, and a commune's monthly report in Hưng Yên."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD, seed_demo
from app.extensions import db
from app.models import OrgUnit, ReportingRound, ReviewComment, Submission, User
from app.reporting.clock import utcnow

from .conftest import login

pytestmark = pytest.mark.browser


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def demo():
    seed_demo()
    db.session.commit()
    binh_son, quang_ngai, hung_yen = _unit("QNG.BS"), _unit("QNG"), _unit("HYN")
    district_round = db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == binh_son.id,
                                                                    ReportingRound.status == "open"))
    commune = next(s for s in sorted(district_round.submissions, key=lambda s: s.unit.sort_order) if s.status == "submitted")
    upward_round = db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == quang_ngai.id,
                                                                  ReportingRound.status == "open"))
    district = next(s for s in upward_round.submissions if s.unit_id == binh_son.id)
    monthly_round = db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == hung_yen.id,
                                                                   ReportingRound.status == "open"))
    monthly = next(s for s in sorted(monthly_round.submissions, key=lambda s: s.unit.sort_order) if s.status == "submitted")
    # The district's report upward, as sent (its figures do not matter to the comments).
    district.status = "submitted"
    district.first_submitted_at = district.submitted_at = utcnow()
    db.session.commit()
    return [(commune, "tonghop.binhson"), (district, "tonghop.quangngai"), (monthly, "tonghop.hungyen")]


@pytest.mark.parametrize("button", ["top", "bottom"])
def test_a_comment_on_every_section_is_kept_whichever_button_returns_the_report(new_context, demo, button):
    for sub, reviewer in demo:
        page = new_context().new_page()
        login(page, _user(reviewer), DEMO_PASSWORD)
        page.goto(f"/rounds/submissions/{sub.id}")
        if sub.round.unit.code == "QNG.BS":
            expect(page.locator(".followup-task").first).to_be_visible()  # the follow-up section I.9 is there
        boxes = page.locator("textarea.comment-box")
        names = boxes.evaluate_all("els => els.map(e => e.name)")
        assert len(names) > 5
        for i, name in enumerate(names):
            box = boxes.nth(i)
            box.evaluate("el => el.closest('details').open = true")
            box.fill(f"Ý kiến {i + 1} cho {name.removeprefix('comment.')}")
        page.locator(".review-actions").first.wait_for()
        actions = page.locator(".review-actions")
        (actions.first if button == "top" else actions.last).get_by_role("button", name="Trả lại kèm ý kiến").click()
        expect(page.locator(".flash-success")).to_contain_text(f"với {len(names)} ý kiến")
        db.session.expire_all()
        kept = {c.section_id: c.text for c in db.session.scalars(select(ReviewComment).where(
            ReviewComment.submission_id == sub.id, ReviewComment.return_number == (
                select(db.func.max(ReviewComment.return_number)).where(ReviewComment.submission_id == sub.id)
                .scalar_subquery())))}
        expected = {name.removeprefix("comment."): f"Ý kiến {i + 1} cho {name.removeprefix('comment.')}"
                    for i, name in enumerate(names)}
        assert kept == expected
        assert db.session.get(Submission, sub.id).status == "returned"
        page.close()


def test_the_demo_reports_fit_the_window_at_1366_and_320_px(new_context, demo):
    from .test_lost_screens import too_wide

    failures = []
    for sub, reviewer in demo:
        reporter = db.session.scalar(select(User).where(User.unit_id == sub.unit_id, User.role == "reporter"))
        for width in (1366, 320):
            for user, url in ((_user(reviewer), f"/rounds/submissions/{sub.id}"), (reporter, f"/submissions/{sub.id}")):
                if user is None:
                    continue
                context = new_context(viewport={"width": width, "height": 800})
                page = context.new_page()
                login(page, user, DEMO_PASSWORD)
                page.goto(url)
                wide = too_wide(page)
                if wide:
                    failures.append(f"{width} px {url} ({user.username}): {wide}")
                context.close()
    assert failures == [], "\n".join(failures)
