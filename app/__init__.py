"""Tổng hợp — periodic administrative-reform reports for Vietnamese local government."""
from __future__ import annotations

from flask import Flask, flash, jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import INSTANCE_DIR, Config, check_secret_key, config_from_env
from .extensions import csrf, db, login_manager, migrate
from .htmx import is_fragment_request

HTMX_FILE = "vendor/htmx-2.0.11.min.js"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))

# Production is served over HTTPS only (behind nginx, which sends it too): browsers must never
# try plain HTTP again, where a cookie or a password could be read on the way.
HSTS = "max-age=31536000; includeSubDomains"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL so readers never block the autosave writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    app.config.from_object(config_from_env() if config is None or isinstance(config, dict) else config)
    if isinstance(config, dict):
        app.config.update(config)
    app.config.from_pyfile("local.cfg", silent=True)
    check_secret_key(app.config)
    INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address (login throttling) and scheme come from the trusted proxies only.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    # Before any blueprint adds its rules: every <int:…> in a URL is a row id in range.
    from .urls import PortalRequest, RowIdConverter
    app.url_map.converters["int"] = RowIdConverter
    app.request_class = PortalRequest
    from .session_cookie import PortalSessionInterface
    app.session_interface = PortalSessionInterface()

    db.init_app(app)
    from sqlalchemy.orm import Session

    from .services.columns import register as check_column_lengths
    check_column_lengths(Session)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"

    from . import models  # noqa: F401  (register tables)
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .directives import bp as directives_bp
    from .entry import bp as entry_bp
    from .exports import bp as exports_bp
    from .review import bp as review_bp
    from .signatures import bp as signatures_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(entry_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(directives_bp)
    app.register_blueprint(signatures_bp)

    from .cli import register_cli
    register_cli(app)

    from .transfer import init_transfer
    init_transfer(app)
    _register_hooks(app)
    _register_errors(app)
    from .outage import register_outage_handler
    register_outage_handler(app)
    app.jinja_env.globals["HTMX_FILE"] = HTMX_FILE
    from .filters import register_filters
    register_filters(app)
    return app


# Endpoints that only read the signed-in user, on every keystroke: they get it as plain
# values (services.sessions.session_reader), checked against its session record all the same.
READ_ONLY_USER_ENDPOINTS = {"entry.save"}


@login_manager.user_loader
def _load_user(session_key: str):
    from flask import current_app

    from .services.sessions import session_reader, session_user
    from .services.submissions import saver

    max_days = current_app.config["SESSION_MAX_DAYS"]
    if request.endpoint == "entry.save":
        # The save's submission is read with the session check; an autosave of one value
        # runs without a transaction around its single write (services.submissions.saver).
        names = [name for name in request.form if name.startswith("v.")]
        one_value = is_fragment_request() and len(names) == 1
        return saver(session_key, max_days, (request.view_args or {}).get("submission_id"), autocommit=one_value,
                     value_key=names[0][2:] if one_value else None)
    load = session_reader if request.endpoint in READ_ONLY_USER_ENDPOINTS else session_user
    return load(session_key, max_days)


@login_manager.unauthorized_handler
def _unauthorized():
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_fragment_request():
        # An expired login during an autosave: htmx follows HX-Redirect to the login page.
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    flash(login_manager.login_message, "warning")
    return redirect(login_url)


# Endpoints an officer with an administrator-issued password may still reach.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.login", "static"}


def _register_hooks(app: Flask) -> None:
    from flask_login import current_user

    @app.before_request
    def require_own_password():
        """A password an administrator issued is changed before anything else is done."""
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.endpoint is None:
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            target = url_for("auth.change_password")
            if is_fragment_request():
                response = make_response("", 403)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, code=303)
        return None

    from .services import fast_sql

    @app.teardown_request
    def release_own_connection(_error):
        """An autosave's statements ran on the worker's own connection; the next request's
        go through the session again (services.fast_sql.own_connection)."""
        fast_sql.release()

    production = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def security_headers(response):
        # Each header unless the view set its own. One pass over the headers: Werkzeug's
        # setdefault raises and catches an HTTP exception for every header not yet there.
        present = {name.lower() for name, _ in response.headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        if production and "strict-transport-security" not in present:
            response.headers.add("Strict-Transport-Security", HSTS)
        if "cache-control" not in present and response.mimetype == "text/html":
            response.headers.add("Cache-Control", "no-store")
        return response


ERROR_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Trang đã hết hạn hoặc thiếu mã bảo mật. Hãy tải lại trang và thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép thực hiện thao tác này."),
    404: ("Không tìm thấy", "Trang hoặc dữ liệu bạn tìm không tồn tại, hoặc không thuộc phạm vi của bạn."),
    405: ("Thao tác không được hỗ trợ", "Phương thức này không dùng được cho địa chỉ này."),
    422: ("Dữ liệu không hợp lệ", "Dữ liệu gửi lên không hợp lệ; không có gì được lưu. Hãy kiểm tra lại và thử lại."),
    409: ("Dữ liệu đã thay đổi", "Dữ liệu vừa được người khác thay đổi. Hãy tải lại trang để xem giá trị mới."),
    413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép (8 MB)."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra. Dữ liệu đã lưu trước đó không bị mất. Vui lòng thử lại sau ít phút."),
}


def _register_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def render_error(code: int, detail: str | None = None):
        title, text = ERROR_TEXT[code]
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=title), code
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    for code in ERROR_TEXT:
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    from .services.errors import ServiceError

    @app.errorhandler(ServiceError)
    def service_error(e: ServiceError):
        # Nothing a refused request wrote stays pending (a refused flush would be tried again).
        db.session.rollback()
        code = e.status if e.status in ERROR_TEXT else 400
        return render_error(code, e.message or None)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400)

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return render_error(500)
