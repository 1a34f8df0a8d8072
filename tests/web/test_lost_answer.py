"""A save that committed but whose answer was lost (the worker killed, the network cut): the
officer's page still shows the old version and sends the same value again. That is the
value stored — answered as saved, with the stored version, never as a conflict with
himself (issue 26)."""
from __future__ import annotations

from flask import g

from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, submission_for

CELL = "I.4/ho_tich/c4"
TEXT = "I.2/text"


def save(client, sub_id: int, key: str, value: str, version: int, htmx: bool = True):
    g.pop("_login_user", None)
    response = client.post(f"/submissions/{sub_id}/save", data={f"v.{key}": value, f"ver.{key}": str(version)},
                           headers={"HX-Request": "true"} if htmx else {})
    g.pop("_login_user", None)
    return response


def test_the_same_value_sent_again_with_the_version_before_it_is_answered_as_saved(app, client):
    _, district, units = make_tree(1)
    user = make_user(units[0])
    sub = submission_for(make_round(district, expected=units), units[0])
    login_as(client, user)
    for key, value in ((CELL, "15256"), (TEXT, "Đã rà soát 12 thủ tục.")):
        first = save(client, sub.id, key, value, 0)
        assert first.status_code == 200
        # The answer never arrived: the page sends the same value with the version it had.
        again = save(client, sub.id, key, value, 0)
        assert again.status_code == 200, again.get_data(as_text=True)[:300]
        body = again.get_data(as_text=True)
        assert "Đã lưu lúc" in body
        # The page learns the stored version: its next keystroke is not a conflict either.
        assert f'name="ver.{key}" value="1"' in body
        plain = save(client, sub.id, key, value, 0, htmx=False)
        assert plain.status_code == 303
        assert save(client, sub.id, key, value + "1", 1).status_code == 200
        # A different value against the stale version is still a conflict.
        assert save(client, sub.id, key, value + "9", 1).status_code == 409
