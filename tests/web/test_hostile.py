"""Hostile input: every malformed request is a 4xx with a message, never a 500; a refused
request changes nothing, and a save changes nothing but the cells it names.

The routes come from ``app.url_map`` at collection time, so a route added later is tried
too. For each route, a plausible request is sent first while the form and query fields
the view actually reads are recorded; then each of those fields in turn is spoiled with
values Hypothesis draws (huge numbers, superscript digits, control characters, newlines,
a megabyte of text …), with real ids and ids no INTEGER column can hold in the URL, by
the route's own user or another. Examples are bounded and derandomised, so the suite
stays quick and CI repeatable; ``HOSTILE_EXAMPLES=50`` explores further.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app import create_app
from app.extensions import db
from app.models import SubmissionValue, User
from tests.conftest import Config, login_as
from tests.web.test_permissions import World, build_world

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
# POST routes change things: about 20 examples each (the issue's budget for CI).
POST_EXAMPLES = int(os.environ.get("HOSTILE_POST_EXAMPLES", "20"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

HUGE_IDS = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**40]
SECTIONS = ["I.2", "I.4", "I.5.1", "I.3", "II", "khong.co", "I.2\r\nLocation: //evil", "x" * 300, "I.4/ho_tich"]
MEGABYTE = "k" * (1024 * 1024)
HOSTILE_TEXT = [
    "", " ", "0", "-1", "²", "١٢", "1e999", "NaN", "1,5", "15.256", "9" * 5000, str(2**63), str(2**31),
    "99999999999999999999", "\x00", "a\x00b", "\x0b\x07\x1b\x7f\x85\ufffe\uffff", "dòng 1\r\ndòng 2",
    "k-I-4\r\nSet-Cookie: x=1", "<script>alert(1)</script>", "'; DROP TABLE submission; --", "../../etc/passwd",
    "31/02/2024", "01/01/99999", "9999-12-31", "x" * 70_000, MEGABYTE, "🙂" * 100, "I.4/ho_tich/c4", "khongcogach",
]
KEYS = ["I.4/ho_tich/c4", "I.4/dat_dai/c3", "I.3/received", "I.2/text", "I.4/_total/c3", "I.4", "I.4/", "/",
        "I.4/ho_tich", "khong.co/x", "khongcogach", "_explain:x:0123456789abcdef", "_explain:", "I.4/ho_tich/c4/x",
        MEGABYTE]
PARTIAL_SAVES = {"entry.save", "entry.paste"}  # good cells of a request with bad ones are kept


def hostile_values():
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30),
                     st.integers(min_value=-2**70, max_value=2**70).map(str))


# Signed fields carry JSON the portal made itself; forged ones are signed with the test key
# (whoever learns a key, or a bug that signs what it should not, gets this far).
SIGNED_FIELDS = {"payload": "xlsx-upload", "token": "bulk-import"}
JSON = st.recursive(st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=False)
                    | st.sampled_from(HOSTILE_TEXT[:25]) | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["s", "u", "c", "kind", "table", "x"]), inner, max_size=4), max_leaves=12)


def forged_json(world: World):
    own = world.round_a.submissions[0]
    shaped = st.one_of(
        st.fixed_dictionaries({"s": st.just(own.id), "u": st.just(own.unit_id), "c": JSON}),
        st.fixed_dictionaries({"s": st.just(own.id), "u": st.just(own.unit_id), "c": st.lists(
            st.lists(JSON, min_size=3, max_size=3) | st.tuples(st.sampled_from(KEYS[:-1]), st.sampled_from(HOSTILE_TEXT[:25]),
                                                               st.integers(min_value=-2**40, max_value=2**40)).map(list),
            max_size=3)}),
        st.fixed_dictionaries({"kind": st.sampled_from(["units", "users", "x"]), "table": JSON}),
        st.fixed_dictionaries({"kind": st.sampled_from(["units", "users"]), "table": st.lists(
            st.lists(JSON | st.sampled_from(HOSTILE_TEXT[:25]), max_size=5), max_size=4)}),
        JSON)
    return shaped


def field_values(world: World, name: str):
    if name in SIGNED_FIELDS:
        return st.one_of(forged_json(world).map(lambda data: signed(SIGNED_FIELDS[name], data)), hostile_values())
    return hostile_values()


def plausible(world: World) -> dict[str, str]:
    """A request every POST route would accept (each reads the fields it knows)."""
    return {
        "v.I.4/ho_tich/c4": "5", "ver.I.4/ho_tich/c4": "0", "v.I.2/text": "Nội dung", "section": "k-I-4",
        "start": "I.4/ho_tich/c4", "text": "1\t2\n3\t4", "doc_type": "KH", "number": "1/KH-UBND",
        "issued_on": "10/01/2024", "summary": "Kế hoạch", "version": "1", "comment.I.2": "Bổ sung số liệu",
        "reason": "Đơn vị xin nộp bổ sung", "template": "quarterly_tthc", "year": "2024", "index": "2",
        "deadline": "2024-07-20", "units": str(world.commune_a1.id), "action": "open", "code": "P.A.X9",
        "name": "Xã Mới", "kind": "commune", "parent_id": str(world.district_a.id), "sort_order": "3", "active": "y",
        "username": "can.bo.moi", "full_name": "Cán Bộ Mới", "role": "reporter", "unit_id": str(world.commune_a1.id),
        "phone": "0912345678", "email": "a@b.vn", "recipient": "UBND tỉnh", "signer_title": "Chủ tịch",
        "signer_name": "Nguyễn Văn A", "day": "2024-09-02", "note": "Nghỉ bù", "target": "0", "q": "Xã",
        "page": "2", "open": str(world.commune_a1.id), "edit": "1", "key": "I.4/_total/c3", "state": "late",
    }


def natural_role(rule) -> str:
    """The role whose own objects the route acts on, so examples get past the scope check."""
    if rule.endpoint == "auth.login":
        return "anonymous"
    if rule.rule.startswith("/admin"):
        return "admin"
    if rule.rule.startswith(("/rounds", "/exports/rounds", "/directives")):
        return "reviewer"
    return "reporter"


def own_ids(world: World) -> dict[str, list[int]]:
    return {
        "round_id": [world.round_a.id, world.province_round.id],
        "submission_id": [world.round_a.submissions[0].id, world.sub_a2.id, world.sub_b_upward.id],
        "unit_id": [world.commune_a1.id, world.district_a.id],
        "user_id": [world.reporter_a1.id],
        "document_id": [world.doc_a2.id],
        "day_id": [1],
    }


def is_id(rule, name: str) -> bool:
    return isinstance(rule._converters.get(name), IntegerConverter)


def url_argument(world: World, rule, name: str):
    if not is_id(rule, name):
        return st.sampled_from(KEYS[:-1] if name == "key" else SECTIONS)
    # An id this test does not know (a route added later) is tried as 1 and out of range.
    own = own_ids(world).get(name, [1])
    return st.one_of(st.sampled_from(own), st.sampled_from(HUGE_IDS))


def fingerprint() -> dict[str, list]:
    """Every row the portal keeps, except the records of who signed in and who failed to."""
    db.session.expire_all()
    skipped = {"login_failure", "login_attempt", "user_session"}
    return {t.name: db.session.execute(text(f'SELECT * FROM "{t.name}" ORDER BY 1')).all()
            for t in db.metadata.sorted_tables if t.name not in skipped}


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


@contextmanager
def recording_reads():
    """The names a view looks up in request.form and request.args."""
    names: set[str] = set()
    originals = {m: getattr(ImmutableMultiDict, m) for m in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(method):
        def recorded(self, key, *args, **kwargs):
            names.add(key)
            return originals[method](self, key, *args, **kwargs)
        return recorded

    for method in originals:
        setattr(ImmutableMultiDict, method, wrap(method))
    try:
        yield names
    finally:
        for method, original in originals.items():
            setattr(ImmutableMultiDict, method, original)


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def clients(app, world: World):
    admin = User(username="quantri", full_name="Quản trị", role="admin", unit=world.province, phone="")
    admin.set_password("secret123")
    db.session.add(admin)
    db.session.commit()
    province_reviewer = db.session.scalar(db.select(User).where(User.username == "reviewer.p"))
    result = {}
    for name, user in (("reporter", world.reporter_a1), ("reviewer", world.reviewer_a),
                       ("province", province_reviewer), ("admin", admin)):
        g.pop("_login_user", None)
        client = app.test_client()
        login_as(client, user)
        result[name] = client
    result["anonymous"] = app.test_client()
    g.pop("_login_user", None)
    return result


def send(client, method: str, url: str, fields: dict, htmx: bool):
    g.pop("_login_user", None)
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        response = client.get(url, query_string=fields or None, headers=headers, buffered=True)
    else:
        response = client.post(url, data=fields, headers=headers, buffered=True)
    response.close()  # downloads hold a spooled file until closed
    g.pop("_login_user", None)
    return response


def assert_answered(response):
    assert response.status_code < 500, (response.status_code, response.request.path)
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        assert body.strip() or response.headers.get("HX-Redirect"), "a refusal without a message"


def own_arguments(world: World, rule) -> dict:
    """The URL's arguments naming the route's own user's objects (a real section of the right kind)."""
    def value(name):
        if is_id(rule, name):
            return own_ids(world).get(name, [1])[0]
        if name == "key":
            return "I.4/_total/c3"
        return "I.5.1" if "document" in rule.rule else "I.2" if "narrative" in rule.rule else "I.4"
    return {name: value(name) for name in rule.arguments}


def fields_read(app, clients, world, rule, method: str) -> list[str]:
    """Send the plausible request to the route's own user, recording what the view reads."""
    url = app.url_map.bind("localhost").build(rule.endpoint, own_arguments(world, rule), method=None)
    with recording_reads() as names:
        send(clients[natural_role(rule)], method, url, plausible(world) if method == "POST" else {}, False)
    return sorted(names | ({"v.I.4/ho_tich/c4", "ver.I.4/ho_tich/c4"} if rule.endpoint == "entry.save" else set()))


# Tried on every field a route reads, with the route's own user and objects: the values
# that broke the portal before (a 5,000-digit number, a superscript digit, NUL and a
# header-splitting newline, an id no INTEGER column holds).
DANGEROUS = ["9" * 5000, "²", "k-I-4\x00\r\nSet-Cookie: x=1", str(2**63)]


def run_spoiled(app, clients, world, rule, method: str) -> None:
    names = fields_read(app, clients, world, rule, method) or ["unused"]
    base = plausible(world) if method == "POST" else {}
    adapter = app.url_map.bind("localhost")
    own_args = own_arguments(world, rule)
    for name in names:
        for value in DANGEROUS:
            assert_answered(send(clients[natural_role(rule)], method, adapter.build(rule.endpoint, own_args, method=None),
                                 base | {name: value}, False))

    @settings(SETTINGS, max_examples=POST_EXAMPLES if method == "POST" else EXAMPLES)
    @given(data=st.data())
    def spoil(data):
        role = data.draw(st.one_of(st.just(natural_role(rule)), st.sampled_from(sorted(clients))), label="role")
        args = {arg: data.draw(url_argument(world, rule, arg), label=arg) for arg in sorted(rule.arguments)}
        name = data.draw(st.sampled_from(names), label="field")
        fields = base | {name: data.draw(field_values(world, name), label=name)}
        before = fingerprint() if method == "POST" else None
        response = send(clients[role], method, adapter.build(rule.endpoint, args, method=None), fields,
                        data.draw(st.booleans(), label="htmx"))
        assert_answered(response)
        if before is not None and 400 <= response.status_code < 500:
            allowed = {"submission_value", "change_log", "submission"} if rule.endpoint in PARTIAL_SAVES else set()
            changed = changed_tables(before, fingerprint())
            assert changed <= allowed, (name, response.status_code, changed)

    spoil()


RULES = sorted((r for r in create_app(Config).url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)
POST_RULES = [r for r in RULES if "POST" in r.methods]
GET_RULES = [r for r in RULES if "GET" in r.methods]


@pytest.mark.parametrize("rule", POST_RULES, ids=[f"POST {r.rule}" for r in POST_RULES])
def test_every_post_route_answers_each_spoiled_field_with_a_4xx_and_changes_nothing_when_refusing(
        app, clients, world, rule):
    run_spoiled(app, clients, world, rule, "POST")


@pytest.mark.parametrize("rule", GET_RULES, ids=[f"GET {r.rule}" for r in GET_RULES])
def test_every_page_answers_hostile_ids_and_query_strings_with_a_4xx_never_a_500(app, clients, world, rule):
    run_spoiled(app, clients, world, rule, "GET")


# --- Only the targeted cell changes ----------------------------------------------------------------

NOT_INPUTS = [k for k in KEYS if k not in ("I.4/ho_tich/c4", "I.3/received", "I.2/text")]


def stored_cells() -> dict[tuple[int, str], tuple]:
    db.session.expire_all()
    return {(v.submission_id, v.key): (v.int_value, v.text_value, v.version) for v in db.session.scalars(
        db.select(SubmissionValue))}


def test_a_save_changes_the_cell_it_names_and_nothing_else_whatever_else_it_carries(app, clients, world):
    sub = world.round_a.submissions[0]
    target = "I.4/xay_dung/c5"

    @settings(SETTINGS, max_examples=EXAMPLES * 3)
    @given(value=st.integers(min_value=0, max_value=9_999_999),
           noise=st.dictionaries(st.one_of(st.sampled_from(NOT_INPUTS).map(lambda k: "v." + k),
                                           st.sampled_from(["section", "ver.I.4/ho_tich/c4", "text", "start"])),
                                 st.sampled_from(HOSTILE_TEXT), max_size=4),
           htmx=st.booleans())
    def save(value, noise, htmx):
        before, tables = stored_cells(), fingerprint()
        version = before.get((sub.id, target), (None, None, 0))[2]
        response = send(clients["reporter"], "POST", f"/submissions/{sub.id}/save",
                        noise | {"v." + target: str(value), "ver." + target: str(version)}, htmx)
        assert_answered(response)
        after = stored_cells()
        assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} <= {(sub.id, target)}
        assert after[(sub.id, target)][0] == value
        assert changed_tables(tables, fingerprint()) <= {"submission_value", "change_log", "submission"}

    save()


# --- The malformed requests the issue found, each named --------------------------------------------

def _known(world: World) -> list[tuple[str, str, str, dict | None]]:
    own, doc = world.round_a.submissions[0].id, world.doc_a2.id
    return [
        ("reporter", "POST", f"/submissions/{own}/save", {"v.I.4/ho_tich/c4": "1", "ver.I.4/ho_tich/c4": "²"}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v.I.4/ho_tich/c4": "9" * 5000}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v.I.5.5/i1": "9" * 5000}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v.khong.co/x": "1"}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v.khongcogach": "1"}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v." + MEGABYTE: "1"}),
        ("reporter", "POST", f"/submissions/{own}/save", {"v.I.4/ho_tich/c4": "1", "section": "k-I-4\r\nX: y"}),
        ("reporter", "POST", f"/submissions/{own}/paste", {"start": "I.4/ho_tich/c4", "text": "9" * 5000}),
        ("reporter", "POST", f"/submissions/{own}/paste", {"start": MEGABYTE, "text": "1"}),
        ("reporter", "POST", f"/submissions/{own}/documents/I.5.1",
         {"doc_type": "KH", "number": "1", "summary": "x", "issued_on": "01/01/99999"}),
        ("reporter", "GET", f"/submissions/{own}/documents/I.5.1?edit={2**63}", None),
        ("reporter", "GET", f"/submissions/{2**63}", None),
        ("reporter", "GET", f"/submissions/{2**31}", None),
        ("reviewer", "POST", "/rounds/new", {"template": "quarterly_tthc", "year": "99999999999", "index": "1",
                                             "action": "open"}),
        ("reviewer", "POST", "/rounds/new", {"template": "quarterly_tthc", "year": "9" * 5000, "index": "1"}),
        ("reviewer", "POST", "/rounds/new", {"template": "quarterly_tthc", "year": "2024", "index": str(2**64)}),
        ("reviewer", "POST", "/rounds/new", {"template": "quarterly_tthc", "year": "2024", "unit_id": str(2**64)}),
        ("reviewer", "POST", f"/rounds/{world.round_a.id}/narratives/I.2", {"text": "x", "version": str(2**70)}),
        ("reviewer", "GET", f"/rounds/{2**63}/consolidated", None),
        ("admin", "POST", "/admin/units/new", {"code": "X", "name": "Y", "kind": "commune", "parent_id": str(2**63)}),
        ("admin", "POST", "/admin/units/new", {"code": "X", "name": "Y", "kind": "commune", "sort_order": str(10**30)}),
        ("admin", "POST", "/admin/users/new", {"username": "x.y", "full_name": "Y", "role": "reporter",
                                               "unit_id": str(2**63)}),
        ("admin", "GET", f"/admin/units?open={2**63}", None),
        ("admin", "GET", f"/admin/users?page={10**30}", None),
        ("admin", "GET", f"/admin/fields?edit={2**63}", None),
        ("admin", "GET", f"/admin/users/{2**63}/edit", None),
        ("reporter", "POST", f"/submissions/{own}/documents/I.5.1/{doc}", {"version": "9" * 5000}),
    ]


def test_the_malformed_requests_found_in_the_issue_are_each_a_4xx(app, clients, world):
    for role, method, url, data in _known(world):
        before = fingerprint()
        response = send(clients[role], method, url, data or {}, False)
        assert_answered(response)
        if response.status_code >= 400:
            assert changed_tables(before, fingerprint()) <= {"submission_value", "change_log", "submission"}


# --- Keys, numbers and signed payloads the hostile review found (issue 26) ---------------------

def test_an_autosave_of_a_key_without_a_field_is_a_4xx_in_vietnamese(app, clients, world):
    own = world.round_a.submissions[0].id
    for field in ("v.I.2", "v.", "v.I.4", "v./", "v.I.4/ho_tich"):
        before = fingerprint()
        for htmx in (True, False):
            response = send(clients["reporter"], "POST", f"/submissions/{own}/save", {field: "x"}, htmx)
            assert 400 <= response.status_code < 500, (field, htmx, response.status_code)
            assert "không" in response.get_data(as_text=True).lower() or response.status_code == 400, field
        assert changed_tables(before, fingerprint()) == set()


def test_a_directive_task_with_a_superscript_or_huge_unit_id_is_refused_beside_the_field(app, clients, world):
    url = f"/directives/{world.directive_p.id}/tasks/new"
    for units in ("²", "9" * 4301, str(2**63), "-1"):
        before = fingerprint()
        response = send(clients["admin"], "POST", url, {"label": "2", "content": "Rà soát", "units": units,
                                                       "templates": "quarterly_tthc"}, False)
        assert response.status_code == 422, (units[:10], response.status_code)
        assert "Đơn vị được giao không hợp lệ." in response.get_data(as_text=True)
        assert changed_tables(before, fingerprint()) == set()


def test_a_merger_into_a_new_unit_with_a_long_name_and_no_place_name_asks_for_the_place_name(app, clients, world):
    name = "Xã " + "Hợp Nhất Bên Này " * 9  # 156 characters: the name fits, the place name taken from it would not
    before = fingerprint()
    response = clients["admin"].post("/admin/reorganisation/merge", data={
        "predecessors": [world.commune_a1.id, world.commune_a2.id], "successor_id": 0, "new_code": "P.A.X10",
        "new_name": name, "new_kind": "commune", "new_parent_id": world.district_a.id, "new_place_name": "",
        "new_sort_order": "1", "effective_on": "2024-07-01"})
    assert response.status_code == 422
    assert "tối đa 100 ký tự" in response.get_data(as_text=True)
    assert changed_tables(before, fingerprint()) == set()


def signed(salt: str, data) -> str:
    from itsdangerous import URLSafeSerializer
    return URLSafeSerializer(Config.SECRET_KEY, salt=salt).dumps(data)


def forged_upload_payloads(sub) -> list:
    own = {"s": sub.id, "u": sub.unit_id}
    return [None, [], "x", 1, {}, {"s": str(sub.id), "u": sub.unit_id, "c": []}, own | {"c": "abc"},
            own | {"c": {"I.4/ho_tich/c4": 1}}, own | {"c": [1]}, own | {"c": [[]]}, own | {"c": [["I.4/ho_tich/c4", "1"]]},
            own | {"c": [["I.4/ho_tich/c4", "1", "x"]]}, own | {"c": [["I.4/ho_tich/c4", "1", None]]},
            own | {"c": [["I.4/ho_tich/c4", "1", 2**70]]}, own | {"c": [["I.4/ho_tich/c4", "1", -5]]},
            own | {"c": [[None, None, 0]]}, own | {"c": [[["I.4"], {"a": 1}, 0]]}, own | {"c": [["I.4/ho_tich/c4", "1", 1.5]]},
            own | {"c": [["I.4/ho_tich/c4", "1", True]]}, own | {"c": [["x" * 100_000, "1", 0]]},
            own | {"c": [["I.2", "x", 0]]}, own | {"c": [["", "", 0]]},
            own | {"c": [["I.4/ho_tich/c4", "1", 0, 4]]}, own | {"c": None}]


def forged_import_payloads() -> list:
    return [None, [], "x", {}, {"kind": "x", "table": []}, {"kind": ["units"], "table": []}, {"kind": "units"},
            {"kind": "units", "table": "abc"}, {"kind": "units", "table": [1, 2]}, {"kind": "units", "table": [[1, 2]]},
            {"kind": "users", "table": [[None]]}, {"kind": "units", "table": [{"a": 1}]},
            {"kind": "users", "table": [["Tên đăng nhập"], ["a"] * 500]}, {"kind": "units", "table": None},
            {"kind": "units", "table": [["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"], [1.5, True, None, []]]}]


def test_forged_upload_confirmations_signed_with_the_key_are_a_4xx_in_vietnamese(app, clients, world):
    sub = world.round_a.submissions[0]
    for data in forged_upload_payloads(sub):
        before = fingerprint()
        for htmx in (False, True):
            response = send(clients["reporter"], "POST", f"/exports/submissions/{sub.id}/upload/confirm",
                            {"payload": signed("xlsx-upload", data)}, htmx)
            assert 400 <= response.status_code < 500, (repr(data)[:80], response.status_code)
            assert "tải tệp lên lại" in response.get_data(as_text=True), repr(data)[:80]
        assert changed_tables(before, fingerprint()) == set(), repr(data)[:80]


def test_forged_import_confirmations_signed_with_the_key_are_a_4xx_in_vietnamese(app, clients, world):
    for data in forged_import_payloads():
        before = fingerprint()
        response = send(clients["admin"], "POST", "/admin/imports/confirm", {"token": signed("bulk-import", data)}, False)
        assert 400 <= response.status_code < 500, (repr(data)[:80], response.status_code)
        assert "tải tệp lên lại" in response.get_data(as_text=True), repr(data)[:80]
        assert changed_tables(before, fingerprint()) == set(), repr(data)[:80]


def test_an_autosave_answers_any_key_name_with_less_than_a_500(app, clients, world):
    own = world.round_a.submissions[0].id

    @settings(SETTINGS, max_examples=POST_EXAMPLES)
    @given(key=st.one_of(st.sampled_from(KEYS[:-1] + ["", "I.2", "I.4/ho_tich/", "_explain:x", "I.9/t1/status"]),
                         st.text(max_size=20)),
           value=hostile_values(), htmx=st.booleans())
    def save(key, value, htmx):
        assert_answered(send(clients["reporter"], "POST", f"/submissions/{own}/save", {"v." + key: value}, htmx))

    save()


def test_a_text_longer_than_its_column_never_reaches_the_database(app, world):
    from app.services.columns import TooLong
    from app.services.orgtree import add_unit

    with pytest.raises(TooLong, match="tối đa 100 ký tự"):
        add_unit("P.A.X11", "Xã Dài", "commune", world.district_a, place_name="Đ" * 101)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).where(text("org_unit.code = 'P.A.X11'")).select_from(
        text("org_unit"))) == 0
