"""CSRF protection as Flask-WTF gives it, without verifying the same token again and again.

An autosave sends the page's token (the X-CSRFToken header) on every keystroke, and
Flask-WTF verified it in full each time: a serializer built, the HMAC checked through
Python's pure-Python path, the payload decoded. Here a token whose signature this process
has verified keeps its value and signing time, per secret key; every request still checks
its age against ``WTF_CSRF_TIME_LIMIT`` and compares its value with the session's, so a
token refused before is refused now, with the same reasons. Everything else (exempt views,
methods, the referrer check over HTTPS) is Flask-WTF's ``protect``, unchanged.
"""
from __future__ import annotations

import hmac
import logging
import time

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, same_origin
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms import ValidationError

logger = logging.getLogger("flask_wtf.csrf")

# Tokens verified and remembered per process: one a page an officer has open.
VERIFIED_KEPT = 4096


def now() -> int:
    """Seconds since the epoch, as itsdangerous counts a token's age."""
    return int(time.time())


class PortalCSRFProtect(CSRFProtect):
    def __init__(self, app=None):
        self._verified: dict[tuple[str, str], tuple[str, int]] = {}
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
        """Flask-WTF's ``validate_csrf`` with the app's settings, same checks, same messages."""
        config = current_app.config
        secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        field_name = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
        if not data:
            raise ValidationError("The CSRF token is missing.")
        if field_name not in session:
            raise ValidationError("The CSRF session token is missing.")
        found = self._verified.get((secret_key, data))
        if found is None:
            serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
            try:
                value, signed_at = serializer.loads(data, max_age=time_limit, return_timestamp=True)
            except SignatureExpired as e:
                raise ValidationError("The CSRF token has expired.") from e
            except BadData as e:
                raise ValidationError("The CSRF token is invalid.") from e
            if len(self._verified) >= VERIFIED_KEPT:
                self._verified.pop(next(iter(self._verified)))
            self._verified[secret_key, data] = found = (value, int(signed_at.timestamp()))
        value, signed_at = found
        age = now() - signed_at
        if time_limit is not None and (age > time_limit or age < 0):  # itsdangerous's own age check
            raise ValidationError("The CSRF token has expired.")
        if not isinstance(value, str) or not hmac.compare_digest(session[field_name], value):
            raise ValidationError("The CSRF tokens do not match.")
