"""`portal token create|list|revoke` and `portal export`: the API's tokens and the open export
(portal.accounts.tokens, portal.sharing.export) on the command line. Tokens are managed by the
server's operator (audited as "cli（命令行，系统用户 …）"); `--user` names the token's account.
`portal export` reads as `--user` (its scope), else the platform."""

from __future__ import annotations

import datetime as dt
import json

from portal.cli.main import EXIT_OK, UsageError, _os_user, command_line_account
from portal.core.context import Portal


def _operator():
    from portal.accounts.auth import Account
    from schemas.enums import Role

    return Account("cli", "服务器运维（命令行）", Role.ADMIN, None, via=f"命令行，系统用户 {_os_user()}")


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"日期“{text}”无法识别，请写成 2026-12-31 的形式。") from None


def cmd_token_create(args) -> int:
    from portal.accounts.tokens import create_token

    new = create_token(Portal.open(args.home), _operator(), args.user, args.name, _date(args.expires))
    until = new.expires_on.isoformat() if new.expires_on else "撤销为止"
    print(f"已为账号 {new.username} 创建接口令牌“{new.name}”（编号 {new.id}，有效期至 {until}）。")
    print("令牌（只显示这一次，请妥善转交；丢失后只能撤销重建）：")
    print(new.token)
    return EXIT_OK


def _token_json(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()}


def cmd_token_list(args) -> int:
    from portal.accounts.tokens import STATE_LABELS, list_tokens

    frame = list_tokens(Portal.open(args.home), _operator())
    if args.json:
        print(json.dumps([_token_json(r) for r in frame.iter_rows(named=True)], ensure_ascii=False, indent=1))
        return EXIT_OK
    if frame.is_empty():
        print("还没有接口令牌。")
    for r in frame.iter_rows(named=True):
        until = r["expires_on"].isoformat() if r["expires_on"] else "撤销为止"
        used = f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "从未使用"
        print(
            f"{r['id']:>4} {r['name']:<20} {r['username']:<14} {STATE_LABELS[r['state']]:<4} 有效期至 {until}，最近使用 {used}"
        )
    return EXIT_OK


def cmd_token_revoke(args) -> int:
    from portal.accounts.tokens import revoke_token

    print(revoke_token(Portal.open(args.home), _operator(), args.token))
    return EXIT_OK


def cmd_export(args) -> int:
    from portal.accounts.auth import system_actor
    from portal.sharing.export import export_open_data

    portal = Portal.open(args.home)
    account = command_line_account(portal, args.user) if args.user else system_actor()
    done = export_open_data(portal, account, args.output, args.round, args.year, args.plan, args.format)
    for name, rows in done.rows.items():
        print(f"{name}.{args.format}: {rows} 行")
    print(f"已写出开放数据到 {done.directory}（说明文件 {done.descriptor.name}）。")
    return EXIT_OK


def add_open_data_commands(sub) -> None:
    token = sub.add_parser("token", help="接口令牌：创建、列出、撤销（在服务器上执行）").add_subparsers(
        dest="token_command", required=True
    )
    p = token.add_parser("create", help="为一个账号创建只读接口令牌（令牌只显示这一次）")
    p.add_argument(
        "--user", required=True, metavar="USERNAME", help="令牌所属账号（令牌的范围即该账号的范围）"
    )
    p.add_argument("--name", required=True, help="令牌名称（唯一，记入审计日志）")
    p.add_argument("--expires", metavar="DATE", help="最后有效日期，如 2026-12-31（默认撤销为止）")
    p.set_defaults(func=cmd_token_create)
    p = token.add_parser("list", help="列出接口令牌及其状态（不显示令牌本身）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_token_list)
    p = token.add_parser("revoke", help="撤销一个接口令牌（按名称或编号）")
    p.add_argument("token", metavar="NAME-or-ID", help="令牌名称或编号")
    p.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser(
        "export", help="开放数据导出：一个轮次或一年的共享数据表（Parquet 或 CSV）及 datapackage.json"
    )
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--round", help="轮次代码，如 2025Q2")
    period.add_argument("--year", type=int, help="年份，如 2025（该年各轮次）")
    p.add_argument("--plan", help="只导出一个规划")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="文件格式（默认 parquet）")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="写出到哪个目录")
    p.add_argument("--user", metavar="USERNAME", help="按哪个账号的范围导出（默认全平台）")
    p.set_defaults(func=cmd_export)
