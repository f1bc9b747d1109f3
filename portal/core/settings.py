"""Settings: one typed, validated field per setting; values from PORTAL_HOME/settings.toml or PORTAL_<NAME>.

Everything the portal writes lives under PORTAL_HOME (default ./var): the warehouse, stored
uploads, exports and backups. Each setting's help text is field metadata; `SETTINGS`, the
(name, default, help) table that docs are generated from, is read off the fields.

Every value is checked where it is read, and a bad one is a `SettingsError` naming the setting
and where it came from (the file or the environment variable): a lockout of -1 minutes or a lock
wait of 0 seconds is refused, not silently a disabled lockout or a warehouse that is always busy.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import tomllib
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from portal.core.errors import InvalidInput
from portal.core.toml_text import toml_error_text


class SettingsError(InvalidInput):
    """A settings file or variable that cannot be used; the message names the setting and its source."""


def _setting(
    default: Any, doc: str, *, name: str = "", low: int | None = None, high: int | None = None, secret=False
):
    """A setting's field: `doc`, its help text for the docs; `name` when the setting's name is not
    the field's; `low`/`high` bound an integer (inclusive); a `secret` stays out of the repr (logs)."""
    metadata = {"help": doc, "name": name, "low": low, "high": high}
    return field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    home: Path
    secret_key: str = _setting(
        "", "签名模板用的密钥；留空则首次运行时随机生成并保存在 PORTAL_HOME/secret.key", secret=True
    )
    # The setting is called `today`; the field is not, because `today()` is the method every
    # computation asks for the date.
    fixed_today: dt.date | None = _setting(
        None, "把“今天”固定为某日（YYYY-MM-DD），演示和测试用；留空用真实日期", name="today"
    )
    max_upload_mb: int = _setting(10, "上传文件大小上限（MB）", low=1)
    max_uncompressed_mb: int = _setting(200, "xlsx 解压后总大小上限（MB），防压缩炸弹", low=1)
    max_compression_ratio: int = _setting(200, "xlsx 中单个部件的最大压缩比，防压缩炸弹", low=1)
    # At least a day after the quarter's end (a round refuses a due date on or before it) and
    # before the next quarter's reports are due.
    due_days_after_quarter: int = _setting(15, "截止日期规则：季度结束后第几天截止", low=1, high=90)
    session_minutes: int = _setting(120, "登录会话有效期（分钟）", low=1)
    # One working day: however busy, a session then asks for the password again.
    session_max_hours: int = _setting(
        12, "登录会话的最长有效期（小时）：即使一直在使用，到期也须重新登录", low=1, high=24 * 30
    )
    # Browsers send a Secure cookie only over HTTPS: turn it on when the portal is served behind
    # an HTTPS reverse proxy, never for plain http://127.0.0.1 (the cookie would never come back).
    session_cookie_secure: bool = _setting(
        False, "登录 Cookie 加 Secure 标记（仅经 HTTPS 访问时打开；直接用 http 访问时须保持关闭）"
    )
    max_failed_logins: int = _setting(5, "连续登录失败多少次后临时锁定", low=1)
    lockout_minutes: int = _setting(15, "登录锁定时长（分钟）", low=1)
    lock_timeout_seconds: int = _setting(30, "等待数据仓库写锁的最长时间（秒）", low=1)
    ingest_chunk: int = _setting(100, "批量导入时每个事务登记的工作簿数（锁在两批之间释放）", low=1)
    office_name: str = _setting("长江中游城市群科技创新工作领导小组办公室", "导出文件落款的发文机关")
    office_contact: str = _setting("领导小组办公室 0710-5550100", "模板填报说明中的联系方式")
    evidence_max_mb: int = _setting(20, "单个佐证材料大小上限（MB）", low=1)
    # A backup holds every upload and evidence file, so it outgrows both limits above; the page
    # holds an upload in memory, so a larger backup is restored with `portal restore` instead.
    restore_max_mb: int = _setting(
        500, "网页上传备份文件恢复时的大小上限（MB）；更大的备份用 portal restore 命令恢复", low=1
    )
    # A quarter: a later date would fall after the next round is due, and a typo such as 2035 for
    # 2025 would move the unit's lateness and deductions for years (issue 20).
    extension_max_days: int = _setting(
        90, "延期上限：延期后的截止日期最多比轮次原截止日期晚多少天", low=1, high=366
    )
    # A unit retrying a broken file must not fill the disk: only its newest few rejected originals stay.
    rejected_kept: int = _setting(
        3, "每个单位每个轮次保留最近几份未通过校验的上传原件（更早的原件删除，报送记录和问题清单保留）", low=1
    )
    port: int = _setting(8501, "portal serve 的端口", low=1, high=65535)
    # Notifications (portal outbox send). No smtp_host: email is not sent, webhooks still are.
    smtp_host: str = _setting("", "发送通知邮件的 SMTP 服务器；留空则不发邮件（邮件留在待发送中）")
    smtp_port: int = _setting(25, "SMTP 服务器端口（常见 25、587）", low=1, high=65535)
    smtp_user: str = _setting("", "SMTP 登录用户名；留空则不登录")
    smtp_password: str = _setting("", "SMTP 登录密码", secret=True)
    smtp_from: str = _setting("portal@example.org", "通知邮件的发件人地址")
    smtp_starttls: bool = _setting(False, "连接 SMTP 服务器后先用 STARTTLS 加密")
    portal_url: str = _setting("http://localhost:8501", "通知中附上的平台网址")
    # Three days: the 催报名单 flags a unit this long before its due date too (issue 6).
    remind_days: int = _setting(3, "截止前几天发送催报提醒", low=0, high=60)
    # 0: `portal outbox send` from cron delivers; N: `portal serve` delivers every N seconds itself.
    outbox_send_seconds: int = _setting(
        0,
        "portal serve 在后台发送待发通知的间隔（秒）；0 为不在后台发送（用定时任务运行 portal outbox send）",
        low=0,
    )

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"

    def today(self) -> dt.date:
        """The date every computation uses: the `today` setting, or the real date."""
        return self.fixed_today or dt.date.today()

    def now(self) -> dt.datetime:
        """Wall-clock time on the configured day, so timestamps agree with `today()`."""
        real = dt.datetime.now()
        return dt.datetime.combine(self.today(), real.time())

    def secret(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        key_file = self.home / "secret.key"
        if not key_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return key_file.read_text().strip().encode()


@dataclass(frozen=True)
class _Spec:
    name: str  # as written in settings.toml, PORTAL_<NAME> and load_settings(**overrides)
    attr: str  # the field of Settings
    kind: type  # int, bool, str or dt.date
    default: Any
    help: str
    low: int | None
    high: int | None


def _specs() -> dict[str, _Spec]:
    hints = typing.get_type_hints(Settings)
    out = {}
    for f in fields(Settings):
        if "help" not in f.metadata:
            continue
        kind = next(
            t for t in (bool, int, str, dt.date) if t in (hints[f.name], *typing.get_args(hints[f.name]))
        )
        name = f.metadata["name"] or f.name
        out[name] = _Spec(
            name, f.name, kind, f.default, f.metadata["help"], f.metadata["low"], f.metadata["high"]
        )
    return out


_SPECS = _specs()

# (name, default, help). The docs' settings table is generated from this list.
SETTINGS: list[tuple[str, Any, str]] = [(s.name, s.default, s.help) for s in _SPECS.values()]

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
_INTEGER = re.compile(r"[+-]?\d+")


def _parse(spec: _Spec, raw: Any, source: str) -> Any:
    """`raw` (from TOML, an environment variable or an argument) as the setting's type, checked."""

    def refuse(expected: str) -> SettingsError:
        return SettingsError(f"设置项 {spec.name} 应为{expected}，当前为 {raw!r}（来自{source}）。")

    if spec.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str | int) else None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise refuse(" true 或 false（也可写 1/0、yes/no）")
    if spec.kind is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
            value = int(raw.strip())
        else:
            raise refuse("整数")
        if spec.high is not None and not spec.low <= value <= spec.high:
            raise refuse(f" {spec.low} 到 {spec.high} 之间的整数")
        if spec.low is not None and value < spec.low:
            raise refuse(f"不小于 {spec.low} 的整数")
        return value
    if spec.kind is dt.date:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            if not raw.strip():
                return None
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        raise refuse(" YYYY-MM-DD 格式的日期（如 2025-10-10），或留空")
    if not isinstance(raw, str):
        raise refuse("文字（在设置文件中加引号）")
    return raw


def portal_home() -> Path:
    return Path(os.environ.get("PORTAL_HOME") or "var").resolve()


def load_settings(home: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    """Defaults < PORTAL_HOME/settings.toml < PORTAL_<NAME> environment < keyword overrides."""
    root = Path(home).resolve() if home else portal_home()
    values: dict[str, Any] = {}
    toml_path = root / "settings.toml"
    if toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                f"设置文件 {toml_path} 格式错误：{toml_error_text(exc)}。请按 TOML 格式改正后重试。"
            ) from exc
        for key, raw in data.items():
            if key not in _SPECS:
                known = "、".join(_SPECS)
                raise SettingsError(f"设置文件 {toml_path} 中有未知设置项 {key}。可用的设置项：{known}。")
            values[_SPECS[key].attr] = _parse(_SPECS[key], raw, f"设置文件 {toml_path}")
    for name, spec in _SPECS.items():
        variable = f"PORTAL_{name.upper()}"
        env = os.environ.get(variable)
        if env not in (None, ""):
            values[spec.attr] = _parse(spec, env, f"环境变量 {variable}")
    for name, raw in overrides.items():
        if name not in _SPECS:
            raise SettingsError(f"未知设置项 {name}。")
        values[_SPECS[name].attr] = _parse(_SPECS[name], raw, "调用参数")
    return Settings(home=root, **values)
