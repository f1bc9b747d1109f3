"""Issue 20's browser walk again, item by item, asserting the fixed behaviour in Chromium with a
screenshot of each: extensions (list, revoke, bounds, only units that owe, a closed round asks
first), reporting (yellow cells, 10 MB and .xlsx, "无" is an answer, errors first, returned banner,
evidence carried, versions counting accepted uploads, the office's default unit) and 年度考核's
chart, with no English word on the pages walked. Navigation (reload, deep link, sign-out in every
tab, the backup tab) is tests/e2e/test_sessions_in_browser.py; every page of each role opened cold
and warm, timed into test-artifacts/screenshots/walk-timings.json, is tests/e2e/test_pages_in_browser.py.

Grids are drawn on a canvas; their rows are read from the grid's accessible table, which holds the
rows on screen."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portal.core import labels as L
from portal.core.context import Portal
from portal.reporting import workflow as wf
from portal.reporting.review import APPROVE, review
from portal.reporting.submissions import ingest
from tests.actors import OFFICE
from tests.e2e.conftest import UNIT, as_user, go, idle, settle, shot
from tests.e2e.test_chinese_only_in_browser import english_words, visible_text
from tests.xlsx_fill import fill_valid, template_rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CLERK, OFFICER, EVALUATOR, ADMIN = "e2e_rep", "e2e_office", "e2e_eval", "e2e_admin"
CLOSED = "2025Q2"  # closed in the demo; JZKF-CXCY's report there is made 11 days late below
DAYS_LATE = 11


def _main(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _no_english(page, where: str) -> None:
    """No English word on a page walked (proper names and codes pass, as in the Chinese-only walk)."""
    words = english_words(visible_text(page))
    assert words == [], (where, sorted(set(words)))


def _grid_text(page, nth: int = 0) -> str:
    """The rows a grid shows (its accessible table: the rows on screen)."""
    return page.locator("[data-testid='stDataFrame'] table").nth(nth).inner_text()


def _grid_rows(page, header: str) -> list[dict[str, str]]:
    """The rows on screen of the first visible grid with a column `header`, by column header (each
    grid is scrolled into view first: a grid draws its rows once it is on screen)."""
    grids = page.locator("[data-testid='stDataFrame']")
    for i in range(grids.count()):
        if grids.nth(i).is_visible():
            grids.nth(i).scroll_into_view_if_needed()
    with contextlib.suppress(PlaywrightTimeout):  # drawn: the grid with that column has its rows
        page.wait_for_function(f"(header) => ({_ROWS})(header)?.length > 0", arg=header, timeout=5_000)
    return page.evaluate(_ROWS, header)


_ROWS = """(header) => {
          for (const t of document.querySelectorAll("[data-testid='stDataFrame'] table")) {
            if (!t.closest("[data-testid='stDataFrame']").checkVisibility()) continue;
            const rows = Array.from(t.querySelectorAll('tr')).map(
              (tr) => Array.from(tr.querySelectorAll('th, td')).map((c) => c.innerText.trim()));
            const head = rows.shift() || [];
            if (head.includes(header)) return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
          }
          return null;
        }"""


def _alert(page, words: str):
    """The message with `words`, once the run that drew it has drawn the rest of the page too."""
    found = page.locator("[data-testid='stAlert']").filter(has_text=words).first
    found.wait_for()
    idle(page)
    return found


def _pick(page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option").filter(has_text=option).first.click()
    settle(page)


def _options(page, label: str) -> list[str]:
    settle(page)
    box = page.get_by_label(label)
    for attempt in range(3):
        box.click()
        try:
            page.locator("[role='listbox']").wait_for(timeout=5_000)
            break
        except Exception:
            if attempt == 2:
                print(box.evaluate("(e) => e.closest('[data-testid]').outerHTML.slice(0, 3000)"))
                shot(page, "debug")
                raise
    texts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def _date(page, label: str, value: dt.date) -> None:
    """Type a date into the field's year, month and day segments (focus moves on by itself)."""
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(f"{value:%Y%m%d}")
    page.keyboard.press("Tab")


def _late_report_on_the_closed_round(portal: Portal) -> None:
    """JZKF-CXCY's 2025Q2 report, loaded by the office 11 days after the due date and approved:
    the case of issue 20 (已通过（迟报11天）) on a closed round."""
    template = wf.download_template(portal, OFFICE, UNIT, CLOSED).data
    with portal.warehouse.connect() as con:
        (due,) = con.execute("SELECT due_date FROM rounds WHERE code = ?", [CLOSED]).fetchone()
    at = dt.datetime.combine(due + dt.timedelta(days=DAYS_LATE), dt.time(10))
    done = ingest(
        portal, OFFICE, fill_valid(template), "late.xlsx", unit=UNIT, allow_closed=True, uploaded_at=at
    )
    assert done.accepted and done.days_late == DAYS_LATE, done.summary()
    review(portal, OFFICE, done.submission_id, APPROVE, "")


@pytest.fixture(scope="module")
def walk(server):
    _late_report_on_the_closed_round(server.portal())
    return server


# ---------------------------------------------------------------- extensions


def test_extensions_are_listed_revoked_bounded_offered_only_where_owed_and_confirmed_on_a_closed_round(
    walk, chromium, offline
):
    context, page = as_user(chromium, offline, walk, OFFICER)
    go(page, L.PAGE_REVIEW, "review")
    page.get_by_text(L.REVIEW_EXTENSION).first.scroll_into_view_if_needed()
    _pick(page, L.REVIEW_EXT_ROUND, "2025Q3")
    offered = _options(page, L.REVIEW_EXT_UNIT)
    assert any(UNIT in o for o in offered)
    assert not [o for o in offered if "长江中游" in o or "（CJZY）" in o]  # nothing to report: not offered
    _no_english(page, "审核·延期")

    # ten years later: refused, the bound said
    _pick(page, L.REVIEW_EXT_UNIT, UNIT)
    _date(page, L.REVIEW_EXT_DUE, dt.date(2035, 12, 31))
    page.get_by_label(L.REVIEW_EXT_REASON).fill("十年")
    page.get_by_role("button", name=L.REVIEW_EXT_SUBMIT).click()
    settle(page)
    assert "不能晚于 2026-01-13" in _alert(page, "不能晚于").inner_text()
    shot(page, "walk-ext-1-over-long-refused")

    # a sane one: granted, listed with grantor, reason, date and state
    _pick(page, L.REVIEW_EXT_UNIT, UNIT)
    _date(page, L.REVIEW_EXT_DUE, dt.date(2025, 10, 25))
    page.get_by_label(L.REVIEW_EXT_REASON).fill("系统故障")
    page.get_by_role("button", name=L.REVIEW_EXT_SUBMIT).click()
    settle(page)
    _alert(page, "延期至 2025-10-25")
    page.get_by_text(L.REVIEW_EXT_LIST).first.wait_for()
    listed = _grid_text(page, -1)
    for words in (UNIT, "2025-10-25", "系统故障", OFFICER, "生效"):
        assert words in listed, listed
    shot(page, "walk-ext-2-granted-and-listed")

    # revoked with a reason: kept in the list as 已撤销
    page.get_by_label(L.REVIEW_EXT_REVOKE_REASON).fill("故障已排除")
    page.get_by_role("button", name=L.REVIEW_EXT_REVOKE_SUBMIT).click()
    settle(page)
    _alert(page, "已撤销")
    listed = _grid_text(page, -1)
    assert "已撤销" in listed and "故障已排除" in listed, listed
    shot(page, "walk-ext-3-revoked")

    # a closed round: the grant asks first and says what changes
    _pick(page, L.REVIEW_EXT_ROUND, CLOSED)
    _pick(page, L.REVIEW_EXT_UNIT, UNIT)
    with walk.portal().warehouse.connect() as con:
        (due,) = con.execute("SELECT due_date FROM rounds WHERE code = ?", [CLOSED]).fetchone()
    _date(page, L.REVIEW_EXT_DUE, due + dt.timedelta(days=DAYS_LATE))
    page.get_by_label(L.REVIEW_EXT_REASON).fill("补登")
    page.get_by_role("button", name=L.REVIEW_EXT_SUBMIT).click()
    settle(page)
    asked = _alert(page, "确认后才会修改").inner_text()
    assert f"“已通过（迟报{DAYS_LATE}天）”将变为“已通过”" in asked, asked
    assert "年度考核的报送扣分随之改变" in asked and "勾选" in asked
    shot(page, "walk-ext-4-closed-round-asks")
    _no_english(page, "审核·延期·已截止")
    _pick(page, L.REVIEW_EXT_UNIT, UNIT)
    _date(page, L.REVIEW_EXT_DUE, due + dt.timedelta(days=DAYS_LATE))
    page.get_by_label(L.REVIEW_EXT_REASON).fill("补登")
    page.get_by_role("checkbox", name=L.REVIEW_EXT_CONFIRM).check(force=True)
    page.get_by_role("button", name=L.REVIEW_EXT_SUBMIT).click()
    settle(page)
    assert "已按确认修改" in _alert(page, "已按确认修改").inner_text()
    shot(page, "walk-ext-5-closed-round-confirmed")
    context.close()


# ---------------------------------------------------------------- reporting


def _press_when_enabled(page, name: str) -> None:
    """Press a button once the file chosen above it has reached the server (it is enabled then)."""
    button = page.get_by_role("button", name=name, exact=True)
    page.wait_for_function("(b) => !b.disabled", arg=button.element_handle())
    button.click()


def _drop_text_over_chips(page) -> list[str]:
    """The ::after texts drawn inside an uploader that holds a chosen file (zh.py's drop hint
    must only be drawn while nothing is chosen)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stFileChips"]')]
            .map((chips) => chips.closest('[data-testid="stFileUploaderDropzone"]'))
            .flatMap((zone) => [...zone.querySelectorAll('span')])
            .map((el) => getComputedStyle(el, '::after').content)
            .filter((c) => c && c !== 'none' && c !== 'normal')"""
    )


def _upload(page, path) -> str:
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
    settle(page)
    _press_when_enabled(page, L.REPORT_UPLOAD)
    text = page.locator("[data-testid='stAlert']").filter(has_text="报送记录").first
    text.wait_for(timeout=180_000)  # the first upload of the server imports GX
    settle(page)
    return text.inner_text()


def _versions(page) -> list[str]:
    return _options(page, L.REPORT_VERSION_PICK)


def test_reporting_says_yellow_and_10_mb_takes_无_errors_first_returns_with_a_banner_and_carries_evidence(
    walk, chromium, offline, tmp_path
):
    clerk_ctx, page = as_user(chromium, offline, walk, CLERK)
    go(page, L.PAGE_REPORT, "report")
    main = _main(page)
    assert "黄色单元格" in main and "只需填写白色单元格" not in main
    assert "10 MB" in main and ".xlsx" in main
    assert not [w for w in ("20MB", "XLSM", "XLS ") if w in main]
    shot(page, "walk-report-1-yellow-and-10mb")
    _no_english(page, "数据上报")

    with page.expect_download() as download:
        page.get_by_role("button", name=L.REPORT_TEMPLATE_DOWNLOAD).click()
    template = download.value.path().read_bytes()
    rows = template_rows(template)
    indicators, tasks = list(rows["indicator_values"]), list(rows["task_progress"])
    # "无" in every 存在问题; a full-width number (a warning); two values that are not numbers (errors),
    # the second in the last indicator row
    bad = tmp_path / "有错误.xlsx"
    bad.write_bytes(
        fill_valid(
            template,
            indicators={indicators[0]: "１２０", indicators[1]: "很多", indicators[-1]: "不详"},
            tasks={code: {"problems": "无"} for code in tasks},
        )
    )
    said = _upload(page, bad)
    assert "未通过校验" in said, said
    issues = _grid_rows(page, L.COLUMNS["severity"])
    severities = [row[L.COLUMNS["severity"]] for row in issues]
    assert severities == ["错误", "错误", "警告"], issues  # errors first, the second in the last row too
    shown = json.dumps(issues, ensure_ascii=False)
    assert "存在问题" not in shown and "如有数值请直接填写数字" not in shown, shown  # "无" is an answer
    shot(page, "walk-report-2-errors-before-warnings")

    good = tmp_path / "第一版.xlsx"
    good.write_bytes(fill_valid(template, tasks={code: {"problems": "无"} for code in tasks}))
    said = _upload(page, good)
    assert "第 1 版" in said, said  # the rejected attempt is not a version
    picks = _versions(page)
    assert any("第 1 版" in p for p in picks) and any("未通过校验的上传（第 1 次）" in p for p in picks), (
        picks
    )
    shot(page, "walk-report-3-first-version")

    # evidence on version 1
    page.get_by_role("tab", name=L.EVIDENCE_HEADING).click()
    settle(page)
    pdf = tmp_path / "说明.pdf"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PDF")  # a real one-page PDF
    pdf.write_bytes(buf.getvalue())
    page.locator("[data-testid='stFileUploader'] input[type='file']").last.set_input_files(str(pdf))
    settle(page)
    assert _drop_text_over_chips(page) == [], "the drop hint is drawn over the chosen file's name"
    _press_when_enabled(page, L.EVIDENCE_UPLOAD)
    assert "未接收" not in _alert(page, "说明.pdf").inner_text()
    settle(page)
    shot(page, "walk-report-3b-evidence-attached")
    (attached,) = _grid_rows(page, L.COLUMNS["file_name"])
    assert "说明.pdf" in attached.values() and "application/pdf" not in attached.values(), attached
    clerk_ctx.close()

    # the office's 数据上报 opens on a unit that owes the round; it returns the version on 审核
    office_ctx, office = as_user(chromium, offline, walk, OFFICER)
    go(office, L.PAGE_REPORT, "report")
    chosen = office.locator("[data-testid='stMain'] h3").first.inner_text()  # 单位名（代码） under the picker
    with walk.portal().warehouse.connect() as con:
        owing = wf.view_owing(con, "2025Q3")
    assert "长江中游" not in chosen and any(f"（{u}）" in chosen for u in owing), chosen
    shot(office, "walk-report-4-office-default-unit")
    go(office, L.PAGE_REVIEW, "review")
    office.get_by_label(L.REVIEW_COMMENT).fill("请补充研发投入的统计口径说明。")
    office.get_by_role("button", name=L.REVIEW_RETURN).click()
    settle(office)
    office_ctx.close()

    clerk_ctx, page = as_user(chromium, offline, walk, CLERK)
    go(page, L.PAGE_REPORT, "report")
    banner = _alert(page, "退回原因").inner_text()
    assert "退回了第 1 版" in banner and "请补充研发投入的统计口径说明。" in banner, banner
    shot(page, "walk-report-5-returned-banner")
    fixed = tmp_path / "修改后.xlsx"
    fixed.write_bytes(
        fill_valid(
            template, indicators={indicators[0]: 1}, tasks={code: {"problems": "无"} for code in tasks}
        )
    )
    said = _upload(page, fixed)
    assert "第 2 版" in said and "已沿用上一版的 1 份佐证材料" in said, said
    assert page.locator("[data-testid='stAlert']").filter(has_text="退回原因").count() == 0
    shot(page, "walk-report-6-evidence-carried")
    _no_english(page, "数据上报·第2版")
    clerk_ctx.close()

    office_ctx, office = as_user(chromium, offline, walk, OFFICER)
    go(office, L.PAGE_REVIEW, "review")
    queued = _options(office, L.REVIEW_PICK)
    assert any(UNIT in q and "第 2 版" in q for q in queued), (
        queued
    )  # not 第 3 版: the rejected one is no version
    carried = _grid_rows(office, L.COLUMNS["file_name"])  # the evidence came with version 2
    assert [r[L.COLUMNS["file_name"]] for r in carried] == ["说明.pdf"], carried
    shot(office, "walk-report-7-office-reviews-version-2")
    _no_english(office, "审核")
    office_ctx.close()


# ---------------------------------------------------------------- boards


def test_the_annual_chart_names_every_unit(walk, chromium, offline):
    context, page = as_user(chromium, offline, walk, EVALUATOR)
    go(page, L.PAGE_ASSESSMENT, "assessment")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for()
    drawn = chart.locator("svg text").evaluate_all("(els) => els.map((e) => e.textContent)")
    ranked = [row[L.COLUMNS["unit_name"]] for row in _grid_rows(page, L.COLUMNS["rank"]) or []]
    assert ranked, "the ranking grid is empty"
    assert [name for name in ranked if name not in drawn] == [], drawn
    assert any("不合格" in t for t in drawn)  # each bar says its grade
    shot(page, "walk-board-annual-chart")
    _no_english(page, "年度考核")
    context.close()
