"""Saving what an officer types: parse, compare versions, store, log. No Flask request here."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Collection, NamedTuple

from sqlalchemy import bindparam, func, insert, or_, select, true, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..kept import Kept
from ..models import ChangeLog, OrgUnit, ReportingRound, Submission, SubmissionDocument, SubmissionValue, User
from ..reporting.clock import utcnow
from ..reporting.documents import DOCUMENT_PERIOD_RULE
from ..reporting.keys import EXPLAIN_PREFIX, parse_key, task_id_of
from ..reporting.lifecycle import is_locked, next_state
from ..reporting.numbers import InvalidNumber, format_count, format_score
from ..reporting.periods import previous_period
from ..reporting.rows import combine_series
from ..reporting.templates import ReportTemplate
from ..reporting.text import clean_text
from ..reporting.validation import parse_value, values_to_read
from . import fast_sql
from .access import can_act_on_round, can_read_submission, can_review_submission
from .directives import allowed_task_ids
from .errors import Forbidden, NotFound
from .ids import get_row, valid_id
from .orgtree import series_units, unit_sort_key
from .rounds import effective_deadline, parsed_template, round_period
from .sessions import SignedInUser, read_session, session_reader, session_row_statement


class StoredValue(NamedTuple):
    """A saved value as the page needs it; plain tuples load several times faster than ORM rows."""

    value: int | str | None
    version: int
    updated_at: datetime | None


# Statements on the autosave path are built once: SQLAlchemy then reuses their cache keys
# instead of rebuilding them on every keystroke.
_VALUES = SubmissionValue.__table__
_ALL_VALUES = select(_VALUES.c.key, _VALUES.c.int_value, _VALUES.c.text_value, _VALUES.c.version,
                     _VALUES.c.updated_at).where(_VALUES.c.submission_id == bindparam("submission_id"))
# An autosave reads its section for versions and totals, not times (parsing them costs more
# than the read on SQLite); a conflict reloads its one row with the time.
_SECTION_VALUES = select(_VALUES.c.key, _VALUES.c.int_value, _VALUES.c.text_value, _VALUES.c.version).where(
    _VALUES.c.submission_id == bindparam("submission_id"),
    _VALUES.c.key.startswith(bindparam("prefix")))  # section ids hold no % or _
_UPDATE_VALUE = (update(_VALUES).where(_VALUES.c.submission_id == bindparam("sid"), _VALUES.c.key == bindparam("k"),
                                       _VALUES.c.version == bindparam("seen"))
                 .values(version=bindparam("new_version"), int_value=bindparam("iv"), text_value=bindparam("tv"),
                         updated_at=bindparam("at"), updated_by_id=bindparam("by")))
# Every column named, so the statement compiles once for every change (services/fast_sql.py).
_INSERT_CHANGE = insert(ChangeLog.__table__).values(
    {name: bindparam(name) for name in ("submission_id", "user_id", "at", "action", "key", "old_value", "new_value")})
_CLAIM = (update(Submission.__table__).where(Submission.__table__.c.id == bindparam("sid"))
          .values(version=Submission.__table__.c.version + 1).returning(Submission.__table__.c.version))
_TOUCH = (update(Submission.__table__).where(Submission.__table__.c.id == bindparam("sid"))
          .values(updated_at=bindparam("at"), status=bindparam("st")))


@functools.cache
def _column_values(count: int):
    # Built once per number of columns. Each "I.4/%/c4" pattern matches that column's cells
    # (LIKE may match a few more keys: an id holding "_", or case on SQLite; the totals
    # read only the keys they name, so a few more rows change nothing).
    return select(_VALUES.c.key, _VALUES.c.int_value, _VALUES.c.text_value, _VALUES.c.version).where(
        _VALUES.c.submission_id == bindparam("submission_id"),
        or_(*(_VALUES.c.key.like(bindparam(f"pattern_{i}")) for i in range(count))))


def stored_values(submission_id: int, section_id: str | None = None,
                  columns: Collection[str] | None = None) -> dict[str, StoredValue]:
    """All of a submission's values; or one section's, or only the cells of some columns of a
    table section, without their times (an autosave needs no more)."""
    # fetchall, not row by row: SQLAlchemy's per-row fetch costs more than the read itself.
    if section_id is None:
        rows = fast_sql.rows(_ALL_VALUES, {"submission_id": submission_id})
        return {key: StoredValue(number if text is None else text, version, at) for key, number, text, version, at in rows}
    if columns:
        ordered = sorted(columns)
        rows = fast_sql.rows(_column_values(len(ordered)), {
            "submission_id": submission_id,
            **{f"pattern_{i}": f"{section_id}/%/{column}" for i, column in enumerate(ordered)}})
    else:
        rows = fast_sql.rows(_SECTION_VALUES, {"submission_id": submission_id, "prefix": section_id + "/"})
    return _untimed_values(rows)


def _untimed_values(rows) -> dict[str, StoredValue]:
    """(key, number, text, version) rows as stored values, without their times."""
    return {key: StoredValue(number if text is None else text, version, None) for key, number, text, version in rows}


def plain_values(stored: dict[str, StoredValue]) -> dict[str, int | str]:
    """The domain's view of a submission: key → value, explanations left out."""
    return {k: v.value for k, v in stored.items() if v.value is not None and not k.startswith(EXPLAIN_PREFIX)}


def explanations(stored: dict[str, StoredValue]) -> dict[str, str]:
    return {k[len(EXPLAIN_PREFIX):]: v.value or "" for k, v in stored.items() if k.startswith(EXPLAIN_PREFIX)}


def previous_submissions(submission: Submission) -> list[Submission]:
    """The previous period's submissions of the same template by this unit and by the units
    merged into it (sáp nhập): together they are its "kỳ trước". Its own comes first."""
    period = previous_period(round_period(submission.round))
    if period is None:
        return []
    units = series_units([submission.unit_id])[submission.unit_id]
    found = db.session.scalars(
        select(Submission).join(Submission.round).options(joinedload(Submission.unit)).where(
            Submission.unit_id.in_(units),
            Submission.status != "merged",
            ReportingRound.template_code == submission.round.template_code,
            ReportingRound.period_kind == period.kind,
            ReportingRound.period_year == period.year,
            ReportingRound.period_index == period.index,
        )
    ).all()
    return sorted(found, key=lambda s: (s.unit_id != submission.unit_id, unit_sort_key(s.unit)))


def previous_values(submission: Submission) -> dict[str, int | str] | None:
    """Last period's values: for a merged unit, its predecessors' counts summed."""
    found = previous_submissions(submission)
    if not found:
        return None
    return combine_series([(s.unit.name, plain_values(stored_values(s.id))) for s in found])


def display(value: int | str | None, kind: str | None) -> str:
    if value is None:
        return ""
    if kind == "count":
        return format_count(int(value))
    if kind == "score":
        return format_score(int(value), places=2).rstrip("0").rstrip(",")
    return str(value)


@dataclass
class SaveOutcome:
    saved: dict[str, SubmissionValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # key → message
    conflicts: dict[str, tuple[str, SubmissionValue]] = field(default_factory=dict)  # key → (mine, theirs)
    typed: dict[str, str] = field(default_factory=dict)  # what the officer typed, to show back
    revision: int | None = None  # the submission's version the save's own write claimed (``claim``)


def _as_text(value) -> str | None:
    return None if value is None else str(value)


def save_values(
    submission: Submission, template: ReportTemplate, entries: list[tuple[str, str, int | None]], user: User,
    stored: dict[str, StoredValue] | None = None, claim: bool = False,
) -> SaveOutcome:
    """Save (key, typed text, version seen) triples. Bad values and stale versions are
    reported per key and leave the stored value untouched; good ones are saved.

    Each write is conditional on the version the officer saw (UPDATE … WHERE version = ?,
    INSERT … ON CONFLICT DO NOTHING), so two tabs racing on one cell cannot overwrite each
    other silently even between our read and our write. ``stored`` is updated in place.
    ``claim`` (PostgreSQL, one value, outside a transaction): the value's write statement also
    claims the submission's next version (``claim_revision``), given in ``outcome.revision``.
    """
    stored = stored if stored is not None else stored_values(submission.id)
    outcome = SaveOutcome()
    now = utcnow()
    # PostgreSQL, one value: the submission's time goes in the value's write statement, so the
    # save is that one statement (what lets ``saver`` run it outside a transaction).
    folded = len(entries) == 1 and db.engine.dialect.name == "postgresql"
    claim = claim and folded
    tasks: set[int] | None = None  # directive tasks this unit may report on, read when needed
    for key, text, seen_version in entries:
        # The input boundary for every way a value arrives: autosave, form, paste, upload.
        text = clean_text(text)
        outcome.typed[key] = text
        is_explanation = key.startswith(EXPLAIN_PREFIX)
        if is_explanation and not _explanation_key_ok(template, key):
            outcome.errors[key] = "Ô này không thuộc mẫu báo cáo."
            continue
        try:
            value = text.strip()[:300] or None if is_explanation else parse_value(template, key, text)
        except KeyError:
            outcome.errors[key] = "Ô này không thuộc mẫu báo cáo."
            continue
        except InvalidNumber as exc:
            outcome.errors[key] = str(exc)
            continue
        if value is not None and template.key_kind(key) and template.section(parse_key(key)[0]).kind == "directives":
            tasks = allowed_task_ids(submission, template) if tasks is None else tasks
            if task_id_of(parse_key(key)[1]) not in tasks:
                outcome.errors[key] = "Nhiệm vụ này không còn được giao cho đơn vị hoặc đã kết thúc."
                continue
        if isinstance(value, str) and not is_explanation:
            limit = template.section(parse_key(key)[0]).text_limit(key)
            if len(value) > limit:
                outcome.errors[key] = (f"Nội dung dài {format_count(len(value))} ký tự, vượt quá "
                                       f"{format_count(limit)} ký tự cho phép.")
                continue
            if value == "":
                value = None
        row = stored.get(key)
        current = row.value if row else None
        if value == current:
            continue
        current_version = row.version if row else 0
        if seen_version is not None and seen_version != current_version:
            outcome.conflicts[key] = (text, _reload(submission.id, key))
            continue
        is_text = isinstance(value, str) or is_explanation or template.key_kind(key) == "text"
        columns = {"int_value": None if is_text else value, "text_value": value if is_text else None,
                   "updated_at": now, "updated_by_id": user.id}
        change = {"submission_id": submission.id, "user_id": user.id, "at": now, "action": "edit", "key": key,
                  "old_value": _as_text(current), "new_value": _as_text(value)}
        touch_to = _touch_status(submission, now) if folded else None
        written, outcome.revision = _write(submission.id, key, current_version, columns, change, touch_to, claim)
        if not written:
            fresh = _reload(submission.id, key)
            outcome.conflicts[key] = (text, fresh)
            if fresh is not None:
                stored[key] = fresh
            continue
        if touch_to:
            _touched(submission, now, touch_to)
        stored[key] = StoredValue(value, current_version + 1, now)
        outcome.saved[key] = stored[key]
    if outcome.saved and not folded:
        touch(submission, now)
    return outcome


def claim_revision(submission: Submission | SavedSubmission) -> int:
    """Hold the submission for this save until it commits, and number the state it leaves.

    Called before the save reads any value. Saves of one report then run one after another
    (the row lock on PostgreSQL, the write lock on SQLite, both held to the commit), so each
    reads what every earlier save wrote and the totals its reply carries include them; and
    the number, rising with each save, lets the page drop a reply that reaches it after a
    later one (two cells typed in quick succession travel on two connections)."""
    revision = fast_sql.scalar(_CLAIM, {"sid": submission.id})
    if isinstance(submission, Submission):
        set_committed_value(submission, "version", revision)
    return revision


def touch(submission: Submission | SavedSubmission, now: datetime) -> None:
    """Mark the submission as changed: a first save moves it from not started to draft.

    A plain UPDATE, not an ORM flush: this runs on every autosave. The loaded object is
    kept in step without being marked dirty. The time is shown to the minute, so within
    the minute it already shows, an officer's next keystrokes need no write here."""
    status = _touch_status(submission, now)
    if status is None:
        return
    fast_sql.execute(_TOUCH, {"sid": submission.id, "at": now, "st": status})
    _touched(submission, now, status)


def _touch_status(submission: Submission | SavedSubmission, now: datetime) -> str | None:
    """The state ``touch`` writes with the time, or None when nothing needs writing."""
    status = "draft" if submission.status == "not_started" else submission.status
    shown = submission.updated_at
    if status == submission.status and shown is not None and shown <= now and \
            shown.replace(second=0, microsecond=0) == now.replace(second=0, microsecond=0):
        return None
    return status


def _touched(submission: Submission | SavedSubmission, now: datetime, status: str) -> None:
    if isinstance(submission, Submission):
        set_committed_value(submission, "updated_at", now)
        set_committed_value(submission, "status", status)
    else:
        submission.updated_at, submission.status = now, status


def _explanation_key_ok(template: ReportTemplate, key: str) -> bool:
    """"_explain:<rule id>:<16 hex>" for a rule of this template (see page.finding_id)."""
    rule_id, _, digest = key[len(EXPLAIN_PREFIX):].partition(":")
    return (len(digest) == 16 and all(c in "0123456789abcdef" for c in digest)
            and (rule_id == DOCUMENT_PERIOD_RULE or any(rule.id == rule_id for rule in template.rules)))


# PostgreSQL: the value's conditional write and its change-log row in one statement (one
# round trip instead of two); the log row is inserted only from the row the write returns,
# so a stale version or a lost insert race logs nothing, exactly as the two statements do.
# The "touched" variants also set the submission's time and state (``touch``), again only
# when the value was written: the whole save is then one statement.
_PG_WRITTEN = {
    "update": "UPDATE submission_value SET version = :new_version, int_value = :iv, text_value = :tv, "
              "updated_at = :at, updated_by_id = :by WHERE submission_id = :sid AND \"key\" = :k AND version = :seen "
              "RETURNING submission_id",
    "insert": "INSERT INTO submission_value (submission_id, \"key\", version, int_value, text_value, "
              "updated_at, updated_by_id) VALUES (:sid, :k, 1, :iv, :tv, :at, :by) ON CONFLICT DO NOTHING "
              "RETURNING submission_id",
}
# The "claiming" variants also take the submission's next version (``claim_revision``) when
# the value was written, and return it: the save needs no transaction to hold the report.
_PG_TOUCH_SET = ", updated_at = :at, status = :st"


def _pg_submission_update(touching: bool, claiming: bool) -> str:
    if claiming:
        return (f", claimed AS (UPDATE submission SET version = version + 1{_PG_TOUCH_SET if touching else ''} "
                "WHERE id = :sid AND EXISTS (SELECT 1 FROM written) RETURNING version)")
    if touching:
        return f", touched AS (UPDATE submission SET {_PG_TOUCH_SET[2:]} WHERE id = :sid AND EXISTS (SELECT 1 FROM written))"
    return ""


_PG_WRITE_AND_LOG = {
    (how, touching, claiming): sql_text(
        f"WITH written AS ({written}){_pg_submission_update(touching, claiming)} "
        "INSERT INTO change_log (submission_id, user_id, \"at\", \"action\", \"key\", old_value, new_value) "
        "SELECT submission_id, :by, :at, :action, :k, :old_value, :new_value FROM written "
        f"RETURNING id, {'(SELECT version FROM claimed)' if claiming else 'NULL'}")
    for how, written in _PG_WRITTEN.items() for touching in (False, True) for claiming in (False, True)
}


def _write(submission_id: int, key: str, expected_version: int, columns: dict, change: dict,
           touch_to: str | None = None, claim: bool = False) -> tuple[bool, int | None]:
    """Write the value if its version is still ``expected_version`` (0: not stored yet) and
    log the change; False, with nothing written or logged, when another save came first.
    ``touch_to`` (PostgreSQL only): also set the submission's time and this state; ``claim``
    (PostgreSQL only): also claim the submission's next version, returned with the outcome."""
    table = SubmissionValue.__table__
    if db.engine.dialect.name == "postgresql":
        params = {"sid": submission_id, "k": key, "seen": expected_version, "new_version": expected_version + 1,
                  "iv": columns["int_value"], "tv": columns["text_value"], "at": columns["updated_at"],
                  "by": columns["updated_by_id"], "action": change["action"], "old_value": change["old_value"],
                  "new_value": change["new_value"], "st": touch_to}
        statement = _PG_WRITE_AND_LOG["update" if expected_version else "insert", touch_to is not None, claim]
        row = fast_sql.first(statement, params)
        return (row is not None, row[1] if row is not None else None)
    if expected_version:
        written = fast_sql.execute(_UPDATE_VALUE, {
            "sid": submission_id, "k": key, "seen": expected_version, "new_version": expected_version + 1,
            "iv": columns["int_value"], "tv": columns["text_value"], "at": columns["updated_at"],
            "by": columns["updated_by_id"]}) == 1
    else:
        # RETURNING, not rowcount: PostgreSQL reports rowcount -1 for an INSERT that returns rows.
        written = db.session.execute(
            sqlite_insert(table).values(submission_id=submission_id, key=key, version=1, **columns)
            .on_conflict_do_nothing().returning(table.c.id)
        ).scalar() is not None
    if written:
        fast_sql.execute(_INSERT_CHANGE, change)
    return written, None


def _reload(submission_id: int, key: str) -> StoredValue | None:
    row = db.session.execute(
        select(SubmissionValue.int_value, SubmissionValue.text_value, SubmissionValue.version, SubmissionValue.updated_at)
        .where(SubmissionValue.submission_id == submission_id, SubmissionValue.key == key)
    ).first()
    if row is None:
        return None
    number, text, version, at = row
    return StoredValue(number if text is None else text, version, at)


def move(submission: Submission, user: User | None, action: str, note: str = "") -> None:
    """Apply a lifecycle action (submit, approve, return, reopen) and record it.

    Raises TransitionRefused (with a Vietnamese reason) when the state does not allow it.
    The first submission time is kept: timeliness is judged on it (design §6)."""
    submission.status = next_state(submission.status, action, submission.round.status)
    now = utcnow()
    submission.updated_at = now
    if action == "submit":
        submission.submitted_at = now
        submission.first_submitted_at = submission.first_submitted_at or now
    submission.approved_at = now if action == "approve" else None
    submission.version += 1
    log_action(submission, user, action, note)


def log_action(submission: Submission, user: User | None, action: str, note: str = "") -> None:
    db.session.add(ChangeLog(submission_id=submission.id, user_id=user.id if user else None, action=action,
                             new_value=note or None))


def snapshot_json(submission_id: int) -> str:
    values = plain_values(stored_values(submission_id))
    docs = db.session.scalars(select(SubmissionDocument).where(SubmissionDocument.submission_id == submission_id)
                              .order_by(SubmissionDocument.position, SubmissionDocument.id)).all()
    return json.dumps({"values": values, "documents": [
        {"doc_type": d.doc_type, "number": d.number, "issued_on": d.issued_on.isoformat() if d.issued_on else None,
         "summary": d.summary} for d in docs]}, ensure_ascii=False, sort_keys=True)


def own_submissions(unit_id: int) -> dict[str, list[Submission]]:
    """What a unit owes, in the order an officer needs it: returned, open, then recent."""
    subs = db.session.scalars(
        select(Submission)
        .join(Submission.round)
        .options(joinedload(Submission.round).joinedload(ReportingRound.unit))
        .where(Submission.unit_id == unit_id)
        .order_by(ReportingRound.deadline.desc())
    ).all()
    returned = [s for s in subs if s.status == "returned"]
    open_ = sorted((s for s in subs if s.status in ("not_started", "draft") and s.round.status == "open"),
                   key=lambda s: effective_deadline(s))
    recent = [s for s in subs if s not in returned and s not in open_][:10]
    return {"returned": returned, "open": open_, "recent": recent}


_ROUND_UNIT = aliased(OrgUnit)
_SUBMISSION_WITH_ROUND = (
    select(Submission, ReportingRound, OrgUnit, _ROUND_UNIT.path).join(Submission.round)
    .join(OrgUnit, Submission.unit_id == OrgUnit.id).join(_ROUND_UNIT, ReportingRound.unit_id == _ROUND_UNIT.id)
    .where(Submission.id == bindparam("submission_id"))
)


def load_submission(user, submission_id: int) -> Submission:
    """The submission with its round and unit in one query. The links are set on the
    submission: the session only holds objects weakly, and a round nothing else refers to
    would be collected and read again, one more query per autosave."""
    row = db.session.execute(_SUBMISSION_WITH_ROUND, {"submission_id": submission_id}).first() if valid_id(
        submission_id) else None
    if row is None:
        raise NotFound()
    submission, round_, unit, round_unit_path = row
    set_committed_value(submission, "round", round_)
    set_committed_value(submission, "unit", unit)
    _check_scope(user, unit, round_unit_path)
    return submission


@dataclass(slots=True)
class SavedRound:
    """What saving into a round reads of it: its state and its frozen template's digest
    (``rounds.round_template`` finds the parsed template by it)."""

    id: int
    unit_id: int
    status: str
    template_digest: str | None
    _frozen: tuple[str, str] | None = None

    def _frozen_copy(self) -> tuple[str, str]:
        # Read only when this worker has not parsed the round's template yet.
        if self._frozen is None:
            self._frozen = tuple(fast_sql.first(_FROZEN, {"round_id": self.id}))
        return self._frozen

    @property
    def template_source(self) -> str:
        return self._frozen_copy()[0]

    @property
    def catalogue_json(self) -> str:
        return self._frozen_copy()[1]

    @property
    def unit(self) -> OrgUnit:
        # Only a follow-up save (directive tasks) asks for the round's unit: read it then.
        return db.session.get(OrgUnit, self.unit_id)


@dataclass(slots=True)
class SavedSubmission:
    """The columns of a submission that saving values reads (``load_for_save``); the
    whole row and its relations are ``load_submission``'s."""

    id: int
    round_id: int
    unit_id: int
    status: str
    updated_at: datetime | None
    version: int
    round: SavedRound
    # (key, values): what a save of that key reads (``values_to_read``), read with the session
    # check in the same statement (``saver``); None when it was not.
    prefetched: tuple[str, dict[str, StoredValue]] | None = None

    @property
    def locked(self) -> bool:
        return is_locked(self.status)


class _UnitScope(NamedTuple):
    id: int
    path: str


_ROUNDS, _UNITS = ReportingRound.__table__, OrgUnit.__table__
_SUBMISSIONS = Submission.__table__
_ROUND_UNITS = _UNITS.alias("round_unit")
_SUBMISSION_UNITS = _UNITS.alias("submission_unit")  # aliased: the session check reads the user's unit
_FOR_SAVE_COLUMNS = (_SUBMISSIONS.c.id, _SUBMISSIONS.c.round_id, _SUBMISSIONS.c.unit_id, _SUBMISSIONS.c.status,
                     _SUBMISSIONS.c.updated_at, _SUBMISSIONS.c.version, _ROUNDS.c.unit_id, _ROUNDS.c.status, _ROUNDS.c.template_digest,
                     _SUBMISSION_UNITS.c.path, _ROUND_UNITS.c.path)
_FOR_SAVE = (
    select(*_FOR_SAVE_COLUMNS)
    .select_from(_SUBMISSIONS.join(_ROUNDS, _SUBMISSIONS.c.round_id == _ROUNDS.c.id)
                 .join(_SUBMISSION_UNITS, _SUBMISSIONS.c.unit_id == _SUBMISSION_UNITS.c.id)
                 .join(_ROUND_UNITS, _ROUNDS.c.unit_id == _ROUND_UNITS.c.id))
    .where(_SUBMISSIONS.c.id == bindparam("submission_id"))
)
_FROZEN = select(_ROUNDS.c.template_source, _ROUNDS.c.catalogue_json).where(_ROUNDS.c.id == bindparam("round_id"))


@functools.cache
def _saver_with_submission():
    # The session check of sessions.session_reader and _FOR_SAVE's row in one statement: the
    # submission outer-joined, so a live session naming a missing submission still reads
    # as signed in (and the save answers 404), as with two statements.
    return (session_row_statement().add_columns(*_FOR_SAVE_COLUMNS)
            .outerjoin(_SUBMISSIONS, _SUBMISSIONS.c.id == bindparam("submission_id"))
            .outerjoin(_ROUNDS, _SUBMISSIONS.c.round_id == _ROUNDS.c.id)
            .outerjoin(_SUBMISSION_UNITS, _SUBMISSIONS.c.unit_id == _SUBMISSION_UNITS.c.id)
            .outerjoin(_ROUND_UNITS, _ROUNDS.c.unit_id == _ROUND_UNITS.c.id))


@functools.cache
def _saver_with_values(patterns: int):
    # ``_saver_with_submission`` with the values a save reads (``values_to_read``), as arrays
    # from a lateral subquery: one row still, one round trip for all three.
    read = (select(func.array_agg(_VALUES.c.key), func.array_agg(_VALUES.c.int_value),
                   func.array_agg(_VALUES.c.text_value), func.array_agg(_VALUES.c.version))
            .where(_VALUES.c.submission_id == bindparam("submission_id"),
                   or_(*(_VALUES.c.key.like(bindparam(f"pattern_{i}")) for i in range(patterns))))
            .lateral("read_values"))
    return _saver_with_submission().add_columns(*read.c).outerjoin(read, true())


# Submission → the digest of its round's template, as this process last read it: a guess of
# what the next save of it will read, checked against the digest read with those values.
_DIGEST_OF: Kept = Kept(20_000)


def saver(key: str | None, max_days: int, submission_id: int | None, autocommit: bool = False,
          now: datetime | None = None, value_key: str | None = None) -> SignedInUser | None:
    """``sessions.session_reader`` for a save into ``submission_id``: the same check of the
    session record, every time, and in the same statement the row ``load_for_save`` reads
    (one round trip fewer on every keystroke). The row is only held on the user here; the
    scope check is ``load_for_save``'s, as for any other read.

    ``autocommit`` (PostgreSQL, a save of one value, ``value_key``): the request runs without
    BEGIN and COMMIT, on the worker's own connection for autosaves (``fast_sql.own_connection``:
    no pool checkout, no ping). Its one write is a single statement (value,
    change log, submission time: ``_write``), atomic on its own. When this process has saved
    into the submission before, the values that save will read come in the same statement
    too, picked by the template it had then; ``load_for_save`` keeps them only if the round's
    template is still that one (a third round trip fewer)."""
    if autocommit and db.engine.dialect.name == "postgresql" and not (db.session.registry.has() and db.session().in_transaction()):
        fast_sql.own_connection()
    else:
        value_key = None
    if not valid_id(submission_id):
        return session_reader(key, max_days, now)
    digest = _DIGEST_OF.get(submission_id) if value_key else None
    template = parsed_template(digest)
    patterns = values_to_read(template, value_key).patterns() if template is not None else None
    if patterns is None:
        return read_session(_saver_with_submission(), key, max_days, now,
                            extra={"submission_id": submission_id}, keep=lambda rest: (submission_id, rest, None))
    columns = len(_FOR_SAVE_COLUMNS)
    return read_session(_saver_with_values(len(patterns)), key, max_days, now,
                        extra={"submission_id": submission_id, **{f"pattern_{i}": p for i, p in enumerate(patterns)}},
                        keep=lambda rest: (submission_id, rest[:columns], (digest, value_key, rest[columns:])))


def _values_from_arrays(keys, numbers, texts, versions) -> dict[str, StoredValue]:
    # array_agg over no rows gives NULL arrays.
    return {} if keys is None else _untimed_values(zip(keys, numbers, texts, versions))


def load_for_save(user, submission_id: int) -> SavedSubmission:
    """``load_submission`` for a save, with the same scope check: the few columns a save
    reads, as one Core row (read with the session check when ``saver`` loaded the user). An
    autosave runs on every keystroke; building the three ORM objects cost more than the query."""
    read_along = getattr(user, "read_along", None)
    found = read_along.pop() if read_along else None
    prefetched = None
    if found is not None and found[0] == submission_id:
        row = found[1] if found[1][0] is not None else None
        prefetched = found[2]
    else:
        row = fast_sql.first(_FOR_SAVE, {"submission_id": submission_id}) if valid_id(submission_id) else None
    if row is None:
        raise NotFound()
    (sub_id, round_id, unit_id, status, updated_at, version, round_unit_id, round_status, digest, unit_path,
     round_unit_path) = row
    _check_scope(user, _UnitScope(unit_id, unit_path), round_unit_path)
    if digest and _DIGEST_OF.get(sub_id) != digest:
        _DIGEST_OF.keep(sub_id, digest)
    if prefetched is not None:
        guessed, value_key, arrays = prefetched
        prefetched = (value_key, _values_from_arrays(*arrays)) if guessed == digest else None
    return SavedSubmission(sub_id, round_id, unit_id, status, updated_at, version,
                           SavedRound(round_id, round_unit_id, round_status, digest), prefetched)


def saves_alone() -> bool:
    """True when this save runs outside a transaction (``saver``'s autocommit): its one write
    statement then claims the revision itself (``save_values(claim=True)``)."""
    return fast_sql.autocommitting()


def readable(user, submissions: list[Submission]) -> list[Submission]:
    """Those of these submissions (with round and unit loaded) the user may read."""
    series = series_units([user.unit_id])[user.unit_id]
    return [s for s in submissions
            if can_read_submission(user, s.unit, s.round.unit.path) or s.unit_id in series]


def _check_scope(user, unit, round_unit_path: str) -> None:
    # A unit formed by a merger reads its predecessors' reports: they are its history.
    if not can_read_submission(user, unit, round_unit_path) and unit.id not in series_units([user.unit_id])[user.unit_id]:
        raise NotFound()


def submission_history(submission_id: int, limit: int = 300) -> list[ChangeLog]:
    return db.session.scalars(select(ChangeLog).options(joinedload(ChangeLog.user))
                              .where(ChangeLog.submission_id == submission_id)
                              .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(limit)).all()


def load_for_action(user, submission_id: int) -> Submission:
    """A submission a reviewer approves, returns or reopens: in the reviewer's own round."""
    sub = load_for_review(user, submission_id)
    if not can_act_on_round(user, sub.round):
        raise Forbidden(f"Đợt báo cáo này do {sub.round.unit.name} tổng hợp: cấp trên chỉ xem, "
                        "việc duyệt hay trả lại do cán bộ tổng hợp của đơn vị đó thực hiện.")
    return sub


def load_for_review(user, submission_id: int) -> Submission:
    sub = get_row(Submission, submission_id,
                         options=[joinedload(Submission.round).joinedload(ReportingRound.unit), joinedload(Submission.unit)])
    if sub is None or not can_review_submission(user, sub):
        raise NotFound()
    return sub
