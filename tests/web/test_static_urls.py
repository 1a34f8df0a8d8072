"""Static files are cached by browsers for a year (deploy/nginx.conf): their URLs change with their content."""
from __future__ import annotations

import re

from flask import url_for


def test_every_static_url_on_a_page_names_its_files_digest_and_the_file_is_served(client, app):
    page = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {u.split("?")[0] for u in urls} >= {"/static/app.css", "/static/app.js", "/static/favicon.svg"}
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url)
        assert response.status_code == 200
        response.close()


def test_a_changed_file_gets_another_url(tmp_path):
    from flask import Flask

    from app import _version_static_urls

    def release(text: str) -> str:
        """A fresh process of a release whose app.js holds ``text``: the URL it writes."""
        (tmp_path / "app.js").write_text(text)
        app = Flask(__name__, static_folder=str(tmp_path))
        _version_static_urls(app)
        with app.test_request_context():
            return url_for("static", filename="app.js")

    assert release("console.log(1)") != release("console.log(2)")
    assert release("console.log(1)") == release("console.log(1)")
