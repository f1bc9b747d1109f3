"""The `_meta` signature: verifies for the issued workbook, fails for any other unit, round or rows."""

from __future__ import annotations

import pytest

from templates_xlsx.signature import join_keys, sign, split_keys, verify_meta
from templates_xlsx.upload import read_upload
from tests.templates_xlsx.conftest import SECRET
from tests.xlsx_fill import append_row, delete_row, fill_template, fill_valid, recode_row


def _sheet_keys(parsed):
    return (
        parsed.sheets["indicator_values"].frame["indicator"].to_list(),
        parsed.sheets["task_progress"].frame["task"].to_list(),
    )


def _verifies(data: bytes, secret: bytes = SECRET) -> bool:
    """As the validator checks it: the signature over the row keys actually in the sheets."""
    parsed = read_upload(data)
    indicators, tasks = _sheet_keys(parsed)
    return verify_meta(parsed.meta, secret, indicator_keys=indicators, task_keys=tasks)


def test_a_filled_template_verifies(template):
    filled = fill_valid(template)
    assert verify_meta(read_upload(filled).meta, SECRET)
    assert _verifies(filled)


def test_another_secret_does_not_verify(template):
    assert not _verifies(template, secret=b"another-portal")


@pytest.mark.parametrize(
    ("key", "value"),
    [("unit", "JZKF-CZJ"), ("round", "2025Q2"), ("template_version", "0"), ("task_keys", "JZ-3.1.1")],
)
def test_meta_edited_to_claim_another_unit_round_version_or_rows_does_not_verify(template, key, value):
    meta = read_upload(template).meta | {key: value}
    assert not verify_meta(meta, SECRET)


def test_a_missing_or_blank_signature_does_not_verify(template):
    meta = read_upload(template).meta
    assert not verify_meta(meta | {"signature": ""}, SECRET)
    assert not verify_meta({k: v for k, v in meta.items() if k != "signature"}, SECRET)


@pytest.mark.parametrize(
    "edit",
    [
        append_row("指标填报", {"indicator": "JZ-K99", "name": "自加指标", "value": 5}),
        delete_row("任务进展", "JZ-3.2.2"),
        recode_row("指标填报", "JZ-K02", "JZ-K20"),
        recode_row("任务进展", "JZ-3.6.1", "JZ-3.6.2"),
    ],
    ids=["row-added", "row-removed", "indicator-recoded", "task-recoded"],
)
def test_rows_added_removed_or_recoded_in_the_sheets_do_not_verify(template, edit):
    tampered = fill_template(template, edit=edit)
    assert verify_meta(read_upload(tampered).meta, SECRET)  # _meta itself is untouched …
    assert not _verifies(tampered)  # … but the rows in the sheets are not the ones issued


def test_the_signature_depends_on_row_order_and_every_field():
    base = sign(SECRET, "1", "U", "2025Q3", ["A", "B"], ["T1"])
    assert base == sign(SECRET, "1", "U", "2025Q3", ["A", "B"], ["T1"])
    assert (
        len(
            {
                base,
                sign(SECRET, "1", "U", "2025Q3", ["B", "A"], ["T1"]),
                sign(SECRET, "1", "U", "2025Q3", ["A"], ["B", "T1"]),
                sign(SECRET, "1", "U", "2025Q4", ["A", "B"], ["T1"]),
                sign(SECRET, "1", "V", "2025Q3", ["A", "B"], ["T1"]),
                sign(SECRET, "2", "U", "2025Q3", ["A", "B"], ["T1"]),
            }
        )
        == 6
    )


@pytest.mark.parametrize("keys", [[], ["A"], ["JZ-3.1.1", "JZ-K01"]])
def test_row_keys_survive_joining_and_splitting(keys):
    assert split_keys(join_keys(keys)) == keys
