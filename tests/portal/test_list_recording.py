"""How an accepted upload's list rows (名单) are recorded: each row's item key and its fields (every
column as JSON, header → text) as the per-row rule words them, whether the row is plain (worked out
set-based) or needs normalising or escaping (worked out row by row), in the sheet's order."""

from __future__ import annotations

import datetime as dt
import json

from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.credit_code import with_check
from schemas.sheets import LIST_ENTERPRISE
from templates_xlsx.fill import fill_workbook
from tests.actors import OFFICE
from tests.xlsx_fill import fill_valid

UNIT, ROUND = "JZKF-JFJ", "2025Q3"
A, B, C, D = (with_check(f"91421000MA5{n:06d}") for n in range(4))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _fields(**values) -> str:
    return json.dumps({c.header: values.get(c.key) for c in LIST_ENTERPRISE.columns}, ensure_ascii=False)


def test_plain_and_odd_list_rows_are_keyed_and_described_as_the_rule_words_them(demo_portal):
    firms = [
        {
            "indicator": "JZ-K01",
            "name": "（演示）甲企业",
            "credit_code": A,
            "district": "荆州区",
            "stage": "认定",
        },
        # a code typed in lower case with a space: keyed by the code as printed
        {"indicator": "JZ-K01", "name": "（演示）乙企业", "credit_code": f"{B[:9]} {B[9:]}".lower()},
        # quotation marks and a reverse solidus: escaped in the fields, as json.dumps writes them
        {"indicator": "JZ-K01", "name": '（演示）"丙"企业\\分公司', "credit_code": C, "stage": "培育"},
        # full-width digits in the code: narrowed for the key, kept as typed in the fields
        {
            "indicator": "JZ-K01",
            "name": "（演示）丁企业",
            "credit_code": D.translate(FULL_WIDTH),
            "recognised_on": "2024-03-01",
        },
    ]
    template = build_unit_template(demo_portal, UNIT, ROUND).data
    data = fill_workbook(
        fill_valid(template, indicators={"JZ-K01": 4, "JZ-K03": 0}), lists={"enterprise": firms}
    )
    result = ingest(demo_portal, OFFICE, data, f"{UNIT}.xlsx")
    assert result.accepted, result.report.flatten(["sheet", "cell", "code"])
    with demo_portal.warehouse.connect() as con:
        stored = con.execute(
            "SELECT sheet_row, item_key, name, district, stage, fields FROM list_items "
            "WHERE submission_id = ? ORDER BY sheet_row",
            [result.submission_id],
        ).fetchall()
    assert stored == [
        (
            4,
            A,
            "（演示）甲企业",
            "荆州区",
            "certified",
            _fields(
                indicator="JZ-K01", name="（演示）甲企业", credit_code=A, district="荆州区", stage="认定"
            ),
        ),
        (
            5,
            B,
            "（演示）乙企业",
            None,
            None,
            _fields(indicator="JZ-K01", name="（演示）乙企业", credit_code=firms[1]["credit_code"]),
        ),
        (
            6,
            C,
            '（演示）"丙"企业\\分公司',
            None,
            "nurtured",
            _fields(indicator="JZ-K01", name='（演示）"丙"企业\\分公司', credit_code=C, stage="培育"),
        ),
        (
            7,
            D,
            "（演示）丁企业",
            None,
            None,
            _fields(
                indicator="JZ-K01",
                name="（演示）丁企业",
                credit_code=D.translate(FULL_WIDTH),
                recognised_on=dt.date(2024, 3, 1).isoformat(),
            ),
        ),
    ]
    assert '"企业名称": "（演示）\\"丙\\"企业\\\\分公司"' in stored[2][5]
