"""完成情况 page: each unit's state beside its name, filters, counts, chart, reminder list and the
bulletin button, for every role that may see it; a unit reporter never reaches it."""

import io

import pandas as pd
import pytest
from apptest_support import page, signed_in, texts
from board_support import (
    APPROVED_NAME,
    APPROVED_UNIT,
    VALIDATED_NAME,
    VALIDATED_UNIT,
)

from portal.core import labels as L
from portal.monitoring.status import round_status
from tests.actors import OFFICE


@pytest.fixture
def site(reported_site):
    return reported_site


def completion_page(username: str):
    at = page(signed_in(username), "completion.py")
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def matrix_of(at) -> pd.DataFrame:
    """The units × rounds table as the page drew it (one HTML table), read back as a frame."""
    (body,) = [h.value for h in at.html if "portal-matrix" in h.value]
    matrix = pd.read_html(io.StringIO(body), flavor="lxml")[0]
    assert list(matrix.columns[:3]) == ["单位代码", "单位名称", "单位类型"], list(matrix.columns)
    return matrix


def bulletin_opened(at):
    """Open the 季度通报 section: it is drafted and drawn only while open."""
    at.session_state["completion_bulletin_open"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def matrix_row(at, name: str) -> dict:
    matrix = matrix_of(at)
    rows = matrix[matrix["单位名称"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0].to_dict()


def test_the_office_sees_each_units_state_beside_its_name_in_the_matrix(site):
    at = completion_page("office1")
    assert texts(at.title) == [L.PAGE_COMPLETION]
    assert matrix_row(at, VALIDATED_NAME)["2025Q3"] == "已报送-待审"
    assert matrix_row(at, APPROVED_NAME)["2025Q3"] == "已通过"
    assert matrix_row(at, APPROVED_NAME)["2025Q2"] == "未报送（已逾期）"
    assert matrix_row(at, APPROVED_NAME)["单位代码"] == APPROVED_UNIT
    columns = list(matrix_of(at).columns)
    assert columns[:3] == ["单位代码", "单位名称", "单位类型"] and columns[-1] == "2025Q3"


def test_counts_match_the_round_status_and_a_chart_is_drawn(site):
    status = round_status(site, OFFICE, "2025Q3")
    at = completion_page("office1")
    shown = metrics(at)
    assert shown[L.COMPLETION_EXPECTED] == str(status.expected)
    assert shown[L.COMPLETION_REPORTED] == "2"
    assert shown[L.COMPLETION_RATE] == f"{2 / status.expected:.1%}"
    assert (shown["已报送-待审"], shown["已通过"], shown["未报送"]) == ("1", "1", str(status.expected - 2))
    assert len(at.get("vega_lite_chart")) == 1


def test_the_reminder_list_names_missing_units_with_contacts_and_offers_its_export(site):
    at = completion_page("office1")
    missing = at.dataframe[-1].value
    assert list(missing.columns[:6]) == ["单位代码", "单位名称", "单位类型", "报送情况", "联系人", "联系电话"]
    assert VALIDATED_UNIT not in set(missing["单位代码"]) and APPROVED_UNIT not in set(missing["单位代码"])
    assert set(missing["剩余时间"]) == {"还剩 5 天"}  # due 2025-10-15, today 2025-10-10
    assert at.download_button(key="completion_missing_export").label == L.MISSING_EXPORT
    assert bulletin_opened(at).download_button(key="completion_bulletin").label == L.BULLETIN_EXPORT


def test_the_bulletin_section_is_drafted_and_drawn_only_once_opened(site):
    at = completion_page("office1")
    assert [e.label for e in at.expander] == [L.BULLETIN_HEADING]
    assert "bulletin_plan" not in at.session_state  # its widgets were never drawn
    assert not [b for b in at.download_button if b.key == "completion_bulletin"]
    bulletin_opened(at)
    assert at.selectbox(key="bulletin_plan").value is None  # 全部
    assert at.text_area(key="bulletin_highlights_2025Q3_None_0")
    assert at.download_button(key="completion_bulletin_docx").label == L.BULLETIN_EXPORT_DOCX


def test_the_unit_kind_filter_narrows_matrix_and_counts(site):
    at = completion_page("office1")
    at.selectbox(key="completion_kind").set_value("park").run()
    assert not at.exception, at.exception
    matrix = matrix_of(at)
    assert set(matrix["单位类型"]) == {"园区"}
    assert metrics(at)[L.COMPLETION_EXPECTED] == str(len(matrix))


def test_the_plan_and_round_filters_change_the_matrix(site):
    at = completion_page("office1")
    at.selectbox(key="completion_plan").set_value("JZ").run()
    at.selectbox(key="completion_round").set_value("2024Q4").run()
    assert not at.exception, at.exception
    matrix = matrix_of(at)
    assert set(matrix["单位代码"]) == {c for c in matrix["单位代码"] if c.startswith("JZ")}
    assert list(matrix.columns)[-1] == "2024Q4" and "2025Q3" not in matrix.columns
    assert metrics(at)[L.COMPLETION_REPORTED] == "0"


@pytest.mark.parametrize("username", ["eval1", "boss"])
def test_evaluator_and_admin_see_the_page_with_both_exports(site, username):
    at = completion_page(username)
    assert matrix_row(at, APPROVED_NAME)["2025Q3"] == "已通过"
    assert at.download_button(key="completion_missing_export")
    assert bulletin_opened(at).download_button(key="completion_bulletin")


def test_a_unit_reporter_cannot_reach_the_page(site):
    at = signed_in("rep1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/completion.py")
    assert not [h for h in at.html if "portal-matrix" in h.value]


def test_the_office_adjusts_the_quote_rules_and_the_quotes_are_chosen_again(site):
    at = bulletin_opened(completion_page("office1"))
    at.selectbox(key="bulletin_plan").set_value("JZ").run()
    assert not at.exception, at.exception
    assert at.text_area(key="bulletin_highlights_2025Q3_JZ_0")  # drafted with the default rules
    at.number_input(key="quote_rules_JZKF_h_max").set_value(0)
    at.multiselect(key="quote_rules_JZKF_p_statuses").set_value(["behind", "not_started"])
    at.text_input(key="quote_rules_JZKF_p_exclude").input("资金、用地")
    next(b for b in at.button if b.label == L.QUOTE_RULES_SAVE).click().run()
    assert not at.exception, at.exception
    assert any("已保存" in s.value for s in at.success), texts(at.error)
    saved = (site.settings.home / "bulletin" / "JZKF.toml").read_text(encoding="utf-8")
    assert "max = 0" in saved and '"not_started"' in saved and '"资金", "用地"' in saved
    assert at.text_area(key="bulletin_highlights_2025Q3_JZ_1").value == ""  # chosen again: none wanted
