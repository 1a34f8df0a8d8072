from __future__ import annotations

import functools
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User
from ..reporting.clock import utcnow
from ..services.passwords import MIN_LENGTH, password_problem
from ..services.sessions import end_all_sessions, end_session, start_session, user_named
from ..services.throttle import (
    Limits,
    SprayLimits,
    forget_failures,
    record_attempt,
    record_failure,
    spray_wait,
    throttled_until,
)
from . import bp, device
from .forms import ChangePasswordForm, LoginForm

LOCKED_MESSAGE = "Đăng nhập tạm khóa do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau {minutes} phút."
WRONG_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."
SPRAY_MESSAGE = ("Có quá nhiều lượt đăng nhập vào các tài khoản khác nhau từ địa chỉ này. "
                 "Vui lòng thử lại sau {seconds} giây.")
DEMO_MESSAGE = ("Mật khẩu demo không dùng được trên máy chủ chính thức. "
                "Liên hệ quản trị viên để được cấp mật khẩu tạm, rồi đặt mật khẩu của riêng bạn.")
MUST_CHANGE_MESSAGE = "Mật khẩu của bạn do quản trị viên cấp: hãy đặt mật khẩu mới của riêng bạn để tiếp tục."


def _safe_next(target: str | None) -> str:
    if (target and "\\" not in target and urlsplit(target).netloc == "" and target.startswith("/")
            and not target.startswith("//") and target.isprintable()):
        return target
    return url_for("entry.home")


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("không có tài khoản này", method=method)


def _limits() -> Limits:
    config = current_app.config
    return Limits(config["LOGIN_FAILURES_PER_ACCOUNT"], config["LOGIN_FAILURES_PER_ADDRESS"],
                  config["LOGIN_THROTTLE_MINUTES"])


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() // 60) + 1)


def _spray_limits() -> SprayLimits:
    config = current_app.config
    return SprayLimits(config["LOGIN_ACCOUNTS_PER_ADDRESS"], config["LOGIN_ACCOUNTS_MINUTES"])


def sign_in(user: User) -> None:
    """A new session record for this browser; the cookie names it. The CSRF secret is a new
    one too: a token planted in the browser before the login is worth nothing after it."""
    _forget_csrf_secret()
    start_session(user, current_app.config["SESSION_MAX_DAYS"])
    login_user(user)


def _forget_csrf_secret() -> None:
    """The next CSRF token is made from a new secret (Flask-WTF keeps the secret in the
    session and this request's token on ``g``)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


def _is_demo_password(password: str) -> bool:
    from ..demo import DEMO_PASSWORD

    return current_app.config.get("ENV_NAME") == "production" and password == DEMO_PASSWORD


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("entry.home"))
    form = LoginForm()
    error, status = None, 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        username, address, now = form.username.data.strip(), request.remote_addr, utcnow()
        blocked = throttled_until(username, address, _limits(), now)
        # A browser that signed this user in before is that user's own, not a sprayer.
        own_device = device.knows(username)
        wait = None if own_device else spray_wait(username, address, _spray_limits(), now)
        if blocked is not None:
            error = LOCKED_MESSAGE.format(minutes=_minutes_until(blocked, now))
        elif wait is not None and wait.seconds:
            current_app.logger.warning("login throttled: %s tried %d accounts in %d minutes; next try in %d s",
                                       address, wait.accounts, _spray_limits().minutes, wait.seconds)
            response = make_response(render_template(
                "auth/login.html", form=form, error=SPRAY_MESSAGE.format(seconds=wait.seconds)), 429)
            response.headers["Retry-After"] = str(wait.seconds)
            return response
        else:
            if not own_device:
                record_attempt(username, address, _spray_limits(), now)
            user = user_named(username)
            # An unknown name costs the same hash check as a known one: the time taken
            # must not tell which accounts exist.
            stored_hash = user.password_hash if user is not None else _dummy_hash(
                current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
            password_ok = check_password_hash(stored_hash, form.password.data)
            if password_ok and user is not None and _is_demo_password(form.password.data):
                current_app.logger.warning("demo password refused in production for %s from %s", username, address)
                db.session.commit()
                return render_template("auth/login.html", form=form, error=DEMO_MESSAGE), 403
            if user is not None and user.active and password_ok:
                forget_failures(username, address)
                user.last_login_at = now
                sign_in(user)
                db.session.commit()
                if user.must_change_password:
                    flash(MUST_CHANGE_MESSAGE, "warning")
                    response = redirect(url_for("auth.change_password"), code=303)
                else:
                    response = redirect(_safe_next(request.args.get("next")), code=303)
                device.remember(response, user.username)
                return response
            record_failure(username, address, _limits(), now)
            db.session.commit()
            error = WRONG_MESSAGE
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    end_session(current_user.session_key)
    db.session.commit()
    logout_user()
    _forget_csrf_secret()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new.data, current_user.username, current_user.unit.name)
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
        elif problem:
            form.new.errors.append(problem)
        elif form.new.data == form.current.data:
            form.new.errors.append("Mật khẩu mới phải khác mật khẩu hiện tại.")
        else:
            current_user.set_password(form.new.data)
            current_user.must_change_password = False
            # Every session of this user ends (a cookie copied earlier dies); this browser
            # continues on a new one.
            end_all_sessions(current_user.id)
            sign_in(current_user)
            db.session.commit()
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("entry.home"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form, min_length=MIN_LENGTH,
                           forced=current_user.must_change_password), status
