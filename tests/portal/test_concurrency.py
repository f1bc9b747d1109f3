"""Many uploads at once: threads in one process (Streamlit sessions) and several `portal` processes.

Durations are printed (pytest -s) for docs/operations.md, never asserted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from portal.core.context import Portal
from portal.monitoring.status import round_status
from portal.reporting.submissions import ingest
from tests.actors import OFFICE
from tests.portal.reliability_support import ROUND, cli, copy_home, filled, popen, report_units, snapshot
from tests.serving import free_port, wait_until_healthy

pytestmark = pytest.mark.slow  # real processes racing for the warehouse


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def test_sixteen_sessions_uploading_at_once_all_land_once_while_readers_keep_reading(demo_portal, _demo_home):
    home = demo_portal.settings.home
    units = report_units(_demo_home, 16)
    same_file, new_versions = units[0], units[1]
    jobs = [(u, filled(_demo_home, u)) for u in units]
    jobs += [(same_file, filled(_demo_home, same_file))] * 4  # the same file sent again by impatient clicks
    jobs += [(new_versions, filled(_demo_home, new_versions, v)) for v in (1, 2, 3)]  # corrections
    start = threading.Barrier(len(jobs) + 1)
    results, errors, reads = [None] * len(jobs), [], []
    writing = threading.Event()
    writing.set()

    def upload(i, unit, data):
        try:
            start.wait()
            # Each session opens its own Portal, as pages do on every run.
            results[i] = ingest(Portal.open(home), OFFICE, data, f"{unit}.xlsx", unit=unit, round_code=ROUND)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def read():
        start.wait()
        while writing.is_set():
            try:
                reads.append(round_status(Portal.open(home), OFFICE, ROUND).reported)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=upload, args=(i, u, d)) for i, (u, d) in enumerate(jobs)]
    reader = threading.Thread(target=read)
    for t in [*threads, reader]:
        t.start()
    began = time.monotonic()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.monotonic() - began
    writing.clear()
    reader.join(timeout=60)

    assert errors == []
    assert all(r is not None and r.accepted for r in results)
    print(f"\n{len(jobs)} concurrent uploads in {elapsed:.1f} s; {len(reads)} status reads meanwhile")
    submissions = _rows(
        demo_portal, "SELECT unit, version, status, id FROM submissions WHERE round = ?", [ROUND]
    )
    per_unit = Counter(u for u, *_ in submissions)
    assert set(per_unit) == set(units)
    assert per_unit[same_file] == 1 and per_unit[new_versions] == 4
    assert all(n == 1 for u, n in per_unit.items() if u != new_versions)
    # The same file five times: one submission, four recognised duplicates pointing at it.
    same = [r for r in results if r.unit == same_file]
    assert len({r.submission_id for r in same}) == 1 and sum(not r.duplicate for r in same) == 1
    # Four files for one unit: versions 1..4, exactly one current, the others superseded by a newer one.
    versions = sorted((v, s) for u, v, s, _ in submissions if u == new_versions)
    assert [v for v, _ in versions] == [1, 2, 3, 4]
    assert [s for _, s in versions].count("validated") == 1 and [s for _, s in versions].count(
        "superseded"
    ) == 3
    # Every submission is whole: its values match the unit's indicators, one audit line each.
    for unit, _, status, sid in submissions:
        owned = _rows(demo_portal, "SELECT count(*) FROM indicator_owners WHERE unit = ?", [unit])[0][0]
        stored = _rows(demo_portal, "SELECT count(*) FROM indicator_values WHERE submission_id = ?", [sid])[
            0
        ][0]
        assert stored == owned > 0, (unit, status)
    audit = _rows(demo_portal, "SELECT count(*) FROM audit_log WHERE action = 'submission.upload'")[0][0]
    assert audit == len(submissions)
    # Readers never saw a half state: the count of reporting units only grows.
    assert reads and reads == sorted(reads) and reads[-1] <= len(units)


def test_several_portal_processes_ingesting_at_once_all_succeed(demo_portal, _demo_home, tmp_path):
    home = demo_portal.settings.home
    units = report_units(_demo_home, 4)
    procs = []
    began = time.monotonic()
    for unit in units:
        path = tmp_path / f"{unit}.xlsx"
        path.write_bytes(filled(_demo_home, unit))
        procs.append(
            popen("ingest", str(path), "--unit", unit, "--round", ROUND, "--user", "office", home=home)
        )
    outcomes = [(p.wait(timeout=600), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
    print(f"\n{len(units)} parallel portal ingest processes done in {time.monotonic() - began:.1f} s")

    assert [code for code, _, _ in outcomes] == [0] * len(units), outcomes
    got = _rows(demo_portal, "SELECT unit FROM submissions WHERE round = ? ORDER BY unit", [ROUND])
    assert [u for (u,) in got] == sorted(units)


def test_a_process_that_cannot_get_the_warehouse_gives_up_after_the_bounded_wait_with_a_clear_message(
    demo_portal, _demo_home, tmp_path
):
    home = demo_portal.settings.home
    path = tmp_path / "cxcy.xlsx"
    path.write_bytes(filled(_demo_home, "JZKF-CXCY"))
    before = snapshot(home)

    with demo_portal.warehouse.exclusive():  # another program is writing, for longer than the wait
        began = time.monotonic()
        done = cli(
            "ingest", str(path), "--unit", "JZKF-CXCY", "--round", ROUND, "--user", "office", home=home,
            env={"PORTAL_LOCK_TIMEOUT_SECONDS": "1"},
        )  # fmt: skip
        waited = time.monotonic() - began

    print(f"\nbusy ingest gave up after {waited:.1f} s (including interpreter start)")
    assert done.returncode == 1
    assert "数据仓库正被另一个程序使用" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert snapshot(home) == before
    retry = cli("ingest", str(path), "--unit", "JZKF-CXCY", "--round", ROUND, "--user", "office", home=home)
    assert retry.returncode == 0, retry.stderr.decode()


def test_a_duckdb_shell_holding_the_file_outside_our_lock_is_waited_for_then_reported(demo_portal):
    import duckdb

    from warehouse.db import Warehouse, WarehouseBusy

    # A connection in this process stands for the shell; the waiting side is another process.
    holder = duckdb.connect(str(demo_portal.warehouse.path))
    try:
        done = cli("status", home=demo_portal.settings.home, env={"PORTAL_LOCK_TIMEOUT_SECONDS": "1"})
    finally:
        holder.close()
    assert done.returncode == 1 and "被其他程序占用" in done.stderr.decode()
    with Warehouse(demo_portal.warehouse.path).connect() as con:  # released: works again
        assert con.execute("SELECT count(*) FROM plans").fetchall()[0][0] == 5
    assert WarehouseBusy


@pytest.fixture
def serve_home(_demo_home, tmp_path):
    return copy_home(_demo_home, tmp_path / "served")


def test_a_busy_warehouse_while_validating_fails_the_upload_instead_of_rejecting_the_file(
    demo_portal, _demo_home, monkeypatch
):
    from portal.reporting.validation import ExpectationBook
    from warehouse.db import WarehouseBusy

    def busy(self, round_code, unit):
        raise WarehouseBusy("数据仓库正被另一个程序使用(1 秒内未释放),请稍后重试。")

    monkeypatch.setattr(ExpectationBook, "_load", busy)
    with pytest.raises(WarehouseBusy):
        ingest(
            demo_portal, OFFICE, filled(_demo_home, "JZKF-CXCY"), "a.xlsx", unit="JZKF-CXCY", round_code=ROUND
        )
    assert _rows(demo_portal, "SELECT count(*) FROM submissions")[0][0] == 0


def _open_files(pid: int, home) -> list[str]:
    import os

    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(home)) and "warehouse.duckdb" in target:
            found.append(target)
    return found


def _sign_in(browser, url, username, password):
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"{username} 测试").first.wait_for()
    return page


def test_portal_ingest_runs_while_portal_serve_is_up_and_serve_holds_no_file_open(
    serve_home, _demo_home, make_account, tmp_path
):
    from schemas.enums import Role
    from tests.conftest import require_tool

    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    portal = Portal.open(serve_home)
    make_account(portal, "office9", Role.OFFICE_REVIEWER, password="pw-office9-123")
    port = free_port()
    server = popen("serve", "--port", str(port), home=serve_home)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_healthy(url, server, 90), "portal serve did not start"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            try:
                _sign_in(
                    browser, url, "office9", "pw-office9-123"
                )  # the server reads and writes the warehouse
                held = None
                for _ in range(40):  # once the run is over, the server holds nothing open
                    held = _open_files(server.pid, serve_home)
                    if not held:
                        break
                    time.sleep(0.25)
                assert held == []

                path = tmp_path / "cxcy.xlsx"
                path.write_bytes(filled(_demo_home, "JZKF-CXCY"))
                done = cli(
                    "ingest",
                    str(path),
                    "--unit",
                    "JZKF-CXCY",
                    "--round",
                    ROUND,
                    "--user",
                    "office",
                    home=serve_home,
                )
                assert done.returncode == 0, done.stderr.decode()
                backup = cli("backup", "-o", str(tmp_path / "b.zip"), home=serve_home)
                assert backup.returncode == 0, backup.stderr.decode()

                _sign_in(browser, url, "office9", "pw-office9-123")  # and the server still works after
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert _rows(portal, "SELECT count(*) FROM submissions WHERE unit = 'JZKF-CXCY'")[0][0] == 1
    with portal.warehouse.connect() as con:
        signed_in = con.execute("SELECT count(*) FROM audit_log WHERE actor = 'office9'").fetchall()[0][0]
    assert signed_in >= 2
