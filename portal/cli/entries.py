"""`portal deduction|veto|qualitative|selfscore`: the assessment entries of portal.assessment.entries
on the command line, like `portal bonus`. Commands that record act as `--user` (checked as on the
page); listings read as `--as` (default: the platform). Exit codes: 0 done, 1 refused or invalid
input (the issues on stderr), 2 usage."""

from __future__ import annotations

import json
import sys

from portal.cli.main import EXIT_DATA, EXIT_OK, _acting, _print_report, _reader, arg, subcommand
from portal.core.context import Portal


def _recorded(result) -> int:
    """An entry's outcome: its issues (errors or warnings) and what was recorded, on stderr."""
    if result.report.issues:
        _print_report(result.report)
    if not result.ok:
        return EXIT_DATA
    print(result.done, file=sys.stderr)
    return EXIT_OK


def _withdrawn(outcome) -> int:
    print(outcome.message, file=sys.stderr)
    return EXIT_OK if outcome.ok else EXIT_DATA


def _listed(args, key: str, frame, line, empty: str) -> int:
    from portal.assessment.entries import as_json

    if args.json:
        print(
            json.dumps(
                {"plan": args.plan, "year": args.year, key: as_json(frame)}, ensure_ascii=False, indent=1
            )
        )
        return EXIT_OK
    for r in frame.iter_rows(named=True):
        print(line(r))
    if not frame.height:
        print(empty, file=sys.stderr)
    return EXIT_OK


def _when(r) -> str:
    return f"（{r['entered_by']} {r['entered_at']:%Y-%m-%d %H:%M}）"


def _record(args, use_case: str, *values) -> int:
    """Record an entry as --user with `use_case` (a function of portal.assessment.entries) for
    the unit of --plan, --year and --unit."""
    from portal.assessment import entries

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _recorded(getattr(entries, use_case)(portal, actor, args.plan, args.year, args.unit, *values))


def _list(args, use_case: str, key: str, line, empty: str) -> int:
    """The entries of --plan and --year as --as reads them, with `use_case` of the entries."""
    from portal.assessment import entries

    portal = Portal.open(args.home)
    frame = getattr(entries, use_case)(portal, _reader(portal, args), args.plan, args.year)
    return _listed(args, key, frame, line, empty)


def _withdraw(args, use_case: str) -> int:
    from portal.assessment import entries

    portal = Portal.open(args.home)
    return _withdrawn(getattr(entries, use_case)(portal, _acting(portal, args), args.id))


def cmd_deduction_add(args) -> int:
    return _record(args, "add_deduction", args.code, args.reason, args.evidence)


def cmd_deduction_list(args) -> int:
    return _list(
        args,
        "list_deductions",
        "deductions",
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['code']} {r['name']}  -{r['points']:g}  {r['reason']}"
            f"{'  佐证：' + r['evidence'] if r['evidence'] else ''}  {_when(r)}"
        ),
        "没有扣分项。",
    )


def cmd_deduction_withdraw(args) -> int:
    return _withdraw(args, "withdraw_deduction")


def cmd_veto_add(args) -> int:
    return _record(args, "add_veto", args.reason_code, args.reason, args.evidence)


def cmd_veto_list(args) -> int:
    return _list(
        args,
        "list_vetoes",
        "vetoes",
        lambda r: f"{r['id']:>4}  {r['unit']:<12} {r['reason_code']}：{r['reason']}  {_when(r)}",
        "没有一票否决。",
    )


def cmd_veto_withdraw(args) -> int:
    return _withdraw(args, "withdraw_veto")


def cmd_qualitative_set(args) -> int:
    return _record(args, "set_qualitative", args.item, args.score, args.note)


def cmd_qualitative_list(args) -> int:
    return _list(
        args,
        "list_qualitative",
        "qualitative",
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['item']}  {r['score']:g}/{r['points'] or 0:g}"
            f"{'  ' + r['note'] if r['note'] else ''}  {_when(r)}"
        ),
        "尚未评定性评价分。",
    )


def cmd_selfscore_set(args) -> int:
    return _record(args, "set_self_score", args.component, args.score)


def cmd_selfscore_list(args) -> int:
    return _list(
        args,
        "list_self_scores",
        "self_scores",
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['component_name']}  {r['score']:g}/{r['points'] or 0:g}  {_when(r)}"
        ),
        "尚无自评分。",
    )


# Every entry names its plan and year.
PLAN_YEAR = (
    arg("--plan", required=True, help="规划代码，如 JZ"),
    arg("--year", required=True, type=int, help="考核年度，如 2025"),
)


def _group(sub, name: str, help_text: str):
    return sub.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)


def _entry(group, name: str, help_text: str, func, unit_help: str, *arguments) -> None:
    subcommand(
        group, name, help_text, func, *PLAN_YEAR, arg("--unit", required=True, help=unit_help), *arguments
    )


def _lister(group, help_text: str, func) -> None:
    subcommand(group, "list", help_text, func, *PLAN_YEAR, json=True, who="as")


def _withdrawer(group, help_text: str, func) -> None:
    subcommand(group, "withdraw", help_text, func, arg("id", type=int))


EVIDENCE = arg("--evidence", help="佐证：文件名称、文号等（可不填）")


def add_entry_commands(sub) -> None:
    """The four command groups, added to `portal`'s subcommands."""
    group = _group(sub, "deduction", "年度考核扣分项（考核评价员录入）")
    _entry(
        group,
        "add",
        "录入一条扣分项（扣分项目须在评分方案的目录中，须写明理由）",
        cmd_deduction_add,
        "单位代码",
        arg("--code", required=True, help="扣分项代码，如 DB（见评分方案 [[deductions]]）"),
        arg("--reason", required=True, help="扣分理由"),
        EVIDENCE,
    )
    _lister(group, "列出有效的扣分项", cmd_deduction_list)
    _withdrawer(group, "撤销一条扣分项（保留记录）", cmd_deduction_withdraw)

    group = _group(sub, "veto", "年度考核一票否决（考核评价员录入）")
    _entry(
        group,
        "add",
        "录入一票否决（事由须是评分方案 [veto] reasons 之一，须写明情况）",
        cmd_veto_add,
        "单位代码",
        arg("--reason-code", required=True, help="否决事由，须与评分方案 [veto] reasons 中的一项完全一致"),
        arg("--reason", required=True, help="情况说明"),
        EVIDENCE,
    )
    _lister(group, "列出有效的一票否决", cmd_veto_list)
    _withdrawer(group, "撤销一票否决（保留记录）", cmd_veto_withdraw)

    group = _group(sub, "qualitative", "年度考核定性评价（考核评价员评分）")
    _entry(
        group,
        "set",
        "为单位的一个定性评价项评分（0 到该项分值；再次评分以最后一次为准）",
        cmd_qualitative_set,
        "单位代码",
        arg("--item", required=True, help="评价项目名称，见评分方案 [[qualitative]]"),
        arg("--score", required=True, type=float, help="评分"),
        arg("--note", help="评语（可不填）"),
    )
    _lister(group, "列出各单位计分的定性评价", cmd_qualitative_list)

    group = _group(sub, "selfscore", "年度考核自评分（单位填报员或单位审核人填报本单位）")
    _entry(
        group,
        "set",
        "填报本单位一项的自评分（0 到该项分值；再次填报以最后一次为准）",
        cmd_selfscore_set,
        "本单位代码",
        arg(
            "--component",
            required=True,
            help="自评项目：indicators（指标完成）、tasks（任务推进）、reporting（报送质量）、qualitative（定性评价），也可写中文名称",
        ),
        arg("--score", required=True, type=float, help="自评分"),
    )
    _lister(group, "列出计分的自评分（单位账号只看到本单位）", cmd_selfscore_list)
