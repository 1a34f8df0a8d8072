from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..reporting.clock import utcnow
from . import bp
from .forms import ChangePasswordForm, LoginForm

LOCKED_MESSAGE = "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau {minutes} phút."


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("entry.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("entry.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            error = LOCKED_MESSAGE.format(minutes=minutes)
        elif user is not None and user.active and user.check_password(form.password.data):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        else:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
                    user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
                    user.failed_logins = 0
                db.session.commit()
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
        else:
            current_user.set_password(form.new.data)
            # A new token ends every other session of this user.
            current_user.session_token = secrets.token_hex(8)
            db.session.commit()
            login_user(current_user)
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("entry.home"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
