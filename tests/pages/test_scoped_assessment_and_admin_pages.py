"""年度考核 and 系统管理 for accounts limited to offices: they are offered only their plans, an upper
office gets no bonus form or scheme upload, and an office without the platform gets no rounds tab."""

from apptest_support import page, signed_in, texts

from portal.core import labels as L
from schemas.enums import Role
from tests.conftest import account_in


def _open(username: str, file: str):
    at = page(signed_in(username), file)
    assert not at.exception, at.exception
    return at


def test_an_evaluator_of_one_office_is_offered_its_plan_only_and_adjusts_it(site):
    account_in(site, "eval_jzkf", Role.EVALUATOR, offices=["JZKF"])
    at = _open("eval_jzkf", "assessment.py")
    assert [o.split()[0] for o in at.selectbox(key="assess_plan").options] == ["JZ"]
    keys = {w.key for kind in ("button", "selectbox") for w in at.get(kind)}
    assert "assess_bonus_submit" in keys and "assess_scheme_save" in keys


def test_an_upper_office_reads_the_assessment_below_but_gets_no_bonus_form_or_scheme(site):
    account_in(site, "eval_hb", Role.EVALUATOR, offices=["HB"])
    at = _open("eval_hb", "assessment.py")
    assert "YY" not in [o.split()[0] for o in at.selectbox(key="assess_plan").options]
    at.selectbox(key="assess_plan").set_value("JZ").run()
    assert not at.exception and not at.error, texts(at.error)
    keys = {w.key for kind in ("button", "selectbox") for w in at.get(kind)}
    assert "assess_bonus_submit" not in keys and "assess_scheme_save" not in keys
    assert at.download_button(key="assess_export").label == L.ASSESS_EXPORT


def test_an_office_limited_to_its_offices_gets_no_rounds_tab_and_is_told_the_import_rule(site):
    account_in(site, "office_jzkf", Role.OFFICE_REVIEWER, offices=["JZKF"])
    at = _open("office_jzkf", "admin.py")
    assert [t.label for t in at.tabs] == [L.TAB_REGISTRY, L.TAB_UNITS]
    assert L.REGISTRY_SCOPED_HELP in texts(at.caption)
    codes = list(at.dataframe[0].value[L.COLUMNS["code"]])
    assert "JZKF-CXCY" in codes and not any(c.startswith("YY") for c in codes)
