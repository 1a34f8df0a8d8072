"""An autosave reads only the cells its reply is computed from (the saved cell's column and
the columns summing it); the computed cells it sends back must be those a full computation
over every stored value gives."""
from __future__ import annotations

import random
import re

from app.demo import _quarterly_values, seed_fields
from app.extensions import db
from app.reporting.keys import cell_key, field_key, score_key
from app.reporting.numbers import format_count, format_score
from app.reporting.validation import compute
from app.services.rounds import round_template
from app.services.submissions import plain_values, stored_values
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

OOB_CELL = re.compile(r'<td id="k-([^"]+)" class="computed num[^"]*" data-hx-swap-oob=true data-rev="\d+">([^<]*)<')
VERSION = re.compile(r'id="ver-k-[^"]+" name="ver\.([^"]+)" value="(\d+)"')


def dom_key(full_values: dict, dom: str) -> str:
    return next(k for k in full_values if "k-" + re.sub(r"[^A-Za-z0-9_-]", "-", k) == "k-" + dom)


def test_every_computed_cell_an_autosave_sends_is_the_full_computation(client):
    seed_fields()
    db.session.commit()
    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    template = round_template(round_)
    sub = submission_for(round_, units[0])
    set_values(sub, _quarterly_values(template, random.Random(3)))
    login_as(client, make_user(units[0]))
    rng = random.Random(11)
    table = next(s for s in template.sections if s.kind == "table")
    survey = next(s for s in template.sections if s.kind == "satisfaction")
    keys = [cell_key(table.id, row.code, column.id) for row in table.rows for column in table.input_columns]
    keys = rng.sample(keys, 25) + [field_key(survey.id, f.id) for f in survey.fields_with_role("index")][:3]
    for key in keys:
        version = stored_values(sub.id).get(key)
        typed = str(rng.randint(0, 900)) if key.startswith(table.id) else f"1,{rng.randint(0, 9)}"
        response = client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                               data={f"v.{key}": typed, f"ver.{key}": str(version.version if version else 0)})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (key, body[:300])
        db.session.expire_all()
        stored = stored_values(sub.id)
        full = compute(template, plain_values(stored))
        assert dict(VERSION.findall(body)) == {key: str(stored[key].version)}
        if key.startswith(table.id):
            sent = {dom_key(full, dom): text for dom, text in OOB_CELL.findall(body)}
            assert sent, key
            assert sent == {k: format_count(full[k]) for k in sent}, key
        else:  # a survey index: the score sums every index of the survey
            score = format_score(full[score_key(survey.id)])  # as the page shows it
            assert re.search(r'id="score-k-I-5-5" data-hx-swap-oob=true data-rev="\d+">.*?>' + re.escape(score) + " — ", body, re.S), key


def test_the_usual_reply_is_what_the_page_macros_render(app, client):
    """app/entry/saved_reply.py writes out what _saved.html renders through the page's macros
    for a saved value: a change to those macros must be made in both."""
    from flask import render_template

    from app.entry.views import page_context
    from app.services.submission_page import autosave_values, derived_keys_for, quick_page
    from app.services.submissions import load_submission

    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    set_values(sub, {"I.4/ho_tich/c5": 7, "I.4/dat_dai/c4": 3, "I.1/published": 4})
    user = make_user(units[0])
    login_as(client, user)
    for key, typed in (("I.4/ho_tich/c4", "12"), ("I.4/ho_tich/c12", "1.234"), ("I.1/published", "5"),
                       ("I.2/text", "Đã <b>rà soát</b> & công khai"), ("I.4/note", "Số liệu đến 14/6 \"tạm\""),
                       ("I.4/ho_tich/c4", "")):
        version = stored_values(sub.id).get(key)
        response = client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                               data={f"v.{key}": typed, f"ver.{key}": str(version.version if version else 0)})
        assert response.status_code == 200
        with app.test_request_context():
            db.session.expire_all()  # the version the save claimed
            saved = load_submission(user, sub.id)
            template = round_template(saved.round)
            page = quick_page(saved, autosave_values(sub.id, template, key), key.split("/")[0], key,
                              revision=saved.version, errors={}, conflicts={}, typed={})
            expected = render_template("entry/_saved.html", **page_context(
                page, key=key, section=template.section(key.split("/")[0]), saved_at=response.headers["X-Saved-At"],
                derived_keys=derived_keys_for(template, key)))
        assert response.get_data(as_text=True).strip() == expected.strip(), key
