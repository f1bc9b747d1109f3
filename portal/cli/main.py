"""The `portal` command. Exit codes: 0 done, 1 the data has errors (or the work failed, or the
account may not do it), 2 usage error.

Commands that record a decision (`registry import`, `ingest`, `review`, `signoff`, `bonus add/withdraw`,
`assessment publish/finalize/reopen`, `objection add/answer`, `problem add/assign/answer/close/return`
(portal/cli/problems.py), and `deduction`, `veto`, `qualitative`,
`selfscore` of portal/cli/entries.py) act as
a named account: `--user NAME` must be an existing, active account whose role may do it, and each
calls the same checked use case as the web page. The audit line's actor then reads
"NAME（命令行，系统用户 OS-USER）": who, from the command line, run by which operating-system user.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path

from portal.core.context import Portal
from portal.core.errors import InvalidInput, PortalError
from portal.core.filestore import keep_files_private
from schemas.enums import Role

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
LIFECYCLE_ACTIONS = ("publish", "finalize", "reopen", "versions")


class UsageError(InvalidInput):
    """A wrong command line (a missing option, a file that is not there): exit code 2."""

    usage = True


def _os_user() -> str:
    """The operating-system user running the command, for the audit line."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}"


def command_line_account(portal: Portal, username: str):
    """The account `username`, acting from the command line: audited as
    "office（命令行，系统用户 root）". Refused (PermissionDenied) when it does not exist or is
    deactivated, before anything is written."""
    from portal.accounts.auth import acting_account

    return acting_account(portal, username, via=f"命令行，系统用户 {_os_user()}")


def _acting(portal: Portal, args):
    """The account named by --user (required by the commands that record a decision)."""
    if not (args.user or "").strip():
        raise UsageError("此命令会以账号的名义记录操作：请用 --user 指定您的账号，例如 --user office。")
    return command_line_account(portal, args.user)


AS_HELP = "以哪个账号的身份查看（只显示该账号有权看到的内容；不指定则为平台自身，可看全部）"
USER_HELP = "以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）"


def arg(*flags, **options) -> tuple[tuple, dict]:
    """One argument of `subcommand`, as `add_argument` takes it."""
    return flags, options


def subcommand(group, name: str, help_text: str, func, *arguments, json: bool = False, who: str = "user"):
    """A subcommand of `group`: its own `arguments` (see `arg`), then `--json` when it prints
    JSON, then who it runs as: `--user` (who="user", it records as that account) or `--as`
    (who="as", it reads as that account). The step and entry commands share these blocks."""
    p = group.add_parser(name, help=help_text)
    for flags, options in arguments:
        p.add_argument(*flags, **options)
    if json:
        p.add_argument("--json", action="store_true", help="以 JSON 输出")
    if who == "as":
        p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    else:
        p.add_argument("--user", help=USER_HELP)
    p.set_defaults(func=func)
    return p


def _evidence(args) -> tuple[str | None, bytes | None]:
    """The file named by --evidence as (name, bytes), or (None, None) when none is named."""
    if not args.evidence:
        return None, None
    path = Path(args.evidence)
    if not path.is_file():
        raise UsageError(f"找不到佐证材料文件 {args.evidence}。")
    return path.name, path.read_bytes()


SENDER_HELP = "以哪个账号的名义发送（只发送该账号负责的单位和办公室的通知；不指定则为服务器运维，发送全部）"


def _reader(portal: Portal, args):
    """Who a read command acts as: the account named by --as (it then shows what that account
    may see, and is refused what it may not), else the platform itself (every plan, audited as
    "system")."""
    from portal.accounts.auth import system_actor

    name = getattr(args, "as_user", None)
    return command_line_account(portal, name) if name else system_actor()


def _sender(portal: Portal, args):
    """Who sends notifications (`remind`, `outbox send`): the account named by --user (only its
    units and offices), else the server's operator, platform-wide, audited as "cli"."""
    from portal.accounts.auth import Account
    from schemas.enums import Role

    name = (getattr(args, "user", None) or "").strip()
    if name:
        return command_line_account(portal, name)
    return Account("cli", "服务器运维（命令行）", Role.ADMIN, None)


def _print_report(report, out=None) -> None:
    out = out or sys.stderr  # looked up at call time: a caller may have redirected it
    for issue in report.issues:
        where = issue.where or "文件"
        print(f"[{issue.severity.label}] {where} {issue.code}: {issue.message} {issue.hint}", file=out)
    print(report.summary(), file=out)


def cmd_init(args) -> int:
    from portal.ops.init import init_portal

    portal = Portal.open(args.home)
    fill = args.demo and not args.no_fill
    bar = _DemoFillBar() if fill else None
    try:
        portal, result = init_portal(portal, demo=args.demo, fill=fill, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    verb = "已创建" if result.created else "已打开"
    print(f"{verb}数据仓库 {portal.settings.warehouse_path}（结构版本 {result.schema_version}）")
    for message in result.messages:
        print(message)
    if result.registry is not None:
        if not result.registry.loaded:
            _print_report(result.registry.report)
            return EXIT_DATA
        counts = result.registry.counts
        print(
            f"已导入演示规划：规划 {counts['plans']} 个、单位 {counts['units']} 个、任务 {counts['tasks']} 项、指标 {counts['indicators']} 个"
        )
    if result.fill is not None and not result.fill.skipped:
        print(result.fill.summary())
    if result.accounts:
        print("\n演示账号（密码只显示这一次，请妥善保存）：")
        for username, password, role, scope in result.accounts:
            print(f"  {role:<8} 用户名 {username:<16} 密码 {password}  范围 {scope}")
    return EXIT_OK


class _DemoFillBar:
    """The demo fill's progress on stderr (tqdm), shown from its first step: `bar(done, total)`."""

    def __init__(self):
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc="填充演示报送", unit="步", file=sys.stderr, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_registry_import(args) -> int:
    from portal.registry.workbook import import_registry

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"找不到文件 {path}")
    portal = Portal.open(args.home)
    result = import_registry(portal, _acting(portal, args), path.read_bytes())
    if args.json:
        print(json.dumps(result.report.as_dict() | {"counts": result.counts}, ensure_ascii=False, indent=1))
    else:
        _print_report(result.report)
    if not result.loaded:
        print("有错误，未导入任何数据。", file=sys.stderr)
        return EXIT_DATA
    print("导入完成：" + "、".join(f"{k} {v}" for k, v in result.counts.items()), file=sys.stderr)
    return EXIT_OK


def cmd_registry_export(args) -> int:
    from portal.registry.workbook import export_registry_json_text, export_registry_xlsx

    if args.format != "json" and not args.output:
        raise UsageError("导出 Excel 需要用 -o 指定输出文件，例如 -o 任务分解表.xlsx")
    portal = Portal.open(args.home)
    reader = _reader(portal, args)
    if args.format == "json":
        text = export_registry_json_text(portal, reader)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    Path(args.output).write_bytes(export_registry_xlsx(portal, reader))
    print(f"已导出 {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args) -> int:
    from templates_xlsx import isolation

    isolation.warm_in_background()  # the reader worker starts while the validator stack imports
    from portal.reporting.validation import annotated, validate_file
    from schemas.quarters import Quarter, RoundCodeError

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"找不到文件 {path}")
    if args.round:
        try:
            Quarter.parse(args.round)
        except RoundCodeError as exc:
            raise UsageError(str(exc)) from None
    data = path.read_bytes()
    result = validate_file(Portal.open(args.home), data, unit=args.unit, round_code=args.round)
    if args.json:
        print(json.dumps(result.report.as_dict(), ensure_ascii=False))
    else:
        _print_report(result.report, out=sys.stdout)
    if args.annotate:
        out = Path(args.annotate)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            tmp.write_bytes(annotated(data, result))
            tmp.replace(out)  # atomic: a reader never sees half a workbook
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            print(f"错误：无法写入 {out}:{exc.strerror or exc}", file=sys.stderr)
            return EXIT_DATA
        print(f"已写入标注文件 {out}", file=sys.stderr)
    return EXIT_OK if result.report.ok else EXIT_DATA


def _round_arg(code: str | None) -> str | None:
    from schemas.quarters import Quarter, RoundCodeError

    if code:
        try:
            Quarter.parse(code)
        except RoundCodeError as exc:
            raise UsageError(str(exc)) from None
    return code


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    from portal.reporting.submissions import files_in, ingest, ingest_many

    path = Path(args.path)
    round_code = _round_arg(args.round)
    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    if path.is_file() and path.suffix.lower() == ".xlsx":
        if not args.unit:
            raise UsageError("上报单个文件需要用 --unit 指定单位代码")
        results = [
            ingest(
                portal,
                actor,
                path.read_bytes(),
                path.name,
                unit=args.unit,
                round_code=round_code,
                allow_closed=args.late,
            )
        ]
    elif path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
        if not round_code:
            raise UsageError("批量导入需要用 --round 指定轮次")
        files = files_in(path)
        if not files:
            raise UsageError(f"{path} 中没有 .xlsx 文件")
        with tqdm(total=len(files), desc="校验入库", unit="份", file=sys.stderr, disable=args.json) as bar:
            results = ingest_many(
                portal,
                actor,
                files,
                round_code=round_code,
                allow_closed=args.late,
                progress=bar.update,
            )
    else:
        raise UsageError(f"找不到 .xlsx 文件、文件夹或 .zip:{path}")
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "file": r.file_name,
                        "unit": r.unit,
                        "round": r.round,
                        "submission": r.submission_id,
                        "status": str(r.status) if r.status else None,
                        "version": r.version,
                        "days_late": r.days_late,
                        "duplicate": r.duplicate,
                        **r.report.as_dict(),
                    }
                    for r in results
                ],
                ensure_ascii=False,
            )
        )
    else:
        for r in results:
            if len(results) == 1 or not r.accepted:
                _print_report(r.report, out=sys.stdout)
            print(r.summary())
        if len(results) > 1:
            accepted = sum(r.accepted for r in results)
            print(f"共 {len(results)} 份：通过校验 {accepted} 份，未通过 {len(results) - accepted} 份。")
    return EXIT_OK if all(r.accepted for r in results) else EXIT_DATA


def _decided(outcome) -> int:
    """A decision's outcome on the command line (review, sign-off): its message, and EXIT_DATA
    when the workflow refused it."""
    if not outcome.ok:
        print(f"错误：{outcome.message}", file=sys.stderr)
        return EXIT_DATA
    print(outcome.message)
    return EXIT_OK


def _decide(args, use_case, decision: str) -> int:
    """Decide on submission --submission as --user with `use_case` (review, sign-off).
    Refusals (PermissionDenied) and a missing or out-of-scope id (NotFound) are PortalErrors:
    main() reports them."""
    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _decided(use_case(portal, actor, args.submission, decision, args.comment or ""))


def cmd_review(args) -> int:
    from portal.reporting.review import APPROVE, RETURN
    from portal.reporting.workflow import review_submission

    return _decide(args, review_submission, APPROVE if args.approve else RETURN)


def _extension_changed(change, *values) -> int:
    """Grant or revoke an extension, `change(*values)`: the due date it leaves, or what it
    would change, waiting for --confirm."""
    from portal.reporting.review import ConfirmationNeeded

    try:
        done = change(*values)
    except ConfirmationNeeded as exc:
        print(f"错误：{exc.message}如确认，请加 --confirm 重新执行。", file=sys.stderr)
        return EXIT_DATA
    changed = f"已按确认修改：{done.effect}" if done.effect else ""
    print(f"延期编号 {done.id}：{done.unit} 在 {done.round} 轮次的截止日期现为 {done.due}。{changed}")
    return EXIT_OK


def cmd_extension_grant(args) -> int:
    from portal.reporting.review import grant_extension

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    try:
        due = dt.date.fromisoformat(args.due)
    except ValueError:
        raise UsageError(f"--due 应为日期 YYYY-MM-DD，收到“{args.due}”。") from None
    return _extension_changed(
        grant_extension, portal, actor, args.round, args.unit, due, args.reason or "", args.confirm
    )


def cmd_extension_revoke(args) -> int:
    from portal.reporting.review import revoke_extension

    portal = Portal.open(args.home)
    actor = _acting(portal, args)
    return _extension_changed(
        revoke_extension, portal, actor, args.extension, args.reason or "", args.confirm
    )


def cmd_extension_list(args) -> int:
    """`portal extension list --json`: one object per grant, keys fixed (extend, never rename)."""
    from portal.reporting.review import extension_list

    portal = Portal.open(args.home)
    frame = extension_list(portal, _reader(portal, args), args.round)
    rows = frame.with_columns(
        *(frame[c].cast(str) for c in ("due_date", "granted_at", "ended_at"))
    ).to_dicts()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not rows:
        print(f"{args.round} 轮次没有延期。")
    for r in rows:
        line = (
            f"{r['extension_id']}  {r['unit']} {r['unit_name']}  延至 {r['due_date']}  {r['state_label']}  "
            f"{r['granted_by']} 于 {r['granted_at'][:16]} 批准，理由：{r['reason']}"
        )
        if r["ended_by"]:
            why = f"，理由：{r['end_reason']}" if r["end_reason"] else ""
            line += f"；{r['ended_by']} 于 {r['ended_at'][:16]} {r['state_label']}{why}"
        print(line)
    return EXIT_OK


def cmd_signoff(args) -> int:
    from portal.reporting.workflow import SEND_BACK, SIGN_OFF, decide_sign_off

    return _decide(args, decide_sign_off, SEND_BACK if args.send_back else SIGN_OFF)


def cmd_template(args) -> int:
    import zipfile

    from portal.reporting.templates import (
        TemplateRequestError,
        add_to_zip,
        build_unit_template,
        round_built,
        round_zip_filename,
    )

    portal = Portal.open(args.home)
    try:
        if args.unit:
            built = build_unit_template(portal, args.unit, args.round)
            target = Path(args.output) if args.output else Path(built.filename)
            if target.is_dir() or (args.output or "").endswith(("/", "\\")):
                target = target / built.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(built.data)
            print(f"已生成 {target}（指标 {built.indicators} 个、任务 {built.tasks} 项）", file=sys.stderr)
            return EXIT_OK
        contexts, templates = round_built(portal, args.round, args.jobs)
        if not contexts:
            raise TemplateRequestError(f"{args.round} 轮没有需要填报的单位（没有单位负责任何指标或任务）。")
    except TemplateRequestError as exc:
        if exc.usage:
            raise UsageError(exc.message) from None
        print(exc.message, file=sys.stderr)
        return EXIT_DATA
    from tqdm import tqdm

    out = Path(args.output) if args.output else portal.settings.exports_dir / f"templates-{args.round}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} 已存在且不是目录；--all 需要用 -o 指定一个目录")
    out.mkdir(parents=True, exist_ok=True)
    built = 0
    progress = tqdm(total=len(contexts), desc="生成模板", unit="个", file=sys.stderr, dynamic_ncols=True)
    archive = out / round_zip_filename(args.round)
    # Zipped as they come (each compressed by the worker that built it), not all at the end;
    # a run that fails leaves no half archive.
    try:
        with progress, zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for b in templates:
                (out / b.filename).write_bytes(b.data)
                add_to_zip(zf, b)
                built += 1
                progress.update()
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    print(f"已为 {built} 个单位生成 {args.round} 轮模板：{out}（打包文件 {archive.name}）", file=sys.stderr)
    return EXIT_OK


def cmd_status(args) -> int:
    from portal.monitoring.dashboards import missing_list_book
    from portal.monitoring.status import asked_round, round_status, status_json, status_text
    from schemas.errors import NotFound
    from schemas.quarters import RoundCodeError
    from warehouse.views import UnknownRound

    if args.output:
        if Path(args.output).suffix.lower() != ".xlsx":
            raise UsageError(f"输出文件 {args.output} 应以 .xlsx 结尾（催报名单是 Excel 表格）。")
        portal = Portal.open(args.home)
        try:
            book = missing_list_book(
                portal, _reader(portal, args), asked_round(portal, args.round), args.plan
            )
        except (RoundCodeError, NotFound) as exc:
            raise UsageError(str(exc)) from exc
        _write_output(args.output, book.data)
        print(f"已导出催报名单 {args.output}（A4 共 {book.total_pages} 页）", file=sys.stderr)
        return EXIT_OK
    try:
        portal = Portal.open(args.home)
        result = round_status(portal, _reader(portal, args), args.round)
    except (RoundCodeError, UnknownRound) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(status_json(result), ensure_ascii=False, indent=1))
    else:
        print(status_text(result))
    return EXIT_OK


def cmd_rollup(args) -> int:
    from portal.monitoring.rollup import rollup, rollup_json, rollup_text
    from portal.monitoring.status import asked_round
    from schemas.quarters import RoundCodeError
    from warehouse.views import UnknownRound

    portal = Portal.open(args.home)
    try:
        result = rollup(portal, _reader(portal, args), args.office, asked_round(portal, args.round))
    except (RoundCodeError, UnknownRound) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(rollup_json(result), ensure_ascii=False, indent=1))
    else:
        print(rollup_text(result))
    return EXIT_OK


def cmd_accounts_unlock(args) -> int:
    """Break-glass for the server's operator: whoever runs this owns PORTAL_HOME already."""
    from portal.accounts.auth import Account, unlock_account
    from schemas.enums import Role

    operator = Account(args.user, "服务器运维（命令行）", Role.ADMIN, None)
    outcome = unlock_account(Portal.open(args.home), operator, args.username)
    print(outcome.message, file=sys.stdout if outcome.ok else sys.stderr)
    return EXIT_OK if outcome.ok else EXIT_DATA


def accounts_json(frame) -> list[dict]:
    """`portal accounts list --json`: one object per account, keys fixed (extend, never rename).

    `scope.units` is the unit of a clerk or sign-off account, else []; `scope.offices` the offices
    granted, else []; `scope.platform` is true for a platform-wide account (its offices are [])."""
    return [
        {
            "username": r["username"],
            "role": r["role"],
            "scope": {
                "offices": list(r["offices"] or []),
                "units": [r["unit"]] if r["unit"] else [],
                "platform": bool(r["platform"]) and not r["unit"],
            },
            "active": bool(r["active"]),
            "display_name": r["display_name"],
        }
        for r in frame.iter_rows(named=True)
    ]


def cmd_accounts_list(args) -> int:
    from portal.accounts.auth import list_accounts

    portal = Portal.open(args.home)
    frame = list_accounts(portal, _reader(portal, args))
    if args.json:
        print(json.dumps(accounts_json(frame), ensure_ascii=False, indent=1))
        return EXIT_OK
    for r in frame.iter_rows(named=True):
        state = "" if r["active"] else "（已停用）"
        print(f"{r['username']:<18} {r['role_label']:<6} {r['scope_label']}{state}")
    return EXIT_OK


def _account_admin(portal: Portal, args):
    """The admin account an `accounts add/scope` acts as (--user, with its scope). Only while the
    warehouse has no account at all may the first one be made without it, by the server's operator."""
    from portal.accounts.auth import Account
    from schemas.enums import Role
    from warehouse.accounts import any_accounts

    if not (args.user or "").strip():
        with portal.warehouse.connect() as con:
            first = not any_accounts(con)
        if first:
            return Account(
                "cli", "服务器运维（命令行）", Role.ADMIN, None, via=f"命令行，系统用户 {_os_user()}"
            )
    return _acting(portal, args)


def _print_outcome(outcome) -> int:
    print(outcome.message, file=sys.stdout if outcome.ok else sys.stderr)
    if outcome.ok and outcome.password:
        print(f"一次性密码（只显示这一次，请转交本人）：{outcome.password}")
    return EXIT_OK if outcome.ok else EXIT_DATA


def cmd_accounts_add(args) -> int:
    from portal.accounts.auth import add_account

    portal = Portal.open(args.home)
    admin = _account_admin(portal, args)
    outcome = add_account(
        portal,
        admin,
        args.username,
        args.name or args.username,
        args.role,
        args.unit,
        offices=args.office or (),
        platform=args.platform,
    )
    return _print_outcome(outcome)


def cmd_accounts_scope(args) -> int:
    from portal.accounts.auth import set_account_scope

    portal = Portal.open(args.home)
    outcome = set_account_scope(
        portal, _acting(portal, args), args.username, args.office or (), args.platform
    )
    return _print_outcome(outcome)


def cmd_remind(args) -> int:
    from portal.monitoring.status import asked_round
    from portal.notify.channels import shown_address
    from portal.notify.remind import RoundNotOpen, remind
    from schemas.quarters import RoundCodeError
    from warehouse.views import UnknownRound

    portal = Portal.open(args.home)
    code = args.round or asked_round(portal, None)
    try:
        result = remind(portal, _sender(portal, args), code, dry_run=args.dry_run)
    except (RoundCodeError, UnknownRound) as exc:
        if args.round:
            raise UsageError(str(exc)) from exc
        return _nothing_to_remind(args, code, str(exc))
    except RoundNotOpen as exc:
        if args.round:
            raise
        return _nothing_to_remind(args, code, exc.message)
    rows = [
        {
            "event": m.event,
            "unit": m.unit,
            "office": m.office,
            "channel": m.channel,
            "recipient": shown_address(m.channel, m.recipient),
            "subject": m.subject,
            "new": m.new,
        }
        for m in result.messages
    ]
    if args.json:
        out = {"round": result.round, "dry_run": result.dry_run, "new": result.new, "messages": rows}
        out["unreachable"] = [{"unit": u, "name": n} for u, n in result.unreachable]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return EXIT_OK
    for r in rows:
        print(
            f"{'新' if r['new'] else '已排队'}  {r['unit'] or r['office']}  {r['recipient']}  {r['subject']}"
        )
    for unit, name in result.unreachable:
        print(f"无联系方式  {unit} {name}：请在责任单位中填写电子邮箱或群机器人地址。")
    verb = "将排队" if args.dry_run else "已排队"
    print(f"{result.round}：{verb}新通知 {result.new} 条，无联系方式的单位 {len(result.unreachable)} 个。")
    return EXIT_OK


def _nothing_to_remind(args, code: str, why: str) -> int:
    """A daily timer runs `portal remind` without --round: between rounds that is no failure."""
    if args.json:
        out = {
            "round": code,
            "dry_run": args.dry_run,
            "new": 0,
            "messages": [],
            "unreachable": [],
            "note": why,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"未指定 --round，按当前填报的季度 {code}：{why}")
    return EXIT_OK


def cmd_outbox_send(args) -> int:
    from portal.notify.sender import send_outbox

    portal = Portal.open(args.home)
    result = send_outbox(portal, _sender(portal, args))
    for message_id, reason in result.failures:
        print(f"通知 {message_id} 发送失败：{reason}", file=sys.stderr)
    print(f"已发送 {result.sent} 条，失败待重试 {result.failed} 条，已停止重试 {result.gave_up} 条。")
    return EXIT_OK if not result.failures else EXIT_DATA


def cmd_outbox_list(args) -> int:
    from portal.notify.log import STATE_LABELS, outbox_rows

    portal = Portal.open(args.home)
    name = getattr(args, "as_user", None)
    rows = outbox_rows(portal, args.state, command_line_account(portal, name) if name else None)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    for r in rows:
        reason = f"  {r['last_error']}" if r["last_error"] else ""
        print(f"{r['id']}  {STATE_LABELS[r['state']]}  {r['recipient']}  {r['subject']}{reason}")
    return EXIT_OK


def cmd_serve(args) -> int:
    from portal.ops.serve import serve

    return serve(Portal.open(args.home), port=args.port, headless=args.headless)


def _write_output(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"无法写入文件 {path}:{exc.strerror}") from None


def _assessment_or_exit(args):
    from portal.assessment.assess import assess

    portal = Portal.open(args.home)
    a = assess(portal, _reader(portal, args), args.plan, args.year)
    if not a.ok:
        _print_report(a.report)
        usage = any(code.startswith("assess-") for code in a.report.codes())
        return None, (EXIT_USAGE if usage else EXIT_DATA)
    return a, EXIT_OK


def cmd_assess(args) -> int:
    a, code = _assessment_or_exit(args)
    if a is None:
        return code
    if args.output:
        from portal.assessment.board import assessment_book

        portal = Portal.open(args.home)
        book = assessment_book(portal, _reader(portal, args), a)
        _write_output(args.output, book.data)
        print(f"已导出 {args.output}:{len(a.units)} 个单位，A4 共 {book.total_pages} 页", file=sys.stderr)
    if args.json or not args.output:
        rows = a.summary().to_dicts()
        if args.json:
            print(json.dumps(a.as_json(), ensure_ascii=False, indent=1))
        else:
            print(f"{a.plan_name} {a.year} 年度考核（评分方案：{a.scheme.source_label}）")
            for r in rows:
                print(
                    f"{r['rank']:>3}  总分 {r['total']:6.2f}  {r['grade']:<3}  指标 {r['indicators']:5.2f}  "
                    f"任务 {r['tasks']:5.2f}  报送 {r['reporting']:5.2f}  加分 {r['bonus']:4.2f}  {r['name']}"
                )
    return EXIT_OK


def cmd_bonus_add(args) -> int:
    from portal.assessment.assess import add_bonus

    portal = Portal.open(args.home)
    result = add_bonus(
        portal, _acting(portal, args), args.plan, args.year, args.unit, args.points, args.reason
    )
    if result.report.issues:
        _print_report(result.report)
    if result.bonus_id is None:
        return EXIT_DATA
    print(f"已录入加分项 {result.bonus_id}", file=sys.stderr)
    return EXIT_OK


def cmd_bonus_list(args) -> int:
    from portal.assessment.assess import list_bonus

    portal = Portal.open(args.home)
    frame = list_bonus(portal, _reader(portal, args), args.plan, args.year)
    for r in frame.iter_rows(named=True):
        print(
            f"{r['id']:>4}  {r['unit']:<12} {r['points']:>5g}  {r['reason']}  ({r['entered_by']} {r['entered_at']:%Y-%m-%d})"
        )
    if not frame.height:
        print("没有加分项。", file=sys.stderr)
    return EXIT_OK


def cmd_bonus_withdraw(args) -> int:
    from portal.assessment.assess import withdraw_bonus

    portal = Portal.open(args.home)
    outcome = withdraw_bonus(portal, _acting(portal, args), args.id)
    print(outcome.message, file=sys.stderr)
    return EXIT_OK if outcome.ok else EXIT_DATA


# --- 年度考核 公示 → 定稿 (portal/assessment/lifecycle.py) ---------------------------------------------


def cmd_assessment_publish(args) -> int:
    from portal.assessment.lifecycle import publish

    portal = Portal.open(args.home)
    print(publish(portal, _acting(portal, args), args.plan, args.year, args.days).message, file=sys.stderr)
    return EXIT_OK


def cmd_assessment_finalize(args) -> int:
    from portal.assessment.lifecycle import finalize

    portal = Portal.open(args.home)
    print(finalize(portal, _acting(portal, args), args.plan, args.year).message, file=sys.stderr)
    return EXIT_OK


def cmd_assessment_reopen(args) -> int:
    from portal.assessment.lifecycle import reopen

    portal = Portal.open(args.home)
    print(reopen(portal, _acting(portal, args), args.plan, args.year, args.reason).message, file=sys.stderr)
    return EXIT_OK


def _rows_json(frame) -> str:
    return json.dumps(frame.to_dicts(), ensure_ascii=False, indent=1, default=str)


def cmd_assessment_versions(args) -> int:
    from portal.assessment.lifecycle import lifecycle_of, list_versions

    portal = Portal.open(args.home)
    frame = list_versions(portal, _reader(portal, args), args.plan, args.year)
    if args.json:
        print(_rows_json(frame))
        return EXIT_OK
    print(f"{args.plan} {args.year}年度考核：{lifecycle_of(portal, args.plan, args.year).summary}")
    for r in frame.iter_rows(named=True):
        line = f"版本 {r['version']}  {r['stage']}  公示 {r['publicity_from']}至{r['publicity_to']}（{r['published_by']}）"
        if r["finalized_at"]:
            line += f"  定稿 {r['finalized_at']:%Y-%m-%d}（{r['finalized_by']}）"
        if r["reopened_at"]:
            line += f"  重新评定 {r['reopened_at']:%Y-%m-%d}（{r['reopened_by']}）：{r['reopen_reason']}"
        print(line)
    if not frame.height:
        print("尚未公示过。", file=sys.stderr)
    return EXIT_OK


def cmd_objection_add(args) -> int:
    from portal.assessment.lifecycle import file_objection

    portal = Portal.open(args.home)
    name, data = _evidence(args)
    outcome = file_objection(
        portal, _acting(portal, args), args.plan, args.year, args.unit, args.text, name, data
    )
    print(outcome.message, file=sys.stderr)
    return EXIT_OK


def cmd_objection_list(args) -> int:
    from portal.assessment.lifecycle import OBJECTION_COLUMNS, list_objections

    portal = Portal.open(args.home)
    frame = list_objections(portal, _reader(portal, args), args.plan, args.year).select(OBJECTION_COLUMNS)
    if args.json:
        print(_rows_json(frame))
        return EXIT_OK
    for r in frame.iter_rows(named=True):
        answer = f"  答复（{r['answered_by']}）：{r['reply']}" if r["reply"] else ""
        print(
            f"{r['id']:>4}  版本 {r['version']}  {r['unit']:<12} {r['decision_label']}  {r['text']}{answer}"
        )
    if not frame.height:
        print("没有异议。", file=sys.stderr)
    return EXIT_OK


def cmd_objection_answer(args) -> int:
    from portal.assessment.lifecycle import answer_objection

    portal = Portal.open(args.home)
    outcome = answer_objection(portal, _acting(portal, args), args.id, args.accept, args.reply)
    print(outcome.message, file=sys.stderr)
    return EXIT_OK


def _quote_rules(args):
    """`--rules FILE`: 亮点/存在问题 chosen by this file for this export (nothing saved); else the
    issuing office's saved rules."""
    from portal.monitoring.quote_rules import RulesError, rules_from_text

    if not getattr(args, "rules", None):
        return None
    path = Path(args.rules)
    try:
        return rules_from_text(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"无法读取规则文件 {args.rules}：{exc}") from None
    except RulesError as exc:
        raise UsageError(f"规则文件 {args.rules} 有误：" + "".join(exc.problems)) from None


def cmd_bulletin(args) -> int:
    from portal.monitoring.dashboards import bulletin_book, bulletin_draft, export_bulletin_docx
    from schemas.errors import NotFound
    from schemas.quarters import RoundCodeError

    portal = Portal.open(args.home)
    output = Path(args.output)
    if output.suffix.lower() not in (".xlsx", ".docx"):
        raise UsageError(f"输出文件 {args.output} 应以 .docx（通报正文）或 .xlsx（通报表格）结尾。")
    rules = _quote_rules(args)
    reader = _reader(portal, args)
    try:
        b, book = bulletin_book(portal, reader, args.round, args.plan)
    except (RoundCodeError, NotFound) as exc:
        raise UsageError(str(exc)) from None
    if output.suffix.lower() == ".docx":
        attachment = output.with_name(f"{output.stem}-附件.xlsx")
        texts = bulletin_draft(portal, reader, args.round, args.plan, rules)
        _write_output(str(output), export_bulletin_docx(portal, reader, args.round, args.plan, texts))
        _write_output(str(attachment), book.data)
        print(f"已导出通报正文 {output} 和附件 {attachment}（A4 共 {book.total_pages} 页）", file=sys.stderr)
        return EXIT_OK
    _write_output(args.output, book.data)
    print(
        f"已导出 {args.output}：应报 {b.completion.expected} 个单位，按时 {b.on_time}、迟报 {b.late}、"
        f"未报送 {b.missing}；滞后指标 {b.red_list.height} 个，滞后任务 {b.tasks_behind.height} 项；"
        f"A4 共 {book.total_pages} 页",
        file=sys.stderr,
    )
    return EXIT_OK


def _byte_bar(desc: str):
    from tqdm import tqdm

    return tqdm(
        total=0, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False
    )


def _with_bar(desc: str, run, refused: str = ""):
    """A backup or a restore, `run(progress, total)`, under a byte bar on stderr: its result, or
    None when refused (the BackupError on stderr, `refused` after it; a usage one raised as such)."""
    from portal.ops.backup import BackupError

    with _byte_bar(desc) as bar:

        def total(n: int) -> None:
            bar.total = n
            bar.refresh()

        try:
            return run(bar.update, total)
        except BackupError as exc:
            if exc.usage:
                raise UsageError(exc.message) from None
            print(f"错误：{exc.message}{refused}", file=sys.stderr)
            return None


def cmd_backup(args) -> int:
    from portal.ops.backup import create_backup

    portal = Portal.open(args.home)
    result = _with_bar(
        "备份",
        lambda progress, total: create_backup(
            portal,
            Path(args.output) if args.output else None,
            include_secret=not args.no_secret,
            actor=args.user,
            progress=progress,
            total=total,
        ),
    )
    if result is None:
        return EXIT_DATA
    secret = "含签名密钥 secret.key，请像保管密码一样保管此文件" if result.includes_secret else "不含签名密钥"
    print(
        f"已备份到 {result.path}：文件 {result.files} 个，共 {result.size / 1048576:.1f} MB，"
        f"数据仓库结构版本 {result.schema_version};{secret}。"
    )
    return EXIT_OK


def cmd_restore(args) -> int:
    from portal.ops.backup import restore_backup

    portal = Portal.open(args.home)
    result = _with_bar(
        "校验并恢复",
        lambda progress, total: restore_backup(
            portal, Path(args.file), force=args.force, progress=progress, total=total, foreign=args.foreign
        ),
        "未做任何改动。",
    )
    if result is None:
        return EXIT_DATA
    print(
        f"已从 {args.file} 恢复到 {portal.settings.home}：文件 {result.files} 个，"
        f"共 {result.size / 1048576:.1f} MB，数据仓库结构版本 {result.schema_version}。"
    )
    for message in result.messages:
        print(message)
    print("如网页端正在运行，请重启 portal serve。")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="科技创新任务调度考核平台")
    parser.add_argument("--home", help="数据目录（默认取环境变量 PORTAL_HOME，否则 ./var）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="创建或升级数据仓库")
    p.add_argument("--demo", action="store_true", help="导入五个示范规划、演示账号和轮次")
    p.add_argument(
        "--no-fill",
        action="store_true",
        help="与 --demo 同用：不填充演示报送（默认会把以往各季度按真实流程填报、上传、审核）",
    )
    p.set_defaults(func=cmd_init)

    reg = sub.add_parser("registry", help="规划任务分解表的导入导出").add_subparsers(
        dest="action", required=True
    )
    p = reg.add_parser("import", help="导入任务分解表（有任何错误则不导入）")
    p.add_argument("file")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    p.set_defaults(func=cmd_registry_import)
    p = reg.add_parser("export", help="导出任务分解表")
    p.add_argument("-o", "--output")
    p.add_argument("--format", choices=["xlsx", "json"], default="xlsx")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_registry_export)

    p = sub.add_parser("validate", help="校验一份填好的季度模板（不入库）")
    p.add_argument("file")
    p.add_argument("--unit", help="单位代码（默认取工作簿中的模板信息）")
    p.add_argument("--round", help="轮次，如 2025Q3（默认取工作簿中的模板信息）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果（标准输出只有 JSON）")
    p.add_argument("--annotate", metavar="OUT.xlsx", help="写出标注了问题单元格和“校验结果”表的工作簿")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ingest", help="校验并入库：单个文件（需 --unit），或文件夹/.zip 批量（需 --round）")
    p.add_argument("path")
    p.add_argument("--unit")
    p.add_argument("--round")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.add_argument("--late", action="store_true", help="办公室补录已截止轮次的报送")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("review", help="审核报送：通过或退回")
    p.add_argument("submission", type=int)
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--return", dest="return_", action="store_true")
    p.add_argument("--comment", default="")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("signoff", help="单位审核：确认本单位填报员的报送（报送办公室），或退回填报员")
    p.add_argument("submission", type=int)
    p.add_argument("--send-back", action="store_true", help="退回填报员修改（须写 --comment）")
    p.add_argument("--comment", default="")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的单位审核人账号）")
    p.set_defaults(func=cmd_signoff)

    p = sub.add_parser("template", help="生成单位季度填报模板（.xlsx）")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="单位代码，生成该单位的模板")
    who.add_argument(
        "--all", action="store_true", help="为本轮所有有填报内容的单位各生成一个模板，并打包为 .zip"
    )
    p.add_argument("--round", required=True, help="轮次，如 2025Q3")
    p.add_argument(
        "-o", "--output", help="--unit：输出文件或目录；--all：输出目录（默认 PORTAL_HOME/exports）"
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="--all 时并行生成的进程数（默认：单位不少于 300 个时用全部 CPU 核，否则 1）",
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("assess", help="年度考核：计分并导出年度考核表")
    p.add_argument("--plan", required=True, help="规划代码，如 JZ")
    p.add_argument("--year", required=True, type=int, help="考核年度，如 2025")
    p.add_argument("-o", "--output", help="导出年度考核表 .xlsx；不指定则在终端列出得分")
    p.add_argument("--json", action="store_true", help="以 JSON 输出各单位得分")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_assess)

    bonus = sub.add_parser("bonus", help="年度考核加分项（考核评价员录入）").add_subparsers(
        dest="action", required=True
    )
    p = bonus.add_parser("add", help="录入一条加分项（须写明理由）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--unit", required=True, help="单位代码")
    p.add_argument("--points", required=True, type=float)
    p.add_argument("--reason", required=True)
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.set_defaults(func=cmd_bonus_add)
    p = bonus.add_parser("list", help="列出有效的加分项")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_bonus_list)
    p = bonus.add_parser("withdraw", help="撤销一条加分项（保留记录）")
    p.add_argument("id", type=int)
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.set_defaults(func=cmd_bonus_withdraw)

    # 公示 → 定稿: its own command, since `portal assess` takes options only (`portal assess publish …`
    # is read as `portal assessment publish …`, see main()).
    user_help = "以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）"
    life = sub.add_parser("assessment", help="年度考核公示、定稿、重新评定和版本").add_subparsers(
        dest="action", required=True
    )
    p = life.add_parser("publish", help="开始公示年度考核结果（年度结束后；公示期内考核数据锁定）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--days", type=int, default=7, help="公示天数（自然日，含当天；默认 7 天）")
    p.add_argument("--user", help=user_help)
    p.set_defaults(func=cmd_assessment_publish)
    p = life.add_parser("finalize", help="定稿（公示期结束、异议均已答复且无采纳的异议）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--user", help=user_help)
    p.set_defaults(func=cmd_assessment_finalize)
    p = life.add_parser("reopen", help="重新评定：回到预评，更正后再公示生成新版本（须写明理由）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--reason", required=True)
    p.add_argument("--user", help=user_help)
    p.set_defaults(func=cmd_assessment_reopen)
    p = life.add_parser("versions", help="列出各版本（公示、定稿、重新评定的人、时间和理由）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_assessment_versions)

    objection = sub.add_parser("objection", help="考核结果异议：单位提出，考核评价员答复").add_subparsers(
        dest="action", required=True
    )
    p = objection.add_parser("add", help="对本单位的公示结果提出异议（公示期内）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--unit", required=True, help="单位代码（本单位）")
    p.add_argument("--text", required=True, help="异议内容和理由")
    p.add_argument("--evidence", help="佐证材料文件（PDF、图片、Word、Excel，按佐证材料规则检查）")
    p.add_argument("--user", help=user_help)
    p.set_defaults(func=cmd_objection_add)
    p = objection.add_parser("list", help="列出异议及答复（单位账号只看到本单位的）")
    p.add_argument("--plan", required=True)
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_objection_list)
    p = objection.add_parser("answer", help="答复一条异议：采纳或不采纳（须写答复意见）")
    p.add_argument("id", type=int)
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--accept", action="store_true", help="采纳")
    decision.add_argument("--reject", action="store_true", help="不采纳")
    p.add_argument("--reply", required=True, help="答复意见（不采纳的写明理由）")
    p.add_argument("--user", help=user_help)
    p.set_defaults(func=cmd_objection_answer)

    from portal.cli.entries import add_entry_commands  # here: it imports this module's helpers

    add_entry_commands(sub)  # portal deduction | veto | qualitative | selfscore

    from portal.cli.open_data import add_open_data_commands  # here: it imports this module's helpers

    add_open_data_commands(sub)  # portal token create | list | revoke, portal export

    from portal.cli.problems import add_problem_commands

    add_problem_commands(sub)  # portal problem add | assign | answer | close | return | list

    p = sub.add_parser("status", help="查看一个轮次的报送情况和催报名单")
    p.add_argument("--round", help="轮次代码，如 2025Q3（默认为当前填报的季度）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.add_argument("--plan", help="规划代码，如 JZ：只列这个规划的单位（与 -o 一起用）")
    p.add_argument("-o", "--output", help="把催报名单写成 Excel 文件，如 催报名单.xlsx")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("rollup", help="下级汇总：一个上级办公室下辖各地的报送率、迟报、指标进度和共同指标")
    p.add_argument("--office", required=True, help="办公室代码，如 XSSS（襄十随神城市群）")
    p.add_argument("--round", help="轮次代码，如 2025Q3（默认为当前填报的季度）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("bulletin", help="季度通报：报送情况、指标进度、滞后任务，导出 .xlsx")
    p.add_argument("--round", required=True, help="轮次代码，如 2025Q3")
    p.add_argument("--plan", help="规划代码，如 JZ：只通报这个规划，由它的办公室印发（默认为全部规划）")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="输出文件：.docx 为通报正文（附件表格另存为同名“-附件.xlsx”），.xlsx 为通报表格",
    )
    p.add_argument(
        "--rules",
        metavar="FILE",
        help="亮点、存在问题的摘录规则（TOML，键同 PORTAL_HOME/bulletin/<办公室>.toml）；默认用印发办公室保存的规则",
    )
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_bulletin)

    acc = sub.add_parser("accounts", help="账号维护（在服务器上执行）").add_subparsers(
        dest="accounts_command", required=True
    )
    p = acc.add_parser("unlock", help="解除因连续输错密码造成的账号锁定（包括最后一个系统管理员）")
    p.add_argument("username", help="要解锁的用户名")
    p.add_argument("--user", default="cli", help="记入审计日志的操作人")
    p.set_defaults(func=cmd_accounts_unlock)
    p = acc.add_parser("list", help="列出账号及其范围（--as 指定的管理员只看到其管辖范围内的账号）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_accounts_list)
    p = acc.add_parser("add", help="新建账号并显示一次性密码（只显示这一次）")
    p.add_argument("username", help="新账号的用户名")
    p.add_argument("--role", required=True, choices=[str(r) for r in Role], help="角色")
    p.add_argument("--unit", help="单位代码（单位填报员和单位审核人必填）")
    p.add_argument("--office", action="append", metavar="O", help="办公室代码（其他角色；可重复）")
    p.add_argument("--platform", action="store_true", help="全平台范围（只有全平台的管理员可以授予）")
    p.add_argument("--name", help="姓名或单位名称（默认同用户名）")
    p.add_argument("--user", help="以哪个系统管理员账号的名义操作（必填；其范围决定能建哪些账号）")
    p.set_defaults(func=cmd_accounts_add)
    p = acc.add_parser("scope", help="修改办公室、考核或管理员账号的范围：办公室或全平台")
    p.add_argument("username", help="要修改范围的用户名")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--office", action="append", metavar="O", help="办公室代码（可重复）")
    where.add_argument("--platform", action="store_true", help="全平台范围")
    p.add_argument("--user", help="以哪个系统管理员账号的名义操作（必填）")
    p.set_defaults(func=cmd_accounts_scope)

    p = sub.add_parser(
        "remind", help="为一个轮次排队催报和逾期提醒、各办公室的每周汇总（由 outbox send 发送）"
    )
    p.add_argument(
        "--round",
        help="轮次代码，如 2025Q3（默认为当前填报的季度；它不在填报中时不排队，退出码 0，便于每天定时运行）",
    )
    p.add_argument("--dry-run", action="store_true", help="只列出将要排队的通知，不写入")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--user", help=SENDER_HELP)
    p.set_defaults(func=cmd_remind)

    outbox = sub.add_parser("outbox", help="通知发件箱：发送、查看").add_subparsers(
        dest="outbox_command", required=True
    )
    p = outbox.add_parser("send", help="发送到期的通知（失败的按间隔自动重试）")
    p.add_argument("--user", help=SENDER_HELP)
    p.set_defaults(func=cmd_outbox_send)
    p = outbox.add_parser("list", help="列出通知及其发送状态")
    p.add_argument("--state", choices=["pending", "failed", "gave_up", "sent"], help="只列出这一状态")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_outbox_list)

    ext = sub.add_parser("extension", help="延期：批准、列出、撤销").add_subparsers(
        dest="extension_command", required=True
    )
    confirm_help = "已截止或已锁定的轮次：确认改写已有的报送记录（迟报天数和年度扣分随之改变）"
    p = ext.add_parser("grant", help="批准一个单位在一个轮次延期报送")
    p.add_argument("--round", required=True, help="轮次，如 2025Q3")
    p.add_argument("--unit", required=True, help="单位代码")
    p.add_argument("--due", required=True, help="延期后的截止日期 YYYY-MM-DD")
    p.add_argument("--reason", required=True, help="延期理由")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.add_argument("--confirm", action="store_true", help=confirm_help)
    p.set_defaults(func=cmd_extension_grant)
    p = ext.add_parser("list", help="列出一个轮次的延期（生效、已撤销、已被替代）")
    p.add_argument("--round", required=True, help="轮次，如 2025Q3")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help=AS_HELP)
    p.set_defaults(func=cmd_extension_list)
    p = ext.add_parser("revoke", help="撤销一项生效的延期（记录保留）")
    p.add_argument("extension", type=int, metavar="ID", help="延期编号（portal extension list 列出）")
    p.add_argument("--reason", required=True, help="撤销理由")
    p.add_argument("--user", help="以哪个账号的名义操作（必填；须为已启用的账号，且其角色有此权限）")
    p.add_argument("--confirm", action="store_true", help=confirm_help)
    p.set_defaults(func=cmd_extension_revoke)

    p = sub.add_parser("serve", help="启动网页端")
    p.add_argument("--port", type=int)
    p.add_argument("--headless", action="store_true", default=True)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("backup", help="备份数据仓库、上报原件和设置（一致性快照，附校验清单）")
    p.add_argument("-o", "--output", help="备份文件 .zip（默认 PORTAL_HOME/backups/portal-backup-时间.zip）")
    p.add_argument("--no-secret", action="store_true", help="不包含模板签名密钥 secret.key")
    p.add_argument("--user", default="cli")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复（先校验，整体替换；原数据移到 backups/ 下保留）")
    p.add_argument("file", help="portal backup 生成的 .zip")
    p.add_argument("--force", action="store_true", help="数据目录已有数据时仍然恢复")
    p.add_argument(
        "--foreign",
        action="store_true",
        help="恢复签名无法用本部署密钥核对的备份（来自其他部署、不含密钥或旧版本生成）；只在确知来源时使用",
    )
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    keep_files_private()
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["assess"] and argv[1:2] and argv[1] in LIFECYCLE_ACTIONS:
        argv[0] = "assessment"  # `portal assess publish …`: the lifecycle under the name people try first
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PortalError as exc:
        return report_error(exc)


def report_error(exc: PortalError) -> int:
    """The one mapping of a failure to the command line: its Chinese message, and exit code 2 for a
    wrong request (`usage`), 1 for anything else."""
    print(f"{'用法错误' if exc.usage else '错误'}：{exc.message}", file=sys.stderr)
    return EXIT_USAGE if exc.usage else EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
