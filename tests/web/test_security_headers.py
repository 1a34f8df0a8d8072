"""Every answer carries the security headers, once each; a view's own value is kept."""
from __future__ import annotations

from flask import make_response

from app import CSP, create_app
from tests.conftest import Config, login_as
from tests.factories import make_round, make_tree, make_user, submission_for

EXPECTED = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin"}


def headers_of(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in response.headers:
        found.setdefault(name, []).append(value)
    return found


def test_pages_fragments_redirects_and_errors_carry_the_headers_once(client):
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    anonymous = {"login page": client.get("/login"), "redirect to login": client.get("/")}
    login_as(client, make_user(units[0]))
    answers = {**anonymous, "page": client.get(f"/submissions/{sub.id}"), "missing": client.get("/submissions/999999"),
               "autosave": client.post(f"/submissions/{sub.id}/save", data={"v.I.3/received": "3"},
                                       headers={"HX-Request": "true"})}
    for label, response in answers.items():
        found = headers_of(response)
        for name, value in EXPECTED.items():
            assert found.get(name) == [value], (label, name, found.get(name))
        html = response.mimetype == "text/html"
        assert found.get("Cache-Control") == (["no-store"] if html else None), (label, found.get("Cache-Control"))


def test_a_header_the_view_sets_is_kept():
    app = create_app(Config)

    @app.get("/_test/own-headers")
    def own_headers():
        response = make_response("x")
        response.headers["Cache-Control"] = "private, max-age=60"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    found = headers_of(app.test_client().get("/_test/own-headers"))
    assert found["Cache-Control"] == ["private, max-age=60"] and found["X-Frame-Options"] == ["SAMEORIGIN"]
    assert found["Content-Security-Policy"] == [CSP]
