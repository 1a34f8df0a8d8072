"""Configuration classes read from the environment."""
import math
import os
import re
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
    # Keys of the past, still accepted on cookies while they expire (key rotation): comma-separated.
    SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
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
    # Officers keep a form open for hours: a CSRF token lives as long as the session record,
    # and a new secret is drawn at each login and logout.
    WTF_CSRF_TIME_LIMIT = SESSION_MAX_DAYS * 24 * 3600
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
    # Signed uploads: also ask OCSP responders / CRL addresses named in certificates (needs
    # outbound access); uploaded CRLs are always used.
    SIGNATURE_ONLINE_REVOCATION = os.environ.get("TONGHOP_SIGNATURE_ONLINE_REVOCATION", "") == "1"
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


# A production key: 32 random bytes or more, written as 64+ hex digits or 43+ base64url
# characters (what ``secrets.token_hex(32)`` and ``secrets.token_urlsafe(32)`` print).
MIN_SECRET_KEY_BITS = 128
MIN_HEX_LENGTH = 64
MIN_BASE64_LENGTH = 43
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
# Keys that are public: the development default and the examples in the documentation.
KNOWN_KEYS = frozenset({
    DEV_SECRET_KEY, "dev-only-change-me-dev-only-change-me", "test-secret", "change-me", "changeme",
    "tonghop-production-secret-key-2026", "secret", "secret-key", "your-secret-key",
})
KEY_ADVICE = ("Tạo khóa bằng: python3 -c 'import secrets; print(secrets.token_hex(32))' rồi đặt vào biến môi "
              "trường SECRET_KEY (hoặc instance/local.cfg).")


class WeakSecretKey(RuntimeError):
    pass


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why this key cannot sign production cookies (Vietnamese), or None."""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    key = (key or "").strip()
    if not key:
        return "chưa đặt khóa"
    if key in KNOWN_KEYS or key.lower() in KNOWN_KEYS:
        return "đây là khóa công khai (khóa phát triển hoặc ví dụ trong tài liệu), ai cũng biết"
    # Hex digits are base64url characters too: a hex key is held to the hex length.
    if not (len(key) >= MIN_HEX_LENGTH if _HEX.fullmatch(key)
            else _BASE64URL.fullmatch(key) and len(key.rstrip("=")) >= MIN_BASE64_LENGTH):
        return (f"khóa phải là chuỗi ngẫu nhiên dài ít nhất {MIN_HEX_LENGTH} ký tự hex hoặc "
                f"{MIN_BASE64_LENGTH} ký tự base64url (khóa hiện có {len(key)} ký tự)")
    bits = estimated_bits(key)
    if bits < MIN_SECRET_KEY_BITS:
        return (f"khóa không đủ ngẫu nhiên (ước tính {bits:.0f} bit, cần ít nhất {MIN_SECRET_KEY_BITS} bit): "
                "có lặp lại, dãy liên tiếp hoặc từ dễ đoán")
    return None


def estimated_bits(key: str) -> float:
    """Entropy estimated by zxcvbn (repeats, sequences, dictionary words, dates), in bits,
    but never more than the alphabet allows: a hex digit carries 4 bits, a base64url one 6."""
    from zxcvbn import zxcvbn

    per_char = 4 if _HEX.fullmatch(key) else 6
    # zxcvbn takes at most 72 characters; the first 72 of a random key are random too.
    guesses_log10 = zxcvbn(key[:72])["guesses_log10"]
    return min(guesses_log10 * math.log2(10), per_char * len(key.rstrip("=")), _phrase_bits(key))


_WORD = re.compile(r"[a-z]{3,}|[A-Z][a-z]{2,}|[A-Z]{3,}")
WORD_BITS = math.log2(50_000)  # a word of a large dictionary, chosen at random at best


def _phrase_bits(key: str) -> float:
    """A key written as words ("tonghop-production-secret-key-…") is worth its distinct
    words, not its letters (zxcvbn prices a word it does not know as random letters). A
    random base64url key almost never has runs of single-case letters between its dashes."""
    tokens = [t for t in re.split(r"[-_]+", key.rstrip("=")) if t]
    words = [t for t in tokens if _WORD.fullmatch(t)]
    if sum(map(len, words)) * 2 < len(key):
        return math.inf
    rest = sum(len(t) * (math.log2(10) if t.isdigit() else 6) for t in tokens if not _WORD.fullmatch(t))
    return len({w.lower() for w in words}) * WORD_BITS + rest


def check_secret_key(config) -> None:
    """Production refuses to start with a key anyone could know or guess, the current one
    or any fallback still accepted for old cookies: whoever has one forges a session."""
    if config.get("TESTING") or config.get("ENV_NAME") != "production":
        return
    keys = [("SECRET_KEY", config.get("SECRET_KEY"))]
    keys += [(f"SECRET_KEY_FALLBACKS[{i}]", k) for i, k in enumerate(config.get("SECRET_KEY_FALLBACKS") or ())]
    for name, key in keys:
        problem = secret_key_problem(key)
        if problem:
            raise WeakSecretKey(f"TONGHOP_ENV=production: {name} không dùng được — {problem}. {KEY_ADVICE} "
                                "Cổng thông tin không khởi động với khóa này.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS.get(os.environ.get("TONGHOP_ENV", "development"), DevelopmentConfig)
