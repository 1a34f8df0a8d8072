"""`flask backup` and `flask restore` end every failure — a truncated or damaged archive, a
full disk, a missing tool — with a reason in Vietnamese and a non-zero exit, never a
traceback or click's bare "Aborted!"; the database is left as it was (issue 26)."""
from __future__ import annotations

import errno
import subprocess
import tarfile

import pytest
from sqlalchemy import select

from app import backup as backup_module
from app.extensions import db
from app.models import SubmissionValue
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

CELL = "I.4/ho_tich/c4"


@pytest.fixture
def cli(app, tmp_path, monkeypatch):
    _, district, units = make_tree(1)
    make_user(units[0])
    set_values(submission_for(make_round(district, expected=units), units[0]), {CELL: 41})
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    (tmp_path / "instance").mkdir()
    runner = app.test_cli_runner()

    def run(*args, **kw):
        db.session.remove()  # a restore replaces tables: the test's session holds nothing
        return runner.invoke(args=list(args), **kw)
    return run


def stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(SubmissionValue.int_value).where(SubmissionValue.key == CELL))


def assert_failed_in_vietnamese(result, *words):
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Aborted!" not in result.output
    assert any(line.startswith("Lỗi: ") for line in result.output.splitlines()), result.output
    for word in words:
        assert word in result.output, result.output


def good_archive(cli, tmp_path):
    result = cli("backup", str(tmp_path / "good.tar.gz"))
    assert result.exit_code == 0, result.output
    return tmp_path / "good.tar.gz"


def test_restoring_a_truncated_archive_says_so_and_changes_nothing(cli, tmp_path):
    data = good_archive(cli, tmp_path).read_bytes()
    for cut in (len(data) // 2, len(data) - 40, 300):
        cut_short = tmp_path / f"cut-{cut}.tar.gz"
        cut_short.write_bytes(data[:cut])
        db.session.execute(SubmissionValue.__table__.update().values(int_value=7))
        db.session.commit()
        result = cli("restore", "--yes", str(cut_short))
        assert_failed_in_vietnamese(result, "sao lưu")
        assert stored() == 7


def test_restoring_a_damaged_archive_says_so_and_changes_nothing(cli, tmp_path):
    data = bytearray(good_archive(cli, tmp_path).read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    result = cli("restore", "--yes", str(damaged))
    assert_failed_in_vietnamese(result, "hỏng")
    assert stored() == 41


def test_a_backup_onto_a_full_disk_says_so_and_leaves_no_archive(cli, tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "addfile", full)
    result = cli("backup", str(tmp_path / "full" / "x.tar.gz"))
    assert_failed_in_vietnamese(result, "ổ đĩa đã đầy")
    assert not (tmp_path / "full" / "x.tar.gz").exists()
    assert list((tmp_path / "full").iterdir()) == []


def test_a_missing_tool_says_which_and_how_to_install_it(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "pg_dump")

    monkeypatch.setattr(subprocess, "run", missing)
    with pytest.raises(backup_module.BackupError, match="Không tìm thấy lệnh pg_dump: cài gói postgresql-client"):
        backup_module._run(["pg_dump", "-Fc"], {})


def test_restore_asks_in_vietnam_time_and_a_refusal_is_not_aborted(cli, tmp_path):
    archive = good_archive(cli, tmp_path)
    manifest = backup_module.read_manifest(archive)
    created = manifest.created_utc  # UTC, as kept in the archive
    asked = cli("restore", str(archive), input="n\n")
    assert_failed_in_vietnamese(asked, "Đã hủy")
    assert "(giờ Việt Nam)" in asked.output and created not in asked.output
    silent = cli("restore", str(archive), input="")
    assert_failed_in_vietnamese(silent, "Đã hủy")
    assert stored() == 41
