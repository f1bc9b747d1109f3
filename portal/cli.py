"""The `portal` command. Exit codes: 0 done, 1 the data has errors (or the work failed), 2 usage error."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from portal.context import Portal
from portal.settings import SettingsError
from warehouse.db import WarehouseError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _print_report(report, out=sys.stderr) -> None:
    for issue in report.issues:
        where = issue.where or "文件"
        print(f"[{issue.severity.label}] {where} {issue.code}: {issue.message} {issue.hint}", file=out)
    print(report.summary(), file=out)


def cmd_init(args) -> int:
    from portal.setup import init_portal

    portal = Portal.open(args.home)
    portal, result = init_portal(portal, demo=args.demo)
    verb = "已创建" if result.created else "已打开"
    print(f"{verb}数据仓库 {portal.settings.warehouse_path}(结构版本 {result.schema_version})")
    for message in result.messages:
        print(message)
    if result.registry is not None:
        if not result.registry.loaded:
            _print_report(result.registry.report)
            return EXIT_DATA
        counts = result.registry.counts
        print(
            f"已导入演示规划:规划 {counts['plans']} 个、单位 {counts['units']} 个、任务 {counts['tasks']} 项、指标 {counts['indicators']} 个"
        )
    if result.accounts:
        print("\n演示账号(密码只显示这一次,请妥善保存):")
        for username, password, role, unit in result.accounts:
            print(f"  {role:<8} 用户名 {username:<10} 密码 {password}  {unit}")
    return EXIT_OK


def cmd_registry_import(args) -> int:
    from portal.registry import import_registry

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"找不到文件 {path}")
    portal = Portal.open(args.home)
    result = import_registry(portal, path.read_bytes(), actor=args.user)
    if args.json:
        print(json.dumps(result.report.as_dict() | {"counts": result.counts}, ensure_ascii=False, indent=1))
    else:
        _print_report(result.report)
    if not result.loaded:
        print("有错误,未导入任何数据。", file=sys.stderr)
        return EXIT_DATA
    print("导入完成:" + "、".join(f"{k} {v}" for k, v in result.counts.items()), file=sys.stderr)
    return EXIT_OK


def cmd_registry_export(args) -> int:
    from portal.registry import export_registry_json, export_registry_xlsx

    portal = Portal.open(args.home)
    if args.format == "json":
        text = json.dumps(export_registry_json(portal), ensure_ascii=False, indent=1, default=str)
        if args.output:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        return EXIT_OK
    if not args.output:
        raise UsageError("导出 Excel 需要用 -o 指定输出文件,例如 -o 任务分解表.xlsx")
    Path(args.output).write_bytes(export_registry_xlsx(portal))
    print(f"已导出 {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args) -> int:
    from portal.rounds import RoundCodeError, parse_round
    from portal.validation import annotated, validate_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"找不到文件 {path}")
    if args.round:
        try:
            parse_round(args.round)
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
            print(f"错误:无法写入 {out}:{exc.strerror or exc}", file=sys.stderr)
            return EXIT_DATA
        print(f"已写入标注文件 {out}", file=sys.stderr)
    return EXIT_OK if result.report.ok else EXIT_DATA


def cmd_template(args) -> int:
    from portal.templates import (
        TemplateRequestError,
        build_unit_template,
        iter_built,
        round_template_contexts,
        round_zip_filename,
        zip_templates,
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
            print(f"已生成 {target}(指标 {built.indicators} 个、任务 {built.tasks} 项)", file=sys.stderr)
            return EXIT_OK
        contexts = round_template_contexts(portal, args.round)
        if not contexts:
            raise TemplateRequestError(f"{args.round} 轮没有需要填报的单位(没有单位负责任何指标或任务)。")
    except TemplateRequestError as exc:
        if exc.usage:
            raise UsageError(exc.message) from None
        print(exc.message, file=sys.stderr)
        return EXIT_DATA
    from tqdm import tqdm

    out = Path(args.output) if args.output else portal.settings.exports_dir / f"templates-{args.round}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} 已存在且不是目录;--all 需要用 -o 指定一个目录")
    out.mkdir(parents=True, exist_ok=True)
    built = []
    progress = tqdm(total=len(contexts), desc="生成模板", unit="个", file=sys.stderr, dynamic_ncols=True)
    with progress:
        for b in iter_built(contexts, portal.settings.secret(), args.jobs):
            (out / b.filename).write_bytes(b.data)
            built.append(b)
            progress.update()
    archive = out / round_zip_filename(args.round)
    archive.write_bytes(zip_templates(built))
    print(f"已为 {len(built)} 个单位生成 {args.round} 轮模板:{out}(打包文件 {archive.name})", file=sys.stderr)
    return EXIT_OK


def cmd_serve(args) -> int:
    from portal.serve import serve

    return serve(Portal.open(args.home), port=args.port, headless=args.headless)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="科技创新任务调度考核平台")
    parser.add_argument("--home", help="数据目录(默认取环境变量 PORTAL_HOME,否则 ./var)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="创建或升级数据仓库")
    p.add_argument("--demo", action="store_true", help="导入五个示范规划、演示账号和轮次")
    p.set_defaults(func=cmd_init)

    reg = sub.add_parser("registry", help="规划任务分解表的导入导出").add_subparsers(
        dest="action", required=True
    )
    p = reg.add_parser("import", help="导入任务分解表(有任何错误则不导入)")
    p.add_argument("file")
    p.add_argument("--user", default="cli")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    p.set_defaults(func=cmd_registry_import)
    p = reg.add_parser("export", help="导出任务分解表")
    p.add_argument("-o", "--output")
    p.add_argument("--format", choices=["xlsx", "json"], default="xlsx")
    p.set_defaults(func=cmd_registry_export)

    p = sub.add_parser("validate", help="校验一份填好的季度模板(不入库)")
    p.add_argument("file")
    p.add_argument("--unit", help="单位代码(默认取工作簿中的模板信息)")
    p.add_argument("--round", help="轮次,如 2025Q3(默认取工作簿中的模板信息)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果(标准输出只有 JSON)")
    p.add_argument("--annotate", metavar="OUT.xlsx", help="写出标注了问题单元格和“校验结果”表的工作簿")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help="生成单位季度填报模板(.xlsx)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="单位代码,生成该单位的模板")
    who.add_argument(
        "--all", action="store_true", help="为本轮所有有填报内容的单位各生成一个模板,并打包为 .zip"
    )
    p.add_argument("--round", required=True, help="轮次,如 2025Q3")
    p.add_argument("-o", "--output", help="--unit:输出文件或目录;--all:输出目录(默认 PORTAL_HOME/exports)")
    p.add_argument(
        "--jobs", type=int, default=1, help="--all 时并行生成的进程数(默认 1;单位上千时可设为 CPU 核数)"
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("serve", help="启动网页端")
    p.add_argument("--port", type=int)
    p.add_argument("--headless", action="store_true", default=True)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"用法错误:{exc}", file=sys.stderr)
        return EXIT_USAGE
    except (SettingsError, WarehouseError) as exc:
        print(f"错误:{exc}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
