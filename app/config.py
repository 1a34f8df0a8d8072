"""Configuration classes read from the environment."""
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'tonghop.sqlite3'}"
    # Heroku-style URLs and plain "postgresql://" both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


DEV_SECRET_KEY = "dev-only-change-me"


def engine_options(url: str, env=os.environ) -> dict:
    """The connection pool of one node (README, "Deployment").

    TONGHOP_DB_POOL_SIZE / TONGHOP_DB_MAX_OVERFLOW: connections each worker process keeps
    and may add under a burst (SQLAlchemy's 5 and 10 by default); a node's share of the
    database's max_connections is workers × (pool + overflow). TONGHOP_PG_PREPARE_THRESHOLD:
    psycopg's server-side prepared statements; "none" turns them off, which PgBouncer in
    transaction mode needs (a prepared statement lives on one server connection, and the
    next transaction may get another)."""
    options: dict = {"pool_pre_ping": True}
    if not url.startswith("sqlite"):
        for name, option in (("TONGHOP_DB_POOL_SIZE", "pool_size"), ("TONGHOP_DB_MAX_OVERFLOW", "max_overflow")):
            if env.get(name, "").strip():
                options[option] = int(env[name])
    threshold = env.get("TONGHOP_PG_PREPARE_THRESHOLD", "").strip().lower()
    if threshold and url.startswith("postgresql"):
        options["connect_args"] = {"prepare_threshold": None if threshold == "none" else int(threshold)}
    return options


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Officers keep a form open for hours; a token that expires would lose their work.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # A reviewer's consolidated text may run to 200,000 characters; form-encoded Vietnamese
    # takes up to 9 bytes a character.
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    # Failed logins (throttling, see services.throttle): per account from one address,
    # and per address over all accounts; both forgotten after the window.
    LOGIN_FAILURES_PER_ACCOUNT = 5
    LOGIN_FAILURES_PER_ADDRESS = 30
    LOGIN_THROTTLE_MINUTES = 15
    # Any login, right or wrong, per address: more distinct accounts than this within the
    # minutes meet a doubling delay (password spraying); see services.throttle.
    # (A load test signing in hundreds of officers from one machine raises it.)
    LOGIN_ACCOUNTS_PER_ADDRESS = int(os.environ.get("TONGHOP_LOGIN_ACCOUNTS_PER_ADDRESS", "10") or 10)
    LOGIN_ACCOUNTS_MINUTES = 10
    # A signed-in browser's session record lives at most this long (then: sign in again).
    SESSION_MAX_DAYS = 14
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto are trusted
    # (nginx alone: 1). 0 trusts none: the client address is the socket's.
    PROXY_COUNT = int(os.environ.get("TONGHOP_PROXY_COUNT", "0") or 0)
    JSON_AS_ASCII = False
    # Background jobs (flask worker): at most this many at once over every node, each
    # external program (LibreOffice) stopped after JOB_TIME_LIMIT seconds and refused more
    # than JOB_MEMORY_MB of address space.
    JOB_MAX_RUNNING = int(os.environ.get("TONGHOP_JOB_MAX_RUNNING", "2"))
    JOB_TIME_LIMIT = int(os.environ.get("TONGHOP_JOB_TIME_LIMIT", "180"))
    JOB_MEMORY_MB = int(os.environ.get("TONGHOP_JOB_MEMORY_MB", "2048"))
    # LibreOffice for PDFs; unset or missing: the PDF button says it is not installed.
    SOFFICE = os.environ.get("TONGHOP_SOFFICE", "soffice")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or (
        _database_url() if os.environ.get("DATABASE_URL") else "sqlite://"
    )
    WTF_CSRF_ENABLED = False
    # Tests sign dozens of users in from one address; tests/web/test_accounts.py sets the real limit.
    LOGIN_ACCOUNTS_PER_ADDRESS = 10_000


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


MIN_SECRET_KEY_LENGTH = 32


class WeakSecretKey(RuntimeError):
    pass


def check_secret_key(config) -> None:
    """Production refuses to start with a missing, default or short secret key: whoever
    knows it can forge a signed session cookie."""
    if config.get("TESTING") or config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        raise WeakSecretKey(
            "TONGHOP_ENV=production cần SECRET_KEY mạnh (ít nhất "
            f"{MIN_SECRET_KEY_LENGTH} ký tự ngẫu nhiên), đặt trong biến môi trường SECRET_KEY hoặc instance/local.cfg. "
            "Tạo khóa bằng: python3 -c 'import secrets; print(secrets.token_hex(32))'. "
            "Production needs a strong SECRET_KEY (at least 32 random characters); the portal will not start without it."
        )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS.get(os.environ.get("TONGHOP_ENV", "development"), DevelopmentConfig)
