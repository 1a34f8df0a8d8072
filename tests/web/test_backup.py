"""`flask backup` / `flask restore`: a consistent copy of the database and the attachments,
and a restore that brings back exactly what the copy held. (A backup taken under load and
restored is checked in test_load.py.)"""
from __future__ import annotations

import io
import json
import tarfile

import pytest
from sqlalchemy import func, select

from app.backup import MANIFEST, BackupError, backup, read_manifest, restore
from app.extensions import db
from app.models import ChangeLog, SubmissionValue
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

CELL = "I.4/ho_tich/c4"


@pytest.fixture
def filled():
    _, district, units = make_tree(2)
    make_user(units[0])
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    set_values(sub, {CELL: 41, "II.1/text": "Đã rà soát 12 thủ tục; không có hồ sơ quá hạn."})
    return sub.id


def values(sub_id: int) -> dict:
    db.session.expire_all()
    rows = db.session.execute(select(SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.text_value)
                              .where(SubmissionValue.submission_id == sub_id)).all()
    return {key: number if text is None else text for key, number, text in rows}


def release_connections():
    """A restore replaces tables: the test's own session must not hold them open."""
    db.session.remove()


def test_restore_brings_back_the_database_and_the_attachments_as_they_were(filled, tmp_path):
    instance = tmp_path / "instance"
    (instance / "files" / "2024").mkdir(parents=True)
    (instance / "files" / "2024" / "quyet-dinh.pdf").write_bytes(b"%PDF-1.4 signed decision")
    before = values(filled)
    archive, manifest = backup(db.engine, instance, tmp_path / "backups")
    assert archive.parent == tmp_path / "backups" and archive.name.endswith(".tar.gz")
    assert manifest.counts["submission_value"] == 2 and manifest.files == 1
    assert read_manifest(archive).dialect == db.engine.dialect.name

    # Afterwards: a value changes, one is deleted, an attachment is replaced.
    db.session.execute(SubmissionValue.__table__.update().where(SubmissionValue.key == CELL).values(int_value=999))
    db.session.execute(SubmissionValue.__table__.delete().where(SubmissionValue.key == "II.1/text"))
    db.session.add(ChangeLog(submission_id=filled, action="edit", key=CELL, new_value="999"))
    db.session.commit()
    (instance / "files" / "2024" / "quyet-dinh.pdf").write_bytes(b"overwritten")

    release_connections()
    restore(db.engine, instance, archive)
    assert values(filled) == before
    assert db.session.scalar(select(func.count(ChangeLog.id)).where(ChangeLog.new_value == "999")) == 0
    assert (instance / "files" / "2024" / "quyet-dinh.pdf").read_bytes() == b"%PDF-1.4 signed decision"
    # The files that were there are moved aside, never deleted.
    aside = [p for p in instance.iterdir() if p.name.startswith("files.before-restore-")]
    assert len(aside) == 1 and (aside[0] / "2024" / "quyet-dinh.pdf").read_bytes() == b"overwritten"


def test_a_backup_without_attachments_restores_without_a_files_folder(filled, tmp_path):
    archive, manifest = backup(db.engine, tmp_path, tmp_path / "b.tar.gz")
    assert manifest.files == 0
    with tarfile.open(archive) as tar:
        assert not any(name.startswith("files/") for name in tar.getnames())
    release_connections()
    restore(db.engine, tmp_path, archive)
    assert values(filled)[CELL] == 41
    assert not (tmp_path / "files").exists()


def test_restore_refuses_what_is_not_a_backup_of_this_kind_of_database(filled, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="Không đọc được tệp sao lưu"):
        restore(db.engine, tmp_path, junk)
    other = "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        data = json.dumps({"format": 1, "dialect": other, "created_utc": "2026-11-22T01:00:00Z"}).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=f"Bản sao lưu là của {other}"):
        restore(db.engine, tmp_path, foreign)
    assert values(filled)[CELL] == 41


def test_cli_backup_reports_what_it_saved_and_restore_asks_before_replacing(app, filled, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu vào" in result.output and "2 giá trị" in result.output
    db.session.execute(SubmissionValue.__table__.update().values(int_value=7))
    db.session.commit()
    release_connections()
    declined = runner.invoke(args=["restore", str(tmp_path / "x.tar.gz")], input="n\n")
    assert declined.exit_code != 0 and "thay toàn bộ dữ liệu" in declined.output
    assert "(giờ Việt Nam)" in declined.output and "Đã hủy" in declined.output
    assert "Aborted" not in declined.output and "UTC" not in declined.output
    assert values(filled)[CELL] == 7
    release_connections()
    accepted = runner.invoke(args=["restore", "--yes", str(tmp_path / "x.tar.gz")])
    assert accepted.exit_code == 0, accepted.output
    assert values(filled)[CELL] == 41
