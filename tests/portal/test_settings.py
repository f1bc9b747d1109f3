import datetime as dt
import stat

import pytest

from portal.core.settings import SettingsError, load_settings
from portal.registry.rounds import demo_rounds, due_date
from schemas.quarters import Quarter


def test_defaults_put_everything_under_portal_home(portal_home):
    s = load_settings()
    assert s.home == portal_home.resolve()
    assert s.warehouse_path.parent == s.uploads_dir.parent == s.exports_dir.parent == s.home
    assert s.max_upload_mb == 10


def test_settings_file_then_environment_then_arguments_override(portal_home, monkeypatch):
    (portal_home / "settings.toml").write_text('max_upload_mb = 5\ntoday = "2025-10-10"\n', encoding="utf-8")
    assert load_settings().max_upload_mb == 5
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "7")
    assert load_settings().max_upload_mb == 7
    assert load_settings(max_upload_mb=9).max_upload_mb == 9
    assert load_settings().today() == dt.date(2025, 10, 10)


def test_the_clock_setting_drives_every_date(portal_home, monkeypatch):
    monkeypatch.setenv("PORTAL_TODAY", "2025-10-10")
    s = load_settings()
    assert s.today() == dt.date(2025, 10, 10)
    assert s.now().date() == dt.date(2025, 10, 10)
    assert str(Quarter.reported_on(s.today())) == "2025Q3"
    rounds = demo_rounds(s)
    assert rounds[-1] == {"code": "2025Q3", "due_date": dt.date(2025, 10, 15), "state": "open"}
    assert {r["state"] for r in rounds[:-1]} == {"closed"}


def test_without_a_clock_setting_the_real_date_is_used(portal_home):
    assert load_settings().today() == dt.date.today()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("max_upload_mb = 'ten'\n", "应为整数"),
        ("no_such_setting = 1\n", "未知设置项"),
        ("today = '10/10/2025'\n", "YYYY-MM-DD"),
        ("this is not toml", "格式错误"),
    ],
)
def test_bad_settings_files_get_a_chinese_message(portal_home, content, fragment):
    (portal_home / "settings.toml").write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=fragment):
        load_settings()


def test_the_secret_is_generated_once_outside_the_repo_and_private(portal_home):
    s = load_settings()
    first = s.secret()
    assert len(first) == 64 and load_settings().secret() == first
    mode = (portal_home / "secret.key").stat().st_mode
    assert not mode & (stat.S_IRGRP | stat.S_IROTH)


def test_a_rounds_due_date_follows_the_settings_rule(portal_home):
    s = load_settings()
    assert due_date("2025Q3", s) == dt.date(2025, 10, 15)
