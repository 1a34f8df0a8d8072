"""The signed session cookie, as Flask makes it, at less cost per request.

Two things Flask's default does on every request are done once instead: building the
signing serializer (it holds nothing between requests; every cookie is still verified in
full), and HMAC through a Python wrapper around SHA-1 (Flask's lazy ``_lazy_sha1``, which
makes ``hmac`` fall back to its pure-Python construction). ``hashlib.sha1`` itself gives
the same HMAC-SHA1 signature through OpenSSL, so existing cookies stay valid.
And a cookie already verified by this process is not verified again: the autosave sends
the same cookie on every keystroke. What is kept is the exact cookie text with its payload
and signing time, per set of keys; the age limit is checked every time, and any other text
(a byte changed, another key) goes through the full check.
Sessions are server-side records checked on every request (services.sessions): nothing
about a user is kept here.
"""
from __future__ import annotations

import hashlib
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .kept import Kept

# Cookies verified and remembered per process: a few hundred officers per worker at most.
VERIFIED_KEPT = 4096


def now() -> int:
    """Seconds since the epoch, as itsdangerous counts a cookie's age."""
    return int(time.time())


class PortalSessionInterface(SecureCookieSessionInterface):
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] | None = None
        # cookie text → (its signed payload, signing time): emptied when the keys change.
        self._verified: Kept = Kept(VERIFIED_KEPT)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._built is None or self._built[0] != keys:
            self._built = (keys, super().get_signing_serializer(app))
            self._verified = Kept(VERIFIED_KEPT)
        return self._built[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        text = request.cookies.get(self.get_cookie_name(app))
        if not text:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self._verified.get(text)
        if found is None:
            try:
                found = self._verified.keep(text, self._verify(serializer, text, max_age))
            except BadSignature:
                return self.session_class()
        payload, signed_at = found
        if not 0 <= now() - signed_at <= max_age:  # itsdangerous's own age check
            return self.session_class()
        # Decoded anew each time: the session's lists (flashed messages) are changed in place.
        return self.session_class(serializer.load_payload(payload))

    @staticmethod
    def _verify(serializer: URLSafeTimedSerializer, text: str, max_age: int) -> tuple[bytes, int]:
        """The cookie's signed payload and signing time, after ``serializer.loads`` has checked
        its signature and age and decoded it (it raises ``BadSignature`` as Flask expects)."""
        _, signed_at = serializer.loads(text, max_age=max_age, return_timestamp=True)
        # "payload.timestamp.signature": the payload as signed, for ``load_payload``.
        return text.encode().rsplit(b".", 2)[0], int(signed_at.timestamp())
