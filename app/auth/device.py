"""The device cookie: which users have signed in successfully from this browser.

Signed with the secret key and kept 180 days; it names users only (by username), never
grants anything by itself. Its one use is the per-address login limit: a browser that
proved a user's password before is not counted as spraying when it signs that user in
again.
"""
from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "tonghop_device"
MAX_AGE = 180 * 24 * 3600
MAX_USERS = 8  # a shared PC of a small office; the oldest name goes first


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    return URLSafeTimedSerializer([*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]],
                                  salt="login-device")


def device_users() -> list[str]:
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > 4096:
        return []
    try:
        names = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return []
    if not isinstance(names, list):
        return []
    return [n for n in names if isinstance(n, str)][:MAX_USERS]


def knows(username: str) -> bool:
    return username.strip().lower() in device_users()


def remember(response, username: str) -> None:
    names = [n for n in device_users() if n != username.strip().lower()] + [username.strip().lower()]
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps(names[-MAX_USERS:]), max_age=MAX_AGE, httponly=True,
                        samesite="Lax", secure=bool(config.get("SESSION_COOKIE_SECURE")))
