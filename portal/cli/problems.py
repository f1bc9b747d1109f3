"""`portal problem add|assign|answer|close|return|list`: the 问题库 of portal.reporting.problems on
the command line. Steps act as `--user` (checked as on the 问题整改 page); `list` reads as `--as`
(default: the platform). With `--json` a step prints {problem_id, step, state, state_label,
message, notified} and `list` prints {"problems": [...]} (keys fixed: extend, never rename).
Exit codes: 0 done, 1 refused or invalid, 2 usage."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from portal.cli.main import EXIT_OK, UsageError, _acting, _evidence, _reader, arg, subcommand
from portal.core.context import Portal


def _date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what}“{text}”不是日期，应写成 YYYY-MM-DD，如 2025-10-20。") from None


def _done(args, step) -> int:
    if args.json:
        print(
            json.dumps(
                {
                    "problem_id": step.problem_id,
                    "step": step.step,
                    "state": step.state.value,
                    "state_label": step.state.label,
                    "message": step.message,
                    "notified": step.notified,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    print(step.message, file=sys.stderr)
    return EXIT_OK


def cmd_problem_add(args) -> int:
    from portal.reporting import problems as pb

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    if args.submission is not None:
        if not args.task:
            raise UsageError("从报送立项时请用 --task 指定任务代码。")
        return _done(args, pb.add_from_report(portal, actor, args.submission, args.task, args.title or ""))
    if not (args.plan and args.unit and args.title and args.text):
        raise UsageError(
            "请用 --submission 和 --task 从报送立项，或用 --plan、--unit、--title、--text 由办公室立项。"
        )
    return _done(
        args, pb.add_by_hand(portal, actor, args.plan, args.unit, args.title, args.text, args.source or "")
    )


def _step(args, use_case: str, *values, due: str | None = None) -> int:
    """Run the step `use_case` (a function of portal.reporting.problems) on item `args.id` as
    --user and print it; `due` names the step's --due date in the message when it takes one."""
    from portal.reporting import problems as pb

    portal = Portal.open(args.home)
    dates = (_date(args.due, due),) if due else ()
    return _done(args, getattr(pb, use_case)(portal, _acting(portal, args), args.id, *values, *dates))


def cmd_problem_assign(args) -> int:
    return _step(args, "assign", args.unit, due="反馈期限")


def cmd_problem_answer(args) -> int:
    from portal.reporting import problems as pb

    portal = Portal.open(args.home)
    name, data = _evidence(args)
    return _done(args, pb.answer(portal, _acting(portal, args), args.id, args.text, name, data))


def cmd_problem_close(args) -> int:
    return _step(args, "close", args.comment or "")


def cmd_problem_return(args) -> int:
    return _step(args, "send_back", args.reason, due="新的反馈期限")


def cmd_problem_list(args) -> int:
    from portal.reporting import problems as pb

    portal = Portal.open(args.home)
    reader = _reader(portal, args)
    frame = pb.list_problems(portal, reader, unit=args.unit, plan=args.plan, open_only=args.open)
    if args.xlsx:
        out = Path(args.xlsx)
        out.write_bytes(pb.register_xlsx(portal, reader, unit=args.unit, plan=args.plan, open_only=args.open))
        print(f"已导出问题台账（{frame.height} 项）：{out}", file=sys.stderr)
    if args.json:
        print(json.dumps({"problems": frame.to_dicts()}, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    for r in frame.iter_rows(named=True):
        due = f"  请于 {r['feedback_due']} 前反馈" if r["feedback_due"] else ""
        late = "  【逾期】" if r["overdue"] else ""
        who = r["assignee"] or r["unit"]
        print(f"{r['problem_id']:>4}  {r['state_label']:<10} {who:<12} {r['problem_title']}{due}{late}")
    if not frame.height:
        print("没有问题。", file=sys.stderr)
    return EXIT_OK


def add_problem_commands(sub) -> None:
    """`portal problem …` on the main parser's subcommands."""
    problem = sub.add_parser("problem", help="问题库：立项、交办、答复、销号、退回、列出").add_subparsers(
        dest="problem_command", required=True
    )
    item = arg("id", type=int, help="问题编号")
    subcommand(
        problem,
        "add",
        "立项：从报送的存在问题（--submission、--task），或由办公室立项（--plan 等）",
        cmd_problem_add,
        arg("--submission", type=int, help="报送编号（从报送立项）"),
        arg("--task", help="任务代码（从报送立项）"),
        arg("--plan", help="规划代码（办公室立项）"),
        arg("--unit", help="涉及单位代码（办公室立项）"),
        arg("--title", help="问题标题（从报送立项时可不填，取存在问题的开头）"),
        arg("--text", help="问题描述（办公室立项）"),
        arg("--source", help="问题来源（办公室立项），如 2025年三季度问诊"),
        json=True,
    )
    subcommand(
        problem,
        "assign",
        "交办：把问题交给一个单位并限期反馈（通知该单位）",
        cmd_problem_assign,
        item,
        arg("--unit", required=True, help="交办单位代码"),
        arg("--due", required=True, help="反馈期限 YYYY-MM-DD"),
        json=True,
    )
    subcommand(
        problem,
        "answer",
        "答复：单位说明整改情况，可附佐证材料",
        cmd_problem_answer,
        item,
        arg("--text", required=True, help="答复内容"),
        arg("--evidence", help="佐证材料文件（PDF、图片、Word、Excel，按佐证材料规则检查）"),
        json=True,
    )
    subcommand(
        problem,
        "close",
        "销号：接受单位的答复，问题办结",
        cmd_problem_close,
        item,
        arg("--comment", help="销号意见"),
        json=True,
    )
    subcommand(
        problem,
        "return",
        "退回：单位的答复不合格，写明理由，单位重新答复（通知该单位）",
        cmd_problem_return,
        item,
        arg("--reason", required=True, help="退回理由"),
        arg("--due", help="新的反馈期限 YYYY-MM-DD（不填则不变）"),
        json=True,
    )
    subcommand(
        problem,
        "list",
        "列出问题（单位账号只看到交办给本单位的）",
        cmd_problem_list,
        arg("--plan", help="只列出这个规划的"),
        arg("--unit", help="只列出涉及或交办给这个单位的"),
        arg("--open", action="store_true", help="只列出未销号的"),
        arg(
            "--xlsx",
            metavar="FILE",
            help="同时把问题台账导出为 Excel 文件（状态、责任单位、反馈期限、逾期天数、最近一步）",
        ),
        json=True,
        who="as",
    )
