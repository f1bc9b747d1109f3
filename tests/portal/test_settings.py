import datetime as dt
import stat
from dataclasses import fields

import pytest

from portal.core.settings import SETTINGS, Settings, SettingsError, _parse, _Spec, load_settings
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


POSITIVE = [
    "max_upload_mb",
    "max_uncompressed_mb",
    "max_compression_ratio",
    "due_days_after_quarter",
    "session_minutes",
    "max_failed_logins",
    "lockout_minutes",
    "lock_timeout_seconds",
    "ingest_chunk",
    "evidence_max_mb",
    "port",
]


@pytest.mark.parametrize("name", POSITIVE)
@pytest.mark.parametrize("value", [0, -1])
def test_a_zero_or_negative_limit_in_the_file_is_refused_naming_the_setting_and_the_file(
    portal_home, name, value
):
    (portal_home / "settings.toml").write_text(f"{name} = {value}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = refused.value.message
    assert f"设置项 {name} 应为" in message and "的整数" in message
    assert f"当前为 {value}" in message
    assert f"来自设置文件 {portal_home.resolve() / 'settings.toml'}" in message


def test_a_negative_lockout_from_the_environment_is_refused_naming_the_variable(portal_home, monkeypatch):
    monkeypatch.setenv("PORTAL_LOCKOUT_MINUTES", "-1")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert refused.value.message == (
        "设置项 lockout_minutes 应为不小于 1 的整数，当前为 '-1'（来自环境变量 PORTAL_LOCKOUT_MINUTES）。"
    )


@pytest.mark.parametrize(("port", "ok"), [(1, True), (65535, True), (65536, False), (0, False)])
def test_the_port_is_between_1_and_65535(portal_home, monkeypatch, port, ok):
    monkeypatch.setenv("PORTAL_PORT", str(port))
    if ok:
        assert load_settings().port == port
    else:
        with pytest.raises(SettingsError, match="应为 1 到 65535 之间的整数"):
            load_settings()


@pytest.mark.parametrize("raw", ["1.5", "7 MB", "", "true"])
def test_an_integer_setting_takes_only_whole_numbers(portal_home, raw):
    (portal_home / "settings.toml").write_text(f"max_upload_mb = {raw!r}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="应为整数"):
        load_settings()


@pytest.mark.parametrize("toml_value", ["1.5", "true"])
def test_a_toml_float_or_bool_for_an_integer_setting_is_refused(portal_home, toml_value):
    (portal_home / "settings.toml").write_text(f"ingest_chunk = {toml_value}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="设置项 ingest_chunk 应为整数"):
        load_settings()


def test_values_are_typed_whatever_their_source(portal_home, monkeypatch):
    (portal_home / "settings.toml").write_text("today = 2025-10-10\nport = 9000\n", encoding="utf-8")
    monkeypatch.setenv("PORTAL_SESSION_MINUTES", " 30 ")
    s = load_settings(max_upload_mb="7")
    assert (s.max_upload_mb, s.session_minutes, s.port) == (7, 30, 9000)
    assert s.fixed_today == s.today() == dt.date(2025, 10, 10)  # a TOML date is a date too


def test_a_bad_date_in_the_environment_names_the_variable(portal_home, monkeypatch):
    monkeypatch.setenv("PORTAL_TODAY", "2025-13-01")
    with pytest.raises(SettingsError, match="来自环境变量 PORTAL_TODAY"):
        load_settings()


def test_a_text_setting_given_a_number_is_refused(portal_home):
    (portal_home / "settings.toml").write_text("office_name = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="设置项 office_name 应为文字"):
        load_settings()


# No setting is a yes/no today; the parser for one is ready and strict.
_YES_NO = _Spec("flag", "flag", bool, False, "一个开关", None, None)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), (True, True),
     ("false", False), ("0", False), ("no", False), (" No ", False), (False, False)],
)  # fmt: skip
def test_a_yes_no_setting_reads_true_false_1_0_yes_no(raw, value):
    assert _parse(_YES_NO, raw, "环境变量 PORTAL_FLAG") is value


@pytest.mark.parametrize("raw", ["on", "y", "2", "", "真", 2])
def test_a_yes_no_setting_refuses_anything_else(raw):
    with pytest.raises(SettingsError, match="设置项 flag 应为 true 或 false"):
        _parse(_YES_NO, raw, "环境变量 PORTAL_FLAG")


def test_the_settings_table_has_every_setting_with_its_type_default_and_help(portal_home):
    s = load_settings()
    names = [name for name, _, _ in SETTINGS]
    assert len(names) == len(set(names)) == len(fields(Settings)) - 1  # every field but home
    for name, default, help_text in SETTINGS:
        assert help_text, name
        if name != "today":  # read through today()
            assert getattr(s, name) == default
        assert load_settings(**{name: default if default is not None else ""}) == s


def test_the_secret_key_stays_out_of_the_settings_repr(portal_home):
    assert "hush-hush" not in repr(load_settings(secret_key="hush-hush"))
