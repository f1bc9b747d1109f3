"""指标监测's 名单与培育库 tab: the office sees the double counts of its lists named as a small table,
and the 企业培育库 counted by district and stage."""

from apptest_support import page, signed_in, texts

from portal.core import labels as L
from schemas.credit_code import with_check
from tests.portal.test_registers import NOW, firm, report


def test_the_office_sees_double_counts_and_the_enterprise_register_in_the_lists_tab(site):
    platform = {"indicator": "JZ-K21", "name": "（演示）科技企业孵化器", "number": "FH-001"}
    report(site, "JZKF-XZJD", NOW, {"JZ-K21": 1}, [platform], "platform")
    report(site, "JZKF-KKJT", NOW, {"JZ-K21": 1}, [platform], "platform")
    code = with_check("91421000MA4000001")
    report(site, "JZKF-JFJ", NOW, {"JZ-K01": 1, "JZ-K03": 0}, [firm("JZ-K01", code, "荆州区", "认定")])
    at = page(signed_in("office1"), "monitoring.py")
    assert not at.exception, at.exception
    tab = next(t for t in at.tabs if t.label == L.LISTS_TAB)
    assert L.LISTS_DOUBLE_COUNTS in texts(tab.subheader)
    pairs, stages = tab.dataframe[0].value, tab.dataframe[1].value
    assert pairs[["指标代码", "统一社会信用代码或编号", "单位名称", "另一报送单位"]].values.tolist() == [
        ["JZ-K21", "FH-001", "荆开集团", "各乡镇场(街道)"]
    ]
    assert stages.values.tolist() == [["荆州区", 0, 0, 0, 1, 1]]
    assert {m.label: m.value for m in tab.metric}[L.LISTS_ENTERPRISE_COUNT] == "1"
