"""One URL, two renderings: a partial for htmx swaps, the full page otherwise."""
from __future__ import annotations

from flask import make_response, render_template, request


def is_fragment_request() -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page_template: str, partial_template: str, status: int = 200, **context):
    template = partial_template if is_fragment_request() else page_template
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response
