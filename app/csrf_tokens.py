"""CSRF protection as Flask-WTF gives it, without verifying the same token again and again.

An autosave sends the page's token (the X-CSRFToken header) on every keystroke, and
Flask-WTF verified it in full each time: a serializer built, the HMAC checked through
Python's pure-Python path, the payload decoded. Here a token is checked the first time by
Flask-WTF's own ``validate_csrf``; once it has passed, this process keeps its value and
signing time, per secret key, and a later request with the same token only has its age
checked against ``WTF_CSRF_TIME_LIMIT`` and its value compared with the session's token, so
a token refused before is refused now, with the same reasons. Everything else (exempt
views, methods, the referrer check over HTTPS) is Flask-WTF's ``protect``, unchanged.
"""
from __future__ import annotations

import hmac
import logging
import time

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, same_origin, validate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms import ValidationError

from .kept import Kept

logger = logging.getLogger("flask_wtf.csrf")

# Tokens verified and remembered per process: one a page an officer has open.
VERIFIED_KEPT = 4096


def now() -> int:
    """Seconds since the epoch, as itsdangerous counts a token's age."""
    return int(time.time())


class PortalCSRFProtect(CSRFProtect):
    def __init__(self, app=None):
        self._verified: Kept = Kept(VERIFIED_KEPT)
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        # Flask-WTF 1.3's ``protect`` with ``validate`` in place of its ``validate_csrf``.
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            self.validate(self._get_csrf_token())
        except ValidationError as e:
            logger.info(e.args[0])
            self._error_response(e.args[0])
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def validate(self, data: str | None) -> None:
        """``validate_csrf`` for a token not seen yet; for one that has passed it before, the
        checks that can change since: its age and the session's token (same messages)."""
        config = current_app.config
        secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        found = self._verified.get((secret_key, data)) if data else None
        if found is None:
            validate_csrf(data)
            value, signed_at = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").loads(
                data, return_timestamp=True)
            self._verified.keep((secret_key, data), (value, int(signed_at.timestamp())))
            return
        value, signed_at = found
        field_name = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
        age = now() - signed_at
        if time_limit is not None and (age > time_limit or age < 0):  # itsdangerous's own age check
            raise ValidationError("The CSRF token has expired.")
        if field_name not in session:
            raise ValidationError("The CSRF session token is missing.")
        if not hmac.compare_digest(session[field_name], value):
            raise ValidationError("The CSRF tokens do not match.")
