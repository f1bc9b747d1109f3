"""KPI progress: every kind of indicator judged by hand at 2025Q3 must match the view exactly."""

import polars as pl
import pytest

from tests.warehouse.fixtures import Fixture, kpi_fixture
from warehouse.views import UnknownRound, indicator_year_completion, kpi_progress

# Plan time: the end of 2025Q3 is 2025.75; a baseline of 2023 is the level at 2024.0; a target for
# 2026 is due at 2027.0. Hand-computed (indicator, actual, expected, ratio, pace) at 2025Q3:
EXPECTED_2025Q3 = [
    # stock with baseline: 100 + (200-100) * 1.75/3; the co-owner's 500 and 2025Q4's 999 ignored
    ("STOCK_B", 150.0, 100 + 100 * 1.75 / 3, 150 / (100 + 100 * 1.75 / 3), "yellow"),
    # stock without baseline: first approved 200 at 2024Q4 (2025.0) → 300 at 2027.0
    ("STOCK_NB", 240.0, 200 + 100 * 0.75 / 2, 240 / 237.5, "green"),
    # stock without baseline and never reported (a blank value is not a value): not judged
    ("STOCK_NONE", None, None, None, "unreported"),
    # flow mid-year: yearly target for 2025 (80) * 3/4; only 2025 values count; Q3 not approved yet,
    # so Q2's 30 is judged against Q2's 40 and the indicator is listed as not reported this round
    ("FLOW", 30.0, 60.0, 30 / 40, "unreported"),
    # cumulative with baseline 0 at 2023: 60 * 1.75/3; the rejected upload's 0 ignored
    ("CUM", 36.0, 35.0, 36 / 35, "green"),
    # cumulative without baseline: 0 at the end of the plan's base year 2023; exactly 90% = yellow
    ("CUM_NB", 63.0, 70.0, 0.9, "yellow"),
    # rate: the target itself; the pending 20 in 2025Q3 is not approved (Q2's value)
    ("RATE", 13.8, 15.0, 13.8 / 15, "unreported"),
    # milestone: the target (1); 0 = not achieved (Q2's value)
    ("MILESTONE", 0.0, 1.0, 0.0, "unreported"),
    # '<=' stock: 10 → 4, expected 10 - 6 * 1.75/3 = 6.5; Q2's 6.8 against Q2's 10 - 6 * 1.5/3 = 7
    ("LE", 6.8, 6.5, 7 / 6.8, "unreported"),
    # '<=' rate: 5 / 4 (Q2's value)
    ("LE_RATE", 4.0, 5.0, 1.25, "unreported"),
]

# The same indicators in 2025Q2, the round their values belong to: judged (ratio, pace).
JUDGED_2025Q2 = [
    ("FLOW", 30 / 40, "red"),
    ("RATE", 13.8 / 15, "yellow"),
    ("MILESTONE", 0.0, "red"),
    ("LE", 7 / 6.8, "green"),
    ("LE_RATE", 1.25, "green"),
]


@pytest.fixture
def kpi_wh(tmp_path):
    return kpi_fixture().warehouse(tmp_path)


def _rows(frame: pl.DataFrame, *columns: str) -> dict[str, dict]:
    return {r["indicator"]: r for r in frame.select("indicator", *columns).to_dicts()}


@pytest.mark.parametrize(("indicator", "actual", "expected", "ratio", "pace"), EXPECTED_2025Q3)
def test_kpi_pace_matches_the_hand_computation_for_each_kind(
    kpi_wh, indicator, actual, expected, ratio, pace
):
    with kpi_wh.connect() as con:
        row = _rows(kpi_progress(con, "2025Q3"), "actual", "expected", "ratio", "pace")[indicator]
    assert row["actual"] == actual
    assert row["expected"] == pytest.approx(expected) if expected is not None else row["expected"] is None
    assert row["ratio"] == pytest.approx(ratio) if ratio is not None else row["ratio"] is None
    assert row["pace"] == pace


@pytest.mark.parametrize(("indicator", "ratio", "pace"), JUDGED_2025Q2)
def test_a_value_is_judged_in_the_round_it_belongs_to(kpi_wh, indicator, ratio, pace):
    with kpi_wh.connect() as con:
        row = _rows(kpi_progress(con, "2025Q2"), "ratio", "pace", "current")[indicator]
    assert (row["ratio"], row["pace"], row["current"]) == (pytest.approx(ratio), pace, True)


def test_an_indicator_without_a_value_for_the_round_is_never_behind(kpi_wh):
    with kpi_wh.connect() as con:
        frame = kpi_progress(con, "2025Q3")
    stale = frame.filter(~pl.col("current"))
    assert sorted(stale["indicator"]) == sorted(["STOCK_NONE", "FLOW", "RATE", "MILESTONE", "LE", "LE_RATE"])
    assert set(stale["pace"]) == {"unreported"}
    assert frame.filter(pl.col("pace") == "red").is_empty()


def test_kpi_progress_has_one_row_per_indicator_in_registry_order(kpi_wh):
    with kpi_wh.connect() as con:
        frame = kpi_progress(con, "2025Q3")
    assert frame["indicator"].to_list() == [r[0] for r in EXPECTED_2025Q3]


def test_the_base_of_the_line_says_where_it_came_from(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(kpi_progress(con, "2025Q3"), "base_source", "base_value", "base_time", "base_round")
    assert rows["STOCK_B"] | {"indicator": None} == {
        "indicator": None,
        "base_source": "registry",
        "base_value": 100.0,
        "base_time": 2024.0,
        "base_round": None,
    }
    assert (rows["STOCK_NB"]["base_source"], rows["STOCK_NB"]["base_round"]) == ("first_approved", "2024Q4")
    assert rows["STOCK_NB"]["base_time"] == 2025.0
    assert (rows["CUM_NB"]["base_source"], rows["CUM_NB"]["base_time"]) == ("plan_start", 2024.0)
    assert rows["STOCK_NONE"]["base_source"] is None
    assert rows["FLOW"]["base_source"] is None and rows["RATE"]["base_source"] is None


def test_actual_comes_from_the_owner_of_record_with_its_round(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(kpi_progress(con, "2025Q3"), "owner", "actual_round", "reported")
    assert rows["STOCK_B"] == {
        "indicator": "STOCK_B",
        "owner": "U1",
        "actual_round": "2025Q3",
        "reported": True,
    }
    assert rows["RATE"]["actual_round"] == "2025Q2"
    assert rows["STOCK_NONE"]["reported"] is False


def test_year_target_and_year_ratio_are_the_expected_value_at_year_end(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(kpi_progress(con, "2025Q3"), "year_target", "year_ratio")
    assert rows["STOCK_B"]["year_target"] == pytest.approx(100 + 100 * 2 / 3)
    assert rows["STOCK_B"]["year_ratio"] == pytest.approx(150 / (100 + 100 * 2 / 3))
    assert rows["FLOW"]["year_target"] == 80.0
    assert rows["FLOW"]["year_ratio"] == pytest.approx(30 / 80)
    assert rows["RATE"]["year_target"] == 15.0


def test_a_flow_reported_last_year_is_not_reported_this_year(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(kpi_progress(con, "2025Q1"), "actual", "expected", "pace")
    assert rows["FLOW"] == {"indicator": "FLOW", "actual": None, "expected": 20.0, "pace": "unreported"}
    assert rows["STOCK_B"]["actual"] == 130.0  # stocks carry the latest approved value forward


def test_self_reported_task_status_that_disagrees_with_the_pace_is_flagged(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(
            kpi_progress(con, "2025Q3"), "pace", "task_status", "task_status_unit", "status_disagrees"
        )
    # the owner leads T1 and says 已完成, but nothing is reported: no pace to disagree with
    assert rows["STOCK_NONE"] | {"indicator": None} == {
        "indicator": None,
        "pace": "unreported",
        "task_status": "completed",
        "task_status_unit": "U1",
        "status_disagrees": None,
    }
    # the owner U2 only helps T2: its own 滞后 counts (not the lead's 推进中), against a green pace
    assert (rows["CUM"]["task_status"], rows["CUM"]["task_status_unit"]) == ("behind", "U2")
    assert rows["CUM"]["status_disagrees"] is True
    # the owner U3 is not on T3: the lead's 推进中 is what counts; its value is Q2's, so not compared
    assert (rows["RATE"]["task_status"], rows["RATE"]["task_status_unit"]) == ("in_progress", "U1")
    assert rows["RATE"]["status_disagrees"] is None
    # no linked task: nothing to compare
    assert rows["STOCK_B"]["task_status"] is None and rows["STOCK_B"]["status_disagrees"] is None


def test_year_end_completion_uses_values_of_that_year_against_the_year_end_expectation(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(
            indicator_year_completion(con, 2024), "actual", "expected", "ratio", "pace", "year_ratio"
        )
    # stock: 100 + 100 * 1/3 at the end of 2024; the 2024Q4 value 130
    assert rows["STOCK_B"]["expected"] == pytest.approx(100 + 100 / 3)
    assert rows["STOCK_B"]["ratio"] == pytest.approx(130 / (100 + 100 / 3))
    assert rows["STOCK_B"]["pace"] == "yellow"
    assert rows["STOCK_B"]["year_ratio"] == rows["STOCK_B"]["ratio"]
    # flow without a 2024 yearly target: the target value 100 for the whole year
    assert (rows["FLOW"]["actual"], rows["FLOW"]["expected"], rows["FLOW"]["pace"]) == (90.0, 100.0, "yellow")
    # stock without baseline, first reported at the end of 2024: on its own line
    assert (rows["STOCK_NB"]["expected"], rows["STOCK_NB"]["pace"]) == (200.0, "green")
    # nothing reported in 2024
    assert (rows["CUM"]["actual"], rows["CUM"]["expected"], rows["CUM"]["pace"]) == (None, 20.0, "red")


def test_year_end_completion_ignores_values_of_earlier_years(kpi_wh):
    with kpi_wh.connect() as con:
        rows = _rows(indicator_year_completion(con, 2025), "actual", "actual_round")
    assert rows["STOCK_B"] == {"indicator": "STOCK_B", "actual": 999.0, "actual_round": "2025Q4"}
    assert rows["RATE"]["actual"] == 13.8


def test_expected_is_clamped_to_the_target_after_the_target_year(tmp_path):
    fx = Fixture().plan("P", 2024, 2026, base_year=2023).unit("U1")
    fx.indicator("K", "stock", 200, owners=["U1"], baseline=100, baseline_year=2023, target_year=2025)
    fx.indicator("L", "cumulative", 10, owners=["U1"], baseline=0, baseline_year=2025)
    fx.round("2026Q2").round("2025Q1")
    wh = fx.warehouse(tmp_path)
    with wh.connect() as con:
        late = _rows(kpi_progress(con, "2026Q2"), "expected")
        early = _rows(kpi_progress(con, "2025Q1"), "expected")
    assert late["K"]["expected"] == 200.0
    assert early["L"]["expected"] == 0.0  # before the end of the baseline year: the baseline


def test_an_unknown_round_is_refused_with_a_chinese_message(kpi_wh):
    with kpi_wh.connect() as con, pytest.raises(UnknownRound, match="没有调度轮次"):
        kpi_progress(con, "2030Q1")


def test_a_rate_with_yearly_targets_is_judged_against_that_year_s_target(tmp_path):
    fx = Fixture().plan("P", 2024, 2026, base_year=2023).unit("U1")
    fx.indicator("R", "rate", 12, owners=["U1"], yearly={2024: 8, 2025: 10})
    fx.round("2024Q4").round("2025Q2")
    fx.submission("U1", "2024Q4", values={"R": 8.4})
    fx.submission("U1", "2025Q2", values={"R": 9.5})
    with fx.warehouse(tmp_path).connect() as con:
        y2024 = _rows(kpi_progress(con, "2024Q4"), "expected", "ratio", "pace")["R"]
        y2025 = _rows(kpi_progress(con, "2025Q2"), "expected", "ratio", "pace")["R"]
    assert (y2024["expected"], y2024["ratio"], y2024["pace"]) == (8.0, pytest.approx(8.4 / 8), "green")
    assert (y2025["expected"], y2025["ratio"], y2025["pace"]) == (10.0, pytest.approx(0.95), "yellow")
