"""Backups taken while the portal serves, and restores from them (`flask backup`, `flask restore`).

A backup is one .tar.gz: ``manifest.json`` (database kind, schema revision, row counts,
time), the database — SQLite through its online backup API (a consistent snapshot that
includes what is still in the -wal file; copying the file does not), PostgreSQL through
``pg_dump -Fc`` (one snapshot transaction) — and ``files/``, the uploaded attachments kept
under ``instance/files/`` when that folder exists. The archive is written beside its
destination and renamed into place only when complete and checked, so a half-written
backup never looks like a good one.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from .reporting.clock import format_day, to_local, utcnow
from .reporting.numbers import format_count

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
COUNTED_TABLES = ("org_unit", "user", "reporting_round", "submission", "submission_value", "change_log", "signed_report")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator (Vietnamese)."""


@dataclass
class Manifest:
    dialect: str
    created_utc: str
    revision: str | None
    counts: dict[str, int]
    files: int

    @classmethod
    def read(cls, data: bytes) -> "Manifest":
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise BackupError("Tệp sao lưu không đúng định dạng của Tổng hợp.")
        return cls(raw["dialect"], raw["created_utc"], raw.get("revision"), raw.get("counts", {}), raw.get("files", 0))

    def dump(self) -> bytes:
        return json.dumps({"format": FORMAT, "dialect": self.dialect, "created_utc": self.created_utc,
                           "revision": self.revision, "counts": self.counts, "files": self.files},
                          ensure_ascii=False, indent=1).encode()


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DB_MEMBER:
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {name}.")
    return name


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore; the password travels in the environment, not argv."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"Không tìm thấy lệnh {command[0]}: cài gói postgresql-client.") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} thất bại: {result.stderr.strip()[-2000:]}")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def _check_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    if result != "ok":
        raise BackupError(f"Bản sao SQLite bị lỗi: {result}")


def _snapshot_sqlite(engine: Engine, out: Path) -> None:
    # One step (pages=-1) under one read transaction: WAL lets the autosaves go on meanwhile,
    # and a step-wise copy would restart every time a save lands.
    source = sqlite3.connect(_sqlite_path(engine), timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    _check_sqlite(out)


def _facts(conn) -> tuple[str | None, dict[str, int]]:
    """Schema revision and row counts, as the manifest records them."""
    tables = set(inspect(conn).get_table_names())
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
        if "alembic_version" in tables else None
    counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in COUNTED_TABLES if t in tables}
    return revision, counts


def _snapshot_postgresql(engine: Engine, out: Path) -> tuple[str | None, dict[str, int]]:
    # The counts and pg_dump read the same snapshot (exported from this transaction).
    url, env = _libpq(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = _facts(conn)
            _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}", "-f", str(out),
                  "-d", url], env)
    return facts


def _facts_of_sqlite_file(path: Path) -> tuple[str | None, dict[str, int]]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _files(instance_dir: Path) -> list[Path]:
    folder = instance_dir / FILES
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def backup(engine: Engine, instance_dir: Path, dest: Path) -> tuple[Path, Manifest]:
    """Write a backup archive to ``dest``: a file named *.tar.gz, or else a folder (created
    if needed) to put a dated file in."""
    dialect = _dialect(engine)
    if not dest.name.endswith((".tar.gz", ".tgz")) or dest.is_dir():
        dest = dest / f"tonghop-{to_local(utcnow()):%Y%m%d-%H%M%S}.tar.gz"
    _private_folder(dest.parent)
    with tempfile.TemporaryDirectory(prefix="tonghop-backup-", dir=dest.parent) as work:
        snapshot = Path(work) / DB_MEMBER[dialect]
        created = utcnow().isoformat(timespec="seconds") + "Z"
        if dialect == "sqlite":
            _snapshot_sqlite(engine, snapshot)
            revision, counts = _facts_of_sqlite_file(snapshot)
        else:
            revision, counts = _snapshot_postgresql(engine, snapshot)
        # Attachments after the database: every file a backed-up row names exists by then.
        files = _files(instance_dir)
        manifest = Manifest(dialect, created, revision, counts, len(files))
        partial = Path(work) / "archive.tar.gz"
        # The whole database, password hashes included: readable by the service's user only.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            info = tarfile.TarInfo(MANIFEST)
            data = manifest.dump()
            info.size, info.mtime = len(data), int(utcnow().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(snapshot, DB_MEMBER[dialect])
            for path in files:
                tar.add(path, f"{FILES}/{path.relative_to(instance_dir / FILES).as_posix()}")
        os.replace(partial, dest)
    return dest, manifest


def _private_folder(folder: Path) -> None:
    """Create the folder (and missing parents) for the service's user only (0700); a folder
    that already exists keeps the permissions its owner gave it."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        parent.mkdir(mode=0o700)
        os.chmod(parent, 0o700)  # mkdir's mode goes through the umask


# What a damaged or cut-short archive raises while it is read.
_DAMAGED = (tarfile.TarError, EOFError, zlib.error, KeyError, ValueError)


def read_manifest(src: Path) -> Manifest:
    try:
        with tarfile.open(src, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.read(member.read())
    except (*_DAMAGED, OSError) as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {src}: {_reason(exc)}") from None


def check_archive(src: Path) -> None:
    """Read the whole archive through before anything is replaced: a truncated or damaged
    one is refused while the database is still intact."""
    try:
        # The gzip layer first, to its end: its checksum catches bytes changed anywhere
        # (tar stops reading at its end marker, before the checksum).
        with gzip.open(src, "rb") as stream:
            while stream.read(1 << 20):
                pass
        with tarfile.open(src, "r:gz") as tar:
            for member in tar:
                if member.isfile():
                    stream = tar.extractfile(member)
                    while stream is not None and stream.read(1 << 20):
                        pass
    except (*_DAMAGED, OSError) as exc:
        raise BackupError(f"Tệp sao lưu {src} bị hỏng hoặc không đầy đủ (có thể chép chưa xong): {_reason(exc)}. "
                          "Cơ sở dữ liệu hiện tại chưa bị thay đổi.") from None


def _reason(exc: BaseException) -> str:
    """A short reason for the operator, in Vietnamese where we know it."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "ổ đĩa đã đầy"
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
        return f"không có quyền truy cập {exc.filename or ''}".strip()
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
        return f"không tìm thấy {exc.filename or 'tệp'}"
    if isinstance(exc, (EOFError, zlib.error)) or "compressed file ended" in str(exc):
        return "tệp bị cắt ngắn"
    if isinstance(exc, gzip.BadGzipFile) or "CRC check failed" in str(exc):
        return "tệp bị hỏng (sai mã kiểm tra)"
    if isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc):
        return "bản sao cơ sở dữ liệu bị hỏng"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def restore(engine: Engine, instance_dir: Path, src: Path) -> Manifest:
    """Replace the database (and instance/files/) with a backup's. The portal must be stopped:
    the old attachments are moved aside to files.before-restore-<time>, never deleted."""
    manifest = read_manifest(src)
    dialect = _dialect(engine)
    if manifest.dialect != dialect:
        raise BackupError(f"Bản sao lưu là của {manifest.dialect}, cơ sở dữ liệu hiện tại là {dialect}.")
    check_archive(src)
    with tempfile.TemporaryDirectory(prefix="tonghop-restore-") as work:
        try:
            with tarfile.open(src, "r:gz") as tar:
                tar.extractall(work, filter="data")
        except (*_DAMAGED, OSError) as exc:
            raise BackupError(f"Không giải nén được tệp sao lưu: {_reason(exc)}. Cơ sở dữ liệu hiện tại chưa bị "
                              "thay đổi.") from None
        snapshot = Path(work) / DB_MEMBER[dialect]
        if not snapshot.is_file():
            raise BackupError("Tệp sao lưu thiếu phần cơ sở dữ liệu.")
        engine.dispose()
        if dialect == "sqlite":
            _check_sqlite(snapshot)
            _restore_sqlite(snapshot, _sqlite_path(engine))
        else:
            url, env = _libpq(engine)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", "-d", url, str(snapshot)], env)
        _restore_files(Path(work) / FILES, instance_dir)
    return manifest


def _restore_sqlite(snapshot: Path, path: Path) -> None:
    # Through the backup API into the live file: its -wal stays consistent with the result.
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_files(restored: Path, instance_dir: Path) -> None:
    current = instance_dir / FILES
    if current.exists():
        current.rename(instance_dir / f"{FILES}.before-restore-{to_local(utcnow()):%Y%m%d-%H%M%S}")
    if restored.is_dir():
        shutil.copytree(restored, current)


def created_local(manifest: Manifest) -> str:
    """The backup's time in Vietnam time, dd/mm/yyyy hh:mm."""

    try:
        moment = to_local(datetime.fromisoformat(manifest.created_utc.rstrip("Z")))
    except ValueError:
        return manifest.created_utc
    return f"{format_day(moment.date())} {moment:%H:%M} (giờ Việt Nam)"


class Failed(click.ClickException):
    """Exit status 1 and one line in Vietnamese on stderr (click would write "Error: …")."""

    def show(self, file=None) -> None:
        click.echo(f"Lỗi: {self.format_message()}", err=True)


def _failed(action: str, exc: BaseException) -> click.ClickException:
    if isinstance(exc, BackupError):
        return Failed(str(exc))
    return Failed(f"{action} thất bại: {_reason(exc)}.")


def register_backup_cli(app) -> None:
    from .extensions import db

    @app.cli.command("backup")
    @click.argument("dest", type=click.Path(path_type=Path))
    def backup_command(dest: Path) -> None:
        """Sao lưu cơ sở dữ liệu và tệp đính kèm vào DEST (tệp .tar.gz, hoặc thư mục: tệp đặt tên theo ngày giờ), không cần dừng máy chủ."""
        try:
            path, manifest = backup(db.engine, Path(app.instance_path), dest)
        except (BackupError, OSError, sqlite3.Error, *_DAMAGED) as exc:
            # Nothing half-written is left: the archive only appears once complete.
            raise _failed("Sao lưu", exc) from None
        click.echo(f"Đã sao lưu vào {path} ({format_count(path.stat().st_size)} byte; "
                   f"{format_count(manifest.counts.get('submission_value', 0))} giá trị, {manifest.files} tệp đính kèm).")

    @app.cli.command("restore")
    @click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Không hỏi xác nhận.")
    def restore_command(src: Path, yes: bool) -> None:
        """Khôi phục từ tệp sao lưu SRC: thay toàn bộ dữ liệu hiện có. Dừng máy chủ trước khi chạy."""
        try:
            manifest = read_manifest(src)
            check_archive(src)
            if not yes and not click.confirm(f"Khôi phục bản sao lưu lúc {created_local(manifest)} sẽ thay toàn bộ "
                                             "dữ liệu hiện có. Tiếp tục?"):
                raise Failed("Đã hủy: dữ liệu hiện có không bị thay đổi.")
            restore(db.engine, Path(app.instance_path), src)
        except click.Abort:
            raise Failed("Đã hủy: dữ liệu hiện có không bị thay đổi.") from None
        except (BackupError, OSError, sqlite3.Error, *_DAMAGED) as exc:
            raise _failed("Khôi phục", exc) from None
        click.echo(f"Đã khôi phục {format_count(manifest.counts.get('submission_value', 0))} giá trị, {manifest.files} tệp đính kèm "
                   f"(phiên bản lược đồ {manifest.revision}). Chạy `flask db upgrade` nếu mã nguồn mới hơn bản sao lưu.")
