"""The pages of the four actions: 操作日志 and 责任单位 tabs on 系统管理, the 任务进展 tab on 指标监测
and the 考核方案 expander on 年度考核 — shown to the roles the table allows, absent for the others."""

import datetime as dt

import pytest
from apptest_support import audit, page, signed_in, texts

from portal.assessment.scheme import default_text
from portal.core import labels as L


@pytest.fixture
def site(reported_site):
    return reported_site


def open_page(username: str, file: str):
    at = page(signed_in(username), file)
    assert not at.exception, at.exception
    return at


def tab(at, label: str):
    return next(t for t in at.tabs if t.label == label)


def tab_labels(at) -> list[str]:
    return [t.label for t in at.tabs]


# --------------------------------------------------------------------------- 系统管理


def test_the_admin_reads_the_audit_log_and_filters_it(site):
    at = open_page("boss", "admin.py")
    log = tab(at, L.TAB_AUDIT)
    table = log.dataframe[0].value
    assert list(table.columns) == ["时间", "操作人", "操作", "对象", "详情"]
    assert "导入任务分解表" in set(table["操作"])
    at.selectbox(key="admin_audit_action").set_value("registry.import").run()
    assert not at.exception, at.exception
    table = tab(at, L.TAB_AUDIT).dataframe[0].value
    assert set(table["操作"]) == {"导入任务分解表"}
    at.selectbox(key="admin_audit_action").set_value(None).run()
    at.selectbox(key="admin_audit_actor").set_value("boss").run()
    table = tab(at, L.TAB_AUDIT).dataframe[0].value
    assert set(table["操作人"]) == {"boss"} and "登录" in set(table["操作"])


def test_the_audit_log_takes_a_date_range_and_says_when_it_is_reversed(site):
    at = open_page("boss", "admin.py")  # the site's today is 2025-10-10: every line is from then
    at.date_input(key="admin_audit_since").set_value(dt.date(2025, 10, 11)).run()
    assert not at.exception, at.exception
    assert L.AUDIT_EMPTY in [c.value for c in tab(at, L.TAB_AUDIT).caption]
    at.date_input(key="admin_audit_until").set_value(dt.date(2025, 10, 9)).run()
    assert [w.value for w in tab(at, L.TAB_AUDIT).warning] == [L.AUDIT_DATES_REVERSED]
    at.date_input(key="admin_audit_since").set_value(dt.date(2025, 10, 10))
    at.date_input(key="admin_audit_until").set_value(dt.date(2025, 10, 10)).run()
    table = tab(at, L.TAB_AUDIT).dataframe[0].value
    assert "导入任务分解表" in set(table["操作"])


def test_the_office_edits_a_units_contact_and_deactivates_it(site):
    at = open_page("office1", "admin.py")
    assert L.TAB_AUDIT not in tab_labels(at)
    units = tab(at, L.TAB_UNITS).dataframe[0].value
    assert len(units) == 63 and "经发局" in set(units["名称"])
    at.selectbox(key="admin_unit_pick").set_value("JZKF-JFJ").run()
    at.text_input(key="admin_unit_contact_JZKF-JFJ").input("张三")
    at.text_input(key="admin_unit_phone_JZKF-JFJ").input("0716-1234567")
    at.checkbox(key="admin_unit_active_JZKF-JFJ").uncheck()
    at = at.button(key="admin_unit_save").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [
        "已修改责任单位 JZKF-JFJ 经发局：联系人、联系电话、停用（不再计入应报单位）。"
    ]
    units = tab(at, L.TAB_UNITS).dataframe[0].value
    row = units[units["代码"] == "JZKF-JFJ"].iloc[0]
    assert (row["联系人"], row["联系电话"], bool(row["启用"])) == ("张三", "0716-1234567", False)
    assert audit(site, "unit.update")[-1][:2] == ("office1", "JZKF-JFJ")


def test_evaluators_get_neither_units_nor_the_log(site):
    at = signed_in("eval1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/admin.py")


# --------------------------------------------------------------------------- 指标监测 · 任务进展


@pytest.mark.parametrize("username", ["office1", "eval1", "boss"])
def test_the_task_tab_shows_every_task_with_a_status_chart(site, username):
    at = open_page(username, "monitoring.py")
    assert tab_labels(at) == [L.KPI_TABLE, L.TASK_BOARD, L.LISTS_TAB]
    tasks = tab(at, L.TASK_BOARD)
    metrics = {m.label: m.value for m in tasks.metric}
    assert metrics[L.TASK_TOTAL] == "104"
    table = tasks.dataframe[0].value
    assert len(table) == 104
    assert {"牵头单位", "牵头单位状态", "配合单位状态", "滞后原因"} <= set(table.columns)
    assert len(tasks.get("vega_lite_chart")) == 1


def test_the_task_tab_filters_by_plan_and_unit(site):
    at = open_page("office1", "monitoring.py")
    at.selectbox(key="task_plan").set_value("JZ").run()
    at.selectbox(key="task_unit").set_value("JZKF-JFJ").run()
    assert not at.exception, at.exception
    table = tab(at, L.TASK_BOARD).dataframe[0].value
    assert 0 < len(table) < 104
    assert all(
        lead == "经发局" or "经发局" in helpers
        for lead, helpers in zip(table["牵头单位"], table["配合单位状态"], strict=True)
    )


def test_a_unit_reporter_never_reaches_the_task_tab(site):
    at = signed_in("rep1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/monitoring.py")


# --------------------------------------------------------------------------- 年度考核 · 考核方案


def scheme_expander(at):
    return [e for e in at.expander if e.label == L.SCHEME_HEADING]


def test_the_evaluator_sees_the_scheme_and_saves_a_valid_one(site):
    at = open_page("eval1", "assessment.py")
    at.selectbox(key="assess_plan").set_value("JZ").run()
    (box,) = scheme_expander(at)
    assert box.text_area[0].value == default_text()
    assert at.download_button(key="assess_scheme_download").label == L.SCHEME_DOWNLOAD

    at.file_uploader(key="assess_scheme_file").upload(
        "bad.toml", b"[points]\nindicators = 70\n", "text/plain"
    )
    at = at.run()
    at = at.button(key="assess_scheme_save").click().run()
    assert not at.exception, at.exception
    assert texts(at.error)[0].startswith(L.SCHEME_NOT_SAVED)
    assert not (site.settings.home / "scoring" / "JZ-2025.toml").exists()

    text = b"[reporting]\nper_late_day = 0.5\n"
    at.file_uploader(key="assess_scheme_file").upload("good.toml", text, "text/plain")
    at = at.run()
    at = at.button(key="assess_scheme_save").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["已保存 JZ 2025 年的考核方案（scoring/JZ-2025.toml），重新计算后生效。"]
    assert (site.settings.home / "scoring" / "JZ-2025.toml").read_bytes() == text
    assert scheme_expander(at)[0].text_area[0].value == text.decode()
    assert audit(site, "assessment.configure")[-1][:2] == ("eval1", "JZ/2025")


@pytest.mark.parametrize("username", ["office1", "boss"])
def test_office_and_admin_see_results_but_not_the_scheme(site, username):
    at = open_page(username, "assessment.py")
    assert texts(at.title) == [L.PAGE_ASSESSMENT]
    assert scheme_expander(at) == []
    assert "assess_scheme_save" not in [b.key for b in at.button]
