"""Issue 21, item 7: text answers are compressed by the app itself (make run, gunicorn without
a proxy), static files carry their content hash and are cached for a year."""
from __future__ import annotations

import gzip
import re

from tests.browser.support import quarterly_round
from tests.conftest import login_as
from tests.factories import submission_for

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_the_entry_page_is_sent_compressed_to_a_browser_that_accepts_gzip(client):
    round_, _district, units, reporters, _boss = quarterly_round(communes=1)
    login_as(client, reporters[0])
    url = f"/submissions/{submission_for(round_, units[0]).id}"
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(packed.data)
    assert body == plain.data
    assert len(packed.data) < len(body) / 4


def test_a_small_autosave_reply_is_left_alone(client):
    round_, _district, units, reporters, _boss = quarterly_round(communes=1)
    login_as(client, reporters[0])
    sub = submission_for(round_, units[0])
    reply = client.post(f"/submissions/{sub.id}/save", data={"v.I.1/published": "3", "ver.I.1/published": "0"},
                        headers={**GZIP, "HX-Request": "true"})
    assert reply.status_code == 200 and "Content-Encoding" not in reply.headers


def test_static_files_carry_their_content_hash_and_are_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any("app.js?v=" in u for u in urls) and any("app.css?v=" in u for u in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response.close()
    js = next(u for u in urls if "app.js" in u)
    packed = client.get(js, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip" and b"use strict" in gzip.decompress(packed.data)
    packed.close()
    stale = client.get(js.split("?")[0] + "?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()
