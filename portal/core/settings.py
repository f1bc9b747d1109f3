"""Settings: one table of (name, default, help); values from PORTAL_HOME/settings.toml or PORTAL_<NAME>.

Everything the portal writes lives under PORTAL_HOME (default ./var): the warehouse, stored
uploads, exports and backups.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.core.errors import InvalidInput

# (name, default, help). The README's settings table is generated from this list.
SETTINGS: list[tuple[str, Any, str]] = [
    ("secret_key", "", "签名模板用的密钥;留空则首次运行时随机生成并保存在 PORTAL_HOME/secret.key"),
    ("today", "", "把“今天”固定为某日(YYYY-MM-DD),演示和测试用;留空用真实日期"),
    ("max_upload_mb", 10, "上传文件大小上限(MB)"),
    ("max_uncompressed_mb", 200, "xlsx 解压后总大小上限(MB),防压缩炸弹"),
    ("max_compression_ratio", 200, "xlsx 中单个部件的最大压缩比,防压缩炸弹"),
    ("due_days_after_quarter", 15, "截止日期规则:季度结束后第几天截止"),
    ("session_minutes", 120, "登录会话有效期(分钟)"),
    ("max_failed_logins", 5, "连续登录失败多少次后临时锁定"),
    ("lockout_minutes", 15, "登录锁定时长(分钟)"),
    ("lock_timeout_seconds", 30, "等待数据仓库写锁的最长时间(秒)"),
    ("ingest_chunk", 100, "批量导入时每个事务登记的工作簿数(锁在两批之间释放)"),
    ("office_name", "长江中游城市群科技创新工作领导小组办公室", "导出文件落款的发文机关"),
    ("office_contact", "领导小组办公室 0710-5550100", "模板填报说明中的联系方式"),
    ("evidence_max_mb", 20, "单个佐证材料大小上限(MB)"),
    ("port", 8501, "portal serve 的端口"),
]

_DEFAULTS = {name: default for name, default, _ in SETTINGS}


class SettingsError(InvalidInput):
    """A settings file or variable that cannot be used; the message names the setting and its source."""


def portal_home() -> Path:
    return Path(os.environ.get("PORTAL_HOME") or "var").resolve()


@dataclass(frozen=True)
class Settings:
    home: Path
    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in _DEFAULTS:
            return self.values.get(name, _DEFAULTS[name])
        raise AttributeError(name)

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
        if self.values.get("today"):
            return dt.date.fromisoformat(str(self.values["today"]))
        return dt.date.today()

    def now(self) -> dt.datetime:
        """Wall-clock time on the configured day, so timestamps agree with `today()`."""
        real = dt.datetime.now()
        return dt.datetime.combine(self.today(), real.time())

    def secret(self) -> bytes:
        if self.values.get("secret_key"):
            return str(self.values["secret_key"]).encode()
        key_file = self.home / "secret.key"
        if not key_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return key_file.read_text().strip().encode()


def _coerce(name: str, raw: Any) -> Any:
    default = _DEFAULTS[name]
    if isinstance(default, bool):
        return str(raw).lower() in ("1", "true", "yes")
    if isinstance(default, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"设置项 {name} 应为整数,当前为 {raw!r}") from None
    return str(raw)


def load_settings(home: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    """Defaults < PORTAL_HOME/settings.toml < PORTAL_<NAME> environment < keyword overrides."""
    root = Path(home).resolve() if home else portal_home()
    values: dict[str, Any] = {}
    toml_path = root / "settings.toml"
    if toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"设置文件 {toml_path} 格式错误:{exc}") from exc
        for key, raw in data.items():
            if key not in _DEFAULTS:
                raise SettingsError(f"设置文件 {toml_path} 中有未知设置项 {key}")
            values[key] = _coerce(key, raw)
    for name in _DEFAULTS:
        env = os.environ.get(f"PORTAL_{name.upper()}")
        if env not in (None, ""):
            values[name] = _coerce(name, env)
    for name, raw in overrides.items():
        if name not in _DEFAULTS:
            raise SettingsError(f"未知设置项 {name}")
        values[name] = _coerce(name, raw)
    if values.get("today"):
        try:
            dt.date.fromisoformat(str(values["today"]))
        except ValueError:
            raise SettingsError(
                f"设置项 today 应为 YYYY-MM-DD 格式的日期,当前为 {values['today']!r}"
            ) from None
    return Settings(home=root, values=values)
