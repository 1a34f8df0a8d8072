"""The signed session cookie, as Flask makes it, at less cost per request.

Two things Flask's default does on every request are done once instead: building the
signing serializer (it holds nothing between requests; every cookie is still verified in
full), and HMAC through a Python wrapper around SHA-1 (Flask's lazy ``_lazy_sha1``, which
makes ``hmac`` fall back to its pure-Python construction). ``hashlib.sha1`` itself gives
the same HMAC-SHA1 signature through OpenSSL, so existing cookies stay valid.
Sessions are server-side records checked on every request (services.sessions): nothing
about a user is kept here.
"""
from __future__ import annotations

import hashlib

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class PortalSessionInterface(SecureCookieSessionInterface):
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._built is None or self._built[0] != keys:
            self._built = (keys, super().get_signing_serializer(app))
        return self._built[1]
