"""The read-only open-data API (issue 21): the shared tables behind a token, JSON pages, CSV and
Parquet, filters, the 401 and 404 shapes, the audit line of every call, and the route in `portal serve`."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import polars as pl
import pytest
from starlette.requests import Request

from portal.accounts.auth import Account
from portal.accounts.tokens import create_token, revoke_token
from portal.sharing import api
from portal.sharing.datasets import DATASETS
from schemas.enums import Role
from tests.conftest import ROOT
from tests.serving import free_port, wait_until_healthy
from warehouse import views

OPERATOR = Account("cli", "服务器运维", Role.ADMIN, None)
ROUND = "2025Q2"


@pytest.fixture(scope="module")
def shared(_filled_demo_home, tmp_path_factory):
    """One copy of the filled demo with a token for 荆州经开区's office and one for 益阳's (read only)."""
    import shutil

    import portal.accounts.auth as auth
    from tests.conftest import TEST_HASHER

    saved, auth._hasher = auth._hasher, TEST_HASHER
    home = tmp_path_factory.mktemp("sharing") / "home"
    shutil.copytree(_filled_demo_home, home)
    from portal.core.context import Portal

    portal = Portal.open(home)
    jz = create_token(portal, OPERATOR, "office_jzkf", "jz-dashboard").token
    yy = create_token(portal, OPERATOR, "office_yy", "yy-stats").token
    auth._hasher = saved
    return portal, jz, yy


def _get(portal, token: str | None, name: str | None, **params):
    path = f"{api.PREFIX}/{name or ''}"
    return api.answer(
        portal, f"Bearer {token}" if token else None, name, {k: str(v) for k, v in params.items()}, path
    )


def _json(reply) -> dict:
    assert reply.media_type == "application/json"
    return json.loads(reply.body)


def _approved(portal, round_code: str) -> pl.DataFrame:
    """Approved values of the round straight from the warehouse: unit and plan of each."""
    with portal.warehouse.connect() as con:
        views.install_macros(con)
        return con.sql(
            "SELECT s.unit, i.plan FROM approved_submissions() s JOIN indicator_values v ON v.submission_id = s.id "
            "JOIN indicators i ON i.code = v.indicator WHERE s.round = ? AND v.value IS NOT NULL",
            params=[round_code],
        ).pl()


def test_jingzhous_token_reads_jingzhous_approved_values_only_and_yiyangs_none_of_them(shared):
    portal, jz, yy = shared
    approved = _approved(portal, ROUND)
    body = _json(_get(portal, jz, "indicator-values", round=ROUND, limit=10000))
    rows = pl.DataFrame(body["data"])
    assert body["total"] == rows.height == approved.filter(pl.col("plan") == "JZ").height > 0
    assert set(rows["plan"]) == {"JZ"} and all(u.startswith("JZKF-") for u in rows["unit"])
    assert set(rows["round"]) == {ROUND}
    theirs = pl.DataFrame(_json(_get(portal, yy, "indicator-values", round=ROUND, limit=10000))["data"])
    assert theirs.height > 0 and set(theirs["plan"]) == {"YY"}
    assert not set(theirs["unit"]) & set(rows["unit"])


def test_without_a_token_or_with_a_bad_one_the_answer_is_401_in_chinese_and_english(shared):
    portal, jz, _ = shared
    expected = {
        "error": {
            "code": "token-invalid",
            "message": "令牌无效或已过期",
            "message_en": "invalid or expired token",
        }
    }
    for reply in (
        _get(portal, None, "indicator-values", round=ROUND),
        _get(portal, jz[:-1] + ("A" if jz[-1] != "A" else "B"), "indicator-values"),
        _get(portal, "kjt_000000000000_" + "a" * 43, None),
        api.answer(portal, f"Basic {jz}", "plans", {}, "/api/v1/plans"),  # only a bearer token counts
    ):
        assert (reply.status, _json(reply), reply.headers["www-authenticate"]) == (401, expected, "Bearer")


def test_json_pages_say_total_limit_offset_and_next_and_walk_the_whole_table(shared):
    portal, jz, _ = shared
    whole = _json(_get(portal, jz, "task-progress", limit=10000))
    first = _json(_get(portal, jz, "task-progress", plan="JZ", limit=40))
    assert (first["limit"], first["offset"], len(first["data"])) == (40, 0, 40)
    assert first["total"] == whole["total"] > 80
    assert first["next"] == "/api/v1/task-progress?plan=JZ&limit=40&offset=40"
    seen, page = [], first
    while True:
        seen += page["data"]
        if page["next"] is None:
            break
        query = dict(p.split("=") for p in page["next"].split("?")[1].split("&"))
        page = _json(_get(portal, jz, "task-progress", **query))
    assert seen == whole["data"]
    assert _json(_get(portal, jz, "task-progress"))["limit"] == api.DEFAULT_LIMIT


def test_csv_and_parquet_hold_the_same_rows_as_json(shared):
    portal, jz, _ = shared
    rows = pl.DataFrame(_json(_get(portal, jz, "completion", round=ROUND))["data"])
    csv = _get(portal, jz, "completion", round=ROUND, format="csv")
    parquet = _get(portal, jz, "completion", round=ROUND, format="parquet")
    assert csv.media_type.startswith("text/csv") and parquet.media_type == "application/vnd.apache.parquet"
    assert csv.headers["content-disposition"] == 'attachment; filename="completion.csv"'
    from_csv = pl.read_csv(io.BytesIO(csv.body))
    from_parquet = pl.read_parquet(io.BytesIO(parquet.body))
    assert from_csv.columns == from_parquet.columns == DATASETS["completion"].columns
    assert from_csv.height == from_parquet.height == rows.height == int(csv.headers["x-total-count"]) > 0
    assert from_parquet["unit"].to_list() == from_csv["unit"].to_list() == rows["unit"].to_list()
    assert from_parquet.schema["due_date"] == pl.Date and from_parquet.schema["reported"] == pl.Boolean
    # A page of a file only when one is asked for.
    assert (
        pl.read_parquet(io.BytesIO(_get(portal, jz, "completion", format="parquet", limit=3).body)).height
        == 3
    )


def test_filters_narrow_by_plan_office_unit_round_and_year(shared):
    portal, _, _ = shared
    admin_token = create_token(portal, OPERATOR, "admin", "admin-filters").token

    def rows(name, **params):
        return pl.DataFrame(_json(_get(portal, admin_token, name, limit=10000, **params))["data"])

    assert set(rows("indicators", plan="YY")["plan"]) == {"YY"}
    assert set(rows("plans", office="XSSS")["code"]) == {"XY", "XYKX", "SY"}
    assert set(rows("offices", office="HB")["code"]) >= {"HB", "XSSS", "XY", "JZ", "JZKF"}
    assert "YY" not in set(rows("offices", office="HB")["code"])
    assert set(rows("indicator-values", unit="YY-KJJ", year=2025)["unit"]) == {"YY-KJJ"}
    assert set(rows("indicator-values", unit="YY-KJJ", year=2025)["round"]) <= {"2025Q1", "2025Q2", "2025Q3"}
    assert set(rows("rounds", year=2024)["code"]) == {"2024Q1", "2024Q2", "2024Q3", "2024Q4"}
    assert set(rows("kpi-pace", round=ROUND, plan="JZ")["round"]) == {ROUND}
    assert set(rows("completion", round=ROUND, plan="YY")["unit"]) <= set(rows("units", plan="YY")["code"])
    refused = _get(portal, admin_token, "plans", round=ROUND)  # a filter the table does not have
    assert (refused.status, _json(refused)["error"]["code"]) == (400, "invalid-parameter")
    assert _get(portal, admin_token, "plans", limit=0).status == 400
    assert _get(portal, admin_token, "plans", format="xlsx").status == 400


def test_a_plan_unit_office_or_round_outside_the_scope_is_404_exactly_like_a_missing_one(shared):
    portal, _, yy = shared
    for key, outside, missing in (
        ("plan", "JZ", "NOPE"),
        ("unit", "JZKF-CXCY", "NOPE-1"),
        ("office", "JZKF", "NOPE"),
    ):
        a, b = (
            _get(portal, yy, "indicator-values", **{key: outside}),
            _get(portal, yy, "indicator-values", **{key: missing}),
        )
        assert a.status == b.status == 404
        assert _json(a)["error"]["message"] == _json(b)["error"]["message"].replace(missing, outside)
        assert _json(a)["error"]["code"] == "not-found"
    assert _get(portal, yy, "indicator-values", round="2031Q1").status == 404
    assert _get(portal, yy, "no-such-table").status == 404


def test_every_call_is_audited_with_the_token_name_the_path_and_the_rows(shared):
    portal, jz, _ = shared
    path = f"{api.PREFIX}/units?limit=7"
    api.answer(portal, f"Bearer {jz}", "units", {"limit": "7"}, path)
    api.answer(portal, f"Bearer {jz}", "units", {"plan": "YY"}, f"{api.PREFIX}/units?plan=YY")
    with portal.warehouse.connect() as con:
        lines = con.execute(
            "SELECT actor, action, target, detail FROM audit_log WHERE action = 'api.read' ORDER BY id DESC LIMIT 2"
        ).fetchall()
    assert lines[1] == ("office_jzkf（接口令牌“jz-dashboard”）", "api.read", path, "7 行")
    assert lines[0] == (
        "office_jzkf（接口令牌“jz-dashboard”）",
        "api.read",
        "/api/v1/units?plan=YY",
        "0 行，拒绝：404 not-found",
    )


def test_the_index_lists_every_dataset_with_its_fields_and_filters(shared):
    portal, jz, _ = shared
    index = _json(_get(portal, jz, None))
    assert [d["name"] for d in index["datasets"]] == list(DATASETS)
    values = next(d for d in index["datasets"] if d["name"] == "indicator-values")
    assert values["path"] == "/api/v1/indicator-values"
    assert values["filters"] == ["plan", "office", "unit", "round", "year"]
    assert {
        "name": "value",
        "type": "number",
        "description": "审核通过的数值（单位见 measure_unit）",
    } in values["fields"]


def test_a_revoked_token_is_refused_from_the_next_call(shared):
    portal, _, _ = shared
    token = create_token(portal, OPERATOR, "eval_jzkf", "revoked-soon").token
    assert _get(portal, token, "plans").status == 200
    revoke_token(portal, OPERATOR, "revoked-soon")
    assert _get(portal, token, "plans").status == 401


def _asgi_get(path: str, query: str, headers: dict[str, str]):
    from portal.ui.asgi_app import open_data

    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"127.0.0.1:8501")],
        "server": ("127.0.0.1", 8501),
        "path_params": {"dataset": path.rsplit("/", 1)[1]} if not path.endswith("/") else {},
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    return asyncio.run(open_data(Request(scope, receive)))


def test_the_starlette_route_hands_the_request_over(shared, monkeypatch):
    portal, jz, _ = shared
    monkeypatch.setenv("PORTAL_HOME", str(portal.settings.home))
    reply = _asgi_get("/api/v1/plans", "format=csv", {"authorization": f"Bearer {jz}"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    assert pl.read_csv(io.BytesIO(reply.body))["code"].to_list() == ["JZ"]
    assert _asgi_get("/api/v1/plans", "", {}).status_code == 401


@pytest.mark.slow
def test_portal_serve_answers_the_api_on_loopback(shared):
    portal, jz, yy = shared
    port = free_port()
    env = os.environ | {"PORTAL_HOME": str(portal.settings.home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def get(path: str, token: str | None):
        request = urllib.request.Request(
            f"{url}{path}", headers={"Authorization": f"Bearer {token}"} if token else {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    try:
        assert wait_until_healthy(url, proc, 90)
        status, headers, body = get(f"/api/v1/indicator-values?round={ROUND}", jz)
        index = get("/api/v1/", yy)
        theirs = get(f"/api/v1/indicator-values?round={ROUND}&format=parquet", yy)
        anonymous = get(f"/api/v1/indicator-values?round={ROUND}", None)
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert status == 200 and headers["X-Frame-Options"] == "DENY"
    assert {r["plan"] for r in json.loads(body)["data"]} == {"JZ"}
    assert index[0] == 200 and len(json.loads(index[2])["datasets"]) == len(DATASETS)
    assert theirs[0] == 200 and set(pl.read_parquet(io.BytesIO(theirs[2]))["plan"]) == {"YY"}
    assert anonymous[0] == 401 and json.loads(anonymous[2])["error"]["code"] == "token-invalid"


def test_a_call_opens_the_warehouse_once_to_check_the_token_and_read_and_once_to_audit(shared, monkeypatch):
    portal, jz, _ = shared
    opened = []
    real = type(portal.warehouse).open_unlocked

    def counting(self, *args, **kwargs):
        opened.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(portal.warehouse), "open_unlocked", counting)
    # each operation opens the file when the instance is closed between them (no lingering):
    # the opens count the operations
    monkeypatch.setattr(portal.warehouse._shared, "linger", 0)
    reply = _get(portal, jz, "indicator-values", round=ROUND)
    assert reply.status == 200 and _json(reply)["total"] > 0
    assert len(opened) == 2  # token check + read on one connection; the audit record on its own
    opened.clear()
    assert _get(portal, jz, "indicator-values", round="2031Q1").status == 404
    assert len(opened) == 2
    opened.clear()
    assert _get(portal, "kjrw_nonsense", "indicator-values").status == 401
    assert opened == []  # a token that cannot exist never opens the warehouse
