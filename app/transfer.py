"""What goes over the wire: text answers gzip-compressed, static files under a content-hash
URL and cached for a year.

nginx does the same in production (deploy/nginx.conf); doing it here too means `make run`
and gunicorn without a proxy send the 49 KB entry page, not its 341 KB. A static URL
carries the file's content hash (``?v=…``), so a changed file gets a new URL and a browser
never has to revalidate one it holds.
"""
from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

# Below this a compressed answer saves less than it costs (autosave replies are ~300 bytes).
MIN_SIZE = 1024
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/plain", "text/csv"}
YEAR = "public, max-age=31536000, immutable"


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(app: Flask, filename: str) -> str | None:
    """The content hash of a static file (cached per modification time), or None if absent."""
    path = Path(app.static_folder or "") / filename
    try:
        return _file_hash(str(path), path.stat().st_mtime)
    except OSError:
        return None


def _accepts_gzip() -> bool:
    return any(part.split(";")[0].strip().lower() in ("gzip", "*")
               for part in request.headers.get("Accept-Encoding", "").split(",")
               if not part.strip().endswith("q=0"))


def init_transfer(app: Flask) -> None:
    @app.url_defaults
    def hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def compress_and_cache(response):
        if request.endpoint == "static" and response.status_code == 200:
            # Only a URL naming the current content is cached for good; any other revalidates.
            wanted = request.args.get("v")
            filename = (request.view_args or {}).get("filename", "")
            if wanted and wanted == static_version(app, filename):
                response.headers["Cache-Control"] = YEAR
        if (response.status_code < 200 or response.status_code >= 300 and response.status_code not in (409, 422)
                or response.is_streamed and not response.direct_passthrough
                or "Content-Encoding" in response.headers or response.mimetype not in COMPRESSIBLE):
            return response
        response.vary.add("Accept-Encoding")
        if not _accepts_gzip():
            return response
        response.direct_passthrough = False  # a static file: read it to compress it
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
        if response.headers.get("ETag") and not response.headers["ETag"].startswith("W/"):
            response.headers["ETag"] = "W/" + response.headers["ETag"]  # the bytes differ from the file's
        return response
