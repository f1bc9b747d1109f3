"""`portal deduction|veto|qualitative|selfscore`: the assessment entries of portal.assessment.entries
on the command line, like `portal bonus`. Commands that record act as `--user` (checked as on the
page); listings read as `--as` (default: the platform). Exit codes: 0 done, 1 refused or invalid
input (the issues on stderr), 2 usage."""

from __future__ import annotations

import json
import sys

from portal.cli.main import AS_HELP, EXIT_DATA, EXIT_OK, _acting, _print_report, _reader
from portal.core.context import Portal

USER_HELP = "以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）"


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


def cmd_deduction_add(args) -> int:
    from portal.assessment.entries import add_deduction

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _recorded(
        add_deduction(portal, actor, args.plan, args.year, args.unit, args.code, args.reason, args.evidence)
    )


def cmd_deduction_list(args) -> int:
    from portal.assessment.entries import list_deductions

    portal = Portal.open(args.home)
    frame = list_deductions(portal, _reader(portal, args), args.plan, args.year)
    return _listed(
        args,
        "deductions",
        frame,
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['code']} {r['name']}  -{r['points']:g}  {r['reason']}"
            f"{'  佐证：' + r['evidence'] if r['evidence'] else ''}  {_when(r)}"
        ),
        "没有扣分项。",
    )


def cmd_deduction_withdraw(args) -> int:
    from portal.assessment.entries import withdraw_deduction

    portal = Portal.open(args.home)
    return _withdrawn(withdraw_deduction(portal, _acting(portal, args), args.id))


def cmd_veto_add(args) -> int:
    from portal.assessment.entries import add_veto

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _recorded(
        add_veto(portal, actor, args.plan, args.year, args.unit, args.reason_code, args.reason, args.evidence)
    )


def cmd_veto_list(args) -> int:
    from portal.assessment.entries import list_vetoes

    portal = Portal.open(args.home)
    frame = list_vetoes(portal, _reader(portal, args), args.plan, args.year)
    return _listed(
        args,
        "vetoes",
        frame,
        lambda r: f"{r['id']:>4}  {r['unit']:<12} {r['reason_code']}：{r['reason']}  {_when(r)}",
        "没有一票否决。",
    )


def cmd_veto_withdraw(args) -> int:
    from portal.assessment.entries import withdraw_veto

    portal = Portal.open(args.home)
    return _withdrawn(withdraw_veto(portal, _acting(portal, args), args.id))


def cmd_qualitative_set(args) -> int:
    from portal.assessment.entries import set_qualitative

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _recorded(
        set_qualitative(portal, actor, args.plan, args.year, args.unit, args.item, args.score, args.note)
    )


def cmd_qualitative_list(args) -> int:
    from portal.assessment.entries import list_qualitative

    portal = Portal.open(args.home)
    frame = list_qualitative(portal, _reader(portal, args), args.plan, args.year)
    return _listed(
        args,
        "qualitative",
        frame,
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['item']}  {r['score']:g}/{r['points'] or 0:g}"
            f"{'  ' + r['note'] if r['note'] else ''}  {_when(r)}"
        ),
        "尚未评定性评价分。",
    )


def cmd_selfscore_set(args) -> int:
    from portal.assessment.entries import set_self_score

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _recorded(
        set_self_score(portal, actor, args.plan, args.year, args.unit, args.component, args.score)
    )


def cmd_selfscore_list(args) -> int:
    from portal.assessment.entries import list_self_scores

    portal = Portal.open(args.home)
    frame = list_self_scores(portal, _reader(portal, args), args.plan, args.year)
    return _listed(
        args,
        "self_scores",
        frame,
        lambda r: (
            f"{r['id']:>4}  {r['unit']:<12} {r['component_name']}  {r['score']:g}/{r['points'] or 0:g}  {_when(r)}"
        ),
        "尚无自评分。",
    )


def _plan_year(p) -> None:
    p.add_argument("--plan", required=True, help="规划代码，如 JZ")
    p.add_argument("--year", required=True, type=int, help="考核年度，如 2025")


def _lister(group, help_text: str, func) -> None:
    p = group.add_parser("list", help=help_text)
    _plan_year(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=func)


def add_entry_commands(sub) -> None:
    """The four command groups, added to `portal`'s subcommands."""
    group = sub.add_parser("deduction", help="年度考核扣分项（考核评价员录入）").add_subparsers(
        dest="action", required=True
    )
    p = group.add_parser("add", help="录入一条扣分项（扣分项目须在评分方案的目录中，须写明理由）")
    _plan_year(p)
    p.add_argument("--unit", required=True, help="单位代码")
    p.add_argument("--code", required=True, help="扣分项代码，如 DB（见评分方案 [[deductions]]）")
    p.add_argument("--reason", required=True, help="扣分理由")
    p.add_argument("--evidence", help="佐证：文件名称、文号等（可不填）")
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_deduction_add)
    _lister(group, "列出有效的扣分项", cmd_deduction_list)
    p = group.add_parser("withdraw", help="撤销一条扣分项（保留记录）")
    p.add_argument("id", type=int)
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_deduction_withdraw)

    group = sub.add_parser("veto", help="年度考核一票否决（考核评价员录入）").add_subparsers(
        dest="action", required=True
    )
    p = group.add_parser("add", help="录入一票否决（事由须是评分方案 [veto] reasons 之一，须写明情况）")
    _plan_year(p)
    p.add_argument("--unit", required=True, help="单位代码")
    p.add_argument(
        "--reason-code", required=True, help="否决事由，须与评分方案 [veto] reasons 中的一项完全一致"
    )
    p.add_argument("--reason", required=True, help="情况说明")
    p.add_argument("--evidence", help="佐证：文件名称、文号等（可不填）")
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_veto_add)
    _lister(group, "列出有效的一票否决", cmd_veto_list)
    p = group.add_parser("withdraw", help="撤销一票否决（保留记录）")
    p.add_argument("id", type=int)
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_veto_withdraw)

    group = sub.add_parser("qualitative", help="年度考核定性评价（考核评价员评分）").add_subparsers(
        dest="action", required=True
    )
    p = group.add_parser("set", help="为单位的一个定性评价项评分（0 到该项分值；再次评分以最后一次为准）")
    _plan_year(p)
    p.add_argument("--unit", required=True, help="单位代码")
    p.add_argument("--item", required=True, help="评价项目名称，见评分方案 [[qualitative]]")
    p.add_argument("--score", required=True, type=float, help="评分")
    p.add_argument("--note", help="评语（可不填）")
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_qualitative_set)
    _lister(group, "列出各单位计分的定性评价", cmd_qualitative_list)

    group = sub.add_parser(
        "selfscore", help="年度考核自评分（单位填报员或单位审核人填报本单位）"
    ).add_subparsers(dest="action", required=True)
    p = group.add_parser("set", help="填报本单位一项的自评分（0 到该项分值；再次填报以最后一次为准）")
    _plan_year(p)
    p.add_argument("--unit", required=True, help="本单位代码")
    p.add_argument(
        "--component",
        required=True,
        help="自评项目：indicators（指标完成）、tasks（任务推进）、reporting（报送质量）、qualitative（定性评价），也可写中文名称",
    )
    p.add_argument("--score", required=True, type=float, help="自评分")
    p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=cmd_selfscore_set)
    _lister(group, "列出计分的自评分（单位账号只看到本单位）", cmd_selfscore_list)
