"""年度考核's entries section (扣分项, 一票否决, 定性评价, 自评分对照) for the evaluator, and 年度自评 for a
unit: its own unit's self-scores only, which the evaluator then reads beside the score."""

from apptest_support import audit, page, signed_in, texts

from portal.core import labels as L

UNIT, NAME = "JZKF-CXCY", "创新创业服务中心"  # rep1's unit
QUALITATIVE = '[points]\nreporting = 5\n\n[[qualitative]]\nname = "工作创新"\npoints = 5\n'


def _assessment(username: str):
    at = page(signed_in(username), "assessment.py")
    at.selectbox(key="assess_plan").set_value("JZ").run()
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def _table(at, column: str):
    """The one table on the page with this column header."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def test_the_evaluator_enters_and_withdraws_a_deduction_a_veto_and_a_qualitative_score(site):
    folder = site.settings.home / "scoring"
    folder.mkdir(exist_ok=True)
    (folder / "JZ-2025.toml").write_text(QUALITATIVE, encoding="utf-8")
    at = _assessment("eval1")
    assert L.DEDUCTION_NONE in texts(at.caption) and L.VETO_NONE in texts(at.caption)

    at.selectbox(key="assess_ded_unit").set_value(UNIT)
    at.selectbox(key="assess_ded_code").set_value("DB")
    at.text_area(key="assess_ded_reason").input("督办件逾期未办结")
    at.text_input(key="assess_ded_evidence").input("督办通知〔2025〕3号")
    at = at.button(key="assess_ded_submit").click().run()
    assert not at.exception, at.exception
    [done] = texts(at.success)
    assert done.startswith("已录入扣分项") and "督办事项逾期未办结" in done
    shown = _table(at, "扣分项目")
    assert list(shown["单位名称"]) == [NAME] and list(shown["理由"]) == ["督办件逾期未办结"]
    assert list(shown["佐证"]) == ["督办通知〔2025〕3号"]
    at = at.button(key="assess_ded_withdraw").click().run()
    assert texts(at.success)[0].startswith("已撤销扣分项") and L.DEDUCTION_NONE in texts(at.caption)

    at.selectbox(key="assess_veto_unit").set_value(UNIT)
    at.selectbox(key="assess_veto_code").set_value("数据弄虚作假")
    at.text_area(key="assess_veto_reason").input("核查发现虚报")
    at = at.button(key="assess_veto_submit").click().run()
    assert texts(at.success)[0].endswith("该单位等次定为不合格。")
    assert list(_table(at, "否决事由")["否决事由"]) == ["数据弄虚作假"]

    at.selectbox(key="assess_qual_unit").set_value(UNIT)
    at.number_input(key="assess_qual_score").set_value(9.0)  # beyond the item's 5 points
    at = at.button(key="assess_qual_submit").click().run()
    assert texts(at.error) == ["定性评价“工作创新”的分值 9 无效：应在 0 到 5 分之间。"]
    at.selectbox(key="assess_qual_unit").set_value(UNIT)
    at.number_input(key="assess_qual_score").set_value(4.0)
    at = at.button(key="assess_qual_submit").click().run()
    assert list(_table(at, "评价项目")["评分"]) == [4.0]
    assert [row[0] for row in audit(site, "assessment.qualitative.set")] == ["eval1"]
    assert [row[0] for row in audit(site, "assessment.veto.add")] == ["eval1"]


def test_office_reads_the_entries_but_gets_no_entry_form(site):
    at = _assessment("office1")
    keys = {w.key for kind in ("button", "text_area", "text_input", "selectbox") for w in at.get(kind)}
    assert not {k for k in keys if k and k.startswith(("assess_ded", "assess_veto", "assess_qual"))}
    assert L.DEDUCTION_NONE in texts(at.caption)


def test_a_unit_enters_its_own_self_score_and_the_evaluator_reads_it_beside_the_score(site):
    at = page(signed_in("rep1"), "selfscore.py")
    assert not at.exception, at.exception
    assert texts(at.title) == [L.PAGE_SELF_SCORE]
    assert texts(at.subheader) == [L.SELF_PAGE_UNIT.format(name=NAME)]
    assert at.selectbox(key="self_plan").value == "JZ"  # the one plan its unit has a part in
    at.selectbox(key="self_component").set_value("tasks")
    at.number_input(key="self_score").set_value(25.0)
    at = at.button(key="self_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [L.SELF_SCORE_SET.format(id=1, component="任务推进", score="25")]
    shown = at.dataframe[0].value
    assert list(shown["自评项目"]) == ["指标完成", "任务推进", "报送质量"]
    assert list(shown["自评分"]) == ["", "25", ""]
    assert [row[:2] for row in audit(site, "assessment.self_score.set")] == [("rep1", "JZ/2025/JZKF-CXCY")]

    other = page(signed_in("lead1"), "selfscore.py")  # another unit's sign-off account
    assert not other.exception, other.exception
    assert list(other.dataframe[0].value["自评分"]) == ["", "", ""]

    evaluator = _assessment("eval1")
    compared = _table(evaluator, "差异较大的项目")
    assert list(compared["单位名称"]) == [NAME] and list(compared["自评分"]) == [25.0]
