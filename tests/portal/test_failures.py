"""One failure protocol: every refusal is a PortalError, mapped once to the CLI's exit codes."""

import pytest

from portal.accounts.auth import AccountError
from portal.cli import main as cli
from portal.cli.main import UsageError
from portal.core.errors import Conflict, InvalidInput, NotFound, PortalError, Refused
from portal.core.permissions import PermissionDenied
from portal.core.settings import SettingsError
from portal.ops.backup import BackupError
from portal.reporting.review import WorkflowError
from portal.reporting.templates import TemplateRequestError
from schemas.quarters import Quarter, RoundCodeError
from templates_xlsx.reader import Workbook, WorkbookUnreadable
from warehouse.db import WarehouseBusy, WarehouseError, WarehouseTooNew
from warehouse.views import UnknownRound

LOCKED = "轮次 2025Q3 已锁定，不能再审核或修改。"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (WorkflowError(LOCKED), Conflict),
        (TemplateRequestError("单位代码“X”不存在。", usage=True), InvalidInput),
        (BackupError("找不到备份文件 b.zip", usage=True), PortalError),
        (UsageError("找不到文件 a.xlsx"), InvalidInput),
        (RoundCodeError("轮次代码“2025Q9”格式不对。"), InvalidInput),
        (AccountError("账号 rep1 已存在。"), InvalidInput),
        (SettingsError("设置项 port 应为整数。"), InvalidInput),
        (PermissionDenied("请先登录。", "overview.view"), Refused),
        (UnknownRound("没有调度轮次“2024Q1”。"), NotFound),
        (WarehouseError("无法打开数据仓库。"), PortalError),
        (WarehouseBusy("数据仓库正忙。"), Conflict),
        (WarehouseTooNew("数据仓库的结构版本过高。"), WarehouseError),
        (WorkbookUnreadable("缺少 xl/workbook.xml"), InvalidInput),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_every_failure_is_a_portal_error_carrying_its_chinese_message(error, kind):
    assert isinstance(error, kind) and isinstance(error, PortalError)
    assert error.message == str(error) == error.args[0]


def test_the_old_bases_still_catch_what_they_caught():
    with pytest.raises(ValueError):
        Quarter.parse("2025Q9")
    assert isinstance(UnknownRound("x"), LookupError)
    assert PermissionDenied("请先登录。", "overview.view").action == "overview.view"


def test_an_unreadable_workbook_carries_its_issue_code():
    with pytest.raises(WorkbookUnreadable) as refused:
        Workbook(b"PK\x03\x04 not really a zip")
    assert refused.value.code == "file-unreadable" and refused.value.detail == refused.value.message


@pytest.mark.parametrize(
    ("error", "exit_code", "printed"),
    [
        (UsageError("找不到文件 a.xlsx"), 2, "用法错误：找不到文件 a.xlsx\n"),
        (BackupError("找不到备份文件 b.zip", usage=True), 2, "用法错误：找不到备份文件 b.zip\n"),
        (TemplateRequestError("单位代码“X”不存在。", usage=True), 2, "用法错误：单位代码“X”不存在。\n"),
        (WorkflowError(LOCKED), 1, f"错误：{LOCKED}\n"),
        (BackupError("备份文件已损坏。"), 1, "错误：备份文件已损坏。\n"),
        (PermissionDenied("无权审核。", "submission.review"), 1, "错误：无权审核。\n"),
        (UnknownRound("没有调度轮次“2024Q1”。"), 1, "错误：没有调度轮次“2024Q1”。\n"),
        (WarehouseBusy("数据仓库正忙。"), 1, "错误：数据仓库正忙。\n"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_a_portal_error_leaves_any_command_as_its_message_and_exit_code(
    portal_home, monkeypatch, capsys, error, exit_code, printed
):
    def failing(args):
        raise error

    monkeypatch.setattr(cli, "cmd_status", failing)
    assert cli.main(["status"]) == exit_code
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", printed)


def test_a_negative_lockout_stops_the_cli_with_a_chinese_message_not_a_traceback(
    portal_home, monkeypatch, capsys
):
    monkeypatch.setenv("PORTAL_LOCKOUT_MINUTES", "-1")
    assert cli.main(["status"]) == 1
    assert capsys.readouterr().err == (
        "错误：设置项 lockout_minutes 应为不小于 1 的整数，当前为 '-1'（来自环境变量 PORTAL_LOCKOUT_MINUTES）。\n"
    )
