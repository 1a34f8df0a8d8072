"""A round's frozen template is found by its digest: a save reads 64 characters, not the text."""
from __future__ import annotations

from sqlalchemy import event, update

from app.extensions import db
from app.models import ReportingRound
from app.reporting.templates import frozen_digest
from app.services import rounds
from app.services.rounds import round_template
from app.services.submissions import load_for_save
from tests.factories import make_round, make_tree, make_user, submission_for


def test_every_write_keeps_the_digest_of_the_text_and_catalogue():
    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    db.session.commit()
    assert round_.template_digest == frozen_digest(round_.template_source, round_.catalogue_json)
    round_.catalogue_json = "[]"
    db.session.commit()
    assert round_.template_digest == frozen_digest(round_.template_source, "[]")


def test_a_save_finds_the_template_by_digest_and_never_trusts_a_wrong_one():
    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    officer = make_user(units[0])
    db.session.commit()
    expected = round_template(round_)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        saved = load_for_save(officer, sub.id)
        assert round_template(saved.round) is expected
        assert not any("template_source" in s for s in statements)  # found by digest: the text is not read
        # A digest that names no template this worker parsed (here: not the text's own) reads
        # the text and parses it; what is kept is filed under the text's own digest.
        db.session.execute(update(ReportingRound).where(ReportingRound.id == round_.id).values(template_digest="0" * 64))
        rounds._BY_DIGEST.clear()
        saved = load_for_save(officer, sub.id)
        assert round_template(saved.round).code == expected.code
        assert any("template_source" in s for s in statements)
        assert "0" * 64 not in rounds._BY_DIGEST
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
