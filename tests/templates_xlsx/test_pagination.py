"""Our own page breaks (plan_pages): blocks kept whole, long blocks broken only where they must."""

from openpyxl import Workbook

from templates_xlsx.writing import plan_pages, print_setup

ROW = 20.0


def _sheet(rows: int):
    """A portrait A4 sheet of `rows` rows of ROW points, one column narrow enough not to shrink."""
    ws = Workbook().active
    ws.column_dimensions["A"].width = 20
    for r in range(1, rows + 1):
        ws.cell(row=r, column=1, value=r)
        ws.row_dimensions[r].height = ROW
    print_setup(ws, landscape=False)
    return ws


def _breaks(ws) -> list[int]:
    """The first row of every page after the first."""
    return [b.id + 1 for b in ws.row_breaks.brk]


def _per_page(ws, last_row: int) -> int:
    """How many ROW-high rows the planner puts on a page with nothing to keep together."""
    probe = _sheet(last_row)
    plan_pages(probe, last_row, landscape=False)
    return _breaks(probe)[0] - 1


def test_a_block_that_does_not_fit_in_what_is_left_starts_the_next_page():
    n = _per_page(_sheet(200), 200)
    ws = _sheet(2 * n)
    blocks = [(1, n - 5), (n - 4, n + 5), (n + 6, 2 * n)]  # the second would straddle the page end
    pages = plan_pages(ws, 2 * n, landscape=False, keep_together=blocks)
    assert _breaks(ws) == [n - 4, n + 6] and pages == 3


def test_short_blocks_share_a_page():
    n = _per_page(_sheet(200), 200)
    ws = _sheet(n)
    third = n // 3
    blocks = [(1, third), (third + 1, 2 * third), (2 * third + 1, n)]
    assert plan_pages(ws, n, landscape=False, keep_together=blocks) == 1 and _breaks(ws) == []


def test_a_block_longer_than_a_page_starts_here_only_if_that_costs_no_page():
    n = _per_page(_sheet(200), 200)
    ws = _sheet(3 * n)
    # rows 1..10 and then a block of 1.5 pages: starting on page 1 still ends it on page 2
    plan_pages(ws, 10 + n + n // 2, landscape=False, keep_together=[(11, 10 + n + n // 2)])
    assert _breaks(ws) == [n + 1]


def test_a_full_page_never_cuts_back_into_a_block_already_placed():
    n = _per_page(_sheet(200), 200)
    ws = _sheet(2 * n)
    # the block ends exactly where the page is full; the next row (a spacer before the next block)
    # overflows. The section start inside the block (its signature lines) must not pull the break
    # back into it.
    blocks = [(1, n), (n - 2, n), (n + 2, n + 3)]
    plan_pages(ws, n + 3, landscape=False, keep_with_next=[n - 2, n + 2], keep_together=blocks)
    assert _breaks(ws) == [n + 1]
