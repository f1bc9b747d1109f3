"""系统管理 page: accounts (admin), rounds and the registry (office and admin), all audited."""

import datetime as dt
import io
import shutil

from apptest_support import audit, open_app, page, sign_in, signed_in, texts
from openpyxl import load_workbook

from portal.core import labels as L
from portal.core.context import Portal
from portal.ops.backup import create_backup
from portal.registry.workbook import export_registry_xlsx
from schemas.enums import Role
from tests.actors import ADMIN
from tests.conftest import account_in


def admin_page(username: str):
    at = page(signed_in(username), "admin.py")
    assert not at.exception, at.exception
    return at


def test_admin_gets_the_accounts_rounds_and_registry_tabs(site):
    at = admin_page("boss")
    assert [t.label for t in at.tabs] == [
        L.TAB_ACCOUNTS,
        L.TAB_ROUNDS,
        L.TAB_REGISTRY,
        L.TAB_UNITS,
        L.TAB_BACKUP,
        L.TAB_AUDIT,
    ]
    accounts = at.dataframe[0].value
    assert {"boss", "rep1", "office1"} <= set(accounts["用户名"])
    assert at.download_button(key="admin_registry_xlsx").label == L.REGISTRY_EXPORT_XLSX
    assert at.download_button(key="admin_registry_json").label == L.REGISTRY_EXPORT_JSON


def test_the_office_manages_rounds_and_the_registry_but_not_accounts(site):
    at = admin_page("office1")
    assert [t.label for t in at.tabs] == [L.TAB_ROUNDS, L.TAB_REGISTRY, L.TAB_UNITS]
    assert "admin_new_username" not in [w.key for w in at.text_input]
    assert not any(b.key == "admin_reset" for b in at.button)


def test_admin_creates_an_account_who_must_then_change_the_one_time_password(site):
    at = admin_page("boss")
    at.text_input(key="admin_new_username").input("jfj")
    at.text_input(key="admin_new_display").input("经发局填报员")
    at.selectbox(key="admin_new_role").set_value(Role.UNIT_REPORTER)
    at.selectbox(key="admin_new_unit").set_value("JZKF-JFJ")
    at = at.button(key="admin_new_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["已创建账号 jfj（单位填报员）。初始密码只显示这一次，首次登录后须修改。"]
    one_time = at.code[0].value
    assert "jfj" in set(at.dataframe[0].value["用户名"])
    assert audit(site, "account.create")[-1] == ("boss", "jfj", "role=unit_reporter unit=JZKF-JFJ")

    newcomer = sign_in(open_app(), "jfj", one_time)
    assert texts(newcomer.title) == [L.ACCOUNT_HEADING]
    assert texts(newcomer.warning) == [L.MUST_CHANGE]


def test_a_refused_account_shows_why(site):
    at = admin_page("boss")
    at.text_input(key="admin_new_username").input("rep9")
    at.text_input(key="admin_new_display").input("某填报员")
    at.selectbox(key="admin_new_role").set_value(Role.UNIT_REPORTER)
    at = at.button(key="admin_new_submit").click().run()
    assert texts(at.error) == ["单位填报员账号必须绑定一个单位。"]
    assert not at.code


def test_the_account_table_shows_each_scope_in_chinese(site):
    accounts = admin_page("boss").dataframe[0].value
    scopes = dict(zip(accounts["用户名"], accounts["范围"], strict=True))
    assert scopes["boss"] == "全平台"
    assert scopes["rep1"] == "创新创业服务中心"
    assert scopes["office_jzkf"] == "荆州经开区创新创业服务中心"
    assert scopes["office_xsss"] == "襄十随神城市群科技创新协同发展领导小组办公室"


def test_admin_creates_an_office_account_for_offices_picked_by_name(site):
    at = admin_page("boss")
    offices = at.multiselect(key="admin_new_offices")
    assert offices.format_func("JZKF").strip() == "荆州经开区创新创业服务中心"
    at.text_input(key="admin_new_username").input("rev_sz")
    at.text_input(key="admin_new_display").input("随州市办公室")
    at.selectbox(key="admin_new_role").set_value(Role.OFFICE_REVIEWER)
    offices.set_value(["SZ", "SNJ"])
    at = at.button(key="admin_new_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [
        "已创建账号 rev_sz（办公室审核员）。初始密码只显示这一次，首次登录后须修改。"
    ]
    assert audit(site, "account.create")[-1] == ("boss", "rev_sz", "role=office_reviewer unit= scope=SZ,SNJ")
    accounts = at.dataframe[0].value
    scopes = dict(zip(accounts["用户名"], accounts["范围"], strict=True))
    assert scopes["rev_sz"] == "随州市科技创新领导小组办公室、神农架林区科技创新领导小组办公室"


def test_an_office_account_without_offices_or_platform_is_refused(site):
    at = admin_page("boss")
    at.text_input(key="admin_new_username").input("ev9")
    at.text_input(key="admin_new_display").input("某考核组")
    at.selectbox(key="admin_new_role").set_value(Role.EVALUATOR)
    at = at.button(key="admin_new_submit").click().run()
    assert texts(at.error) == ["考核评价员账号须指定工作范围：选择一个或几个办公室，或选择全平台。"]
    assert not at.code


def test_admin_changes_an_accounts_scope_to_the_platform(site):
    at = admin_page("boss")
    at.selectbox(key="admin_account_pick").set_value("office_yy")
    at.checkbox(key="admin_scope_platform").check()
    at = at.button(key="admin_scope_submit").click().run()
    assert texts(at.success) == ["账号 office_yy 的范围已改为：全平台。"]
    assert audit(site, "account.scope") == [("boss", "office_yy", "scope=YY → 全平台")]


def test_a_subtree_admin_sees_and_grants_only_its_subtree(site):
    account_in(site, "admin_jz", Role.ADMIN, offices=["JZ"])
    at = admin_page("admin_jz")
    accounts = at.dataframe[0].value
    assert set(accounts["用户名"]) == {
        "admin_jz",
        "rep1",
        "lead1",  # the pages' sign-off account, of JZKF-YQB
        "reporter",
        "reporter_jzkf_scjgj",
        "leader_jzkf_scjgj",
        "office_jzkf",
        "eval_jzkf",
    }
    assert at.multiselect(key="admin_new_offices").options == [
        "荆州市科技创新领导小组办公室",
        "　荆州经开区创新创业服务中心",
    ]
    assert set(at.selectbox(key="admin_new_unit").options) > {"JZKF-CXCY 创新创业服务中心"}
    assert not any(o.startswith("YY-") for o in at.selectbox(key="admin_new_unit").options)


def test_admin_deactivates_an_account_and_resets_a_password(site):
    at = admin_page("boss")
    at.selectbox(key="admin_account_pick").set_value("rep1")
    at = at.button(key="admin_deactivate").click().run()
    assert texts(at.success) == ["账号 rep1 已停用。"]
    at.selectbox(key="admin_account_pick").set_value("rep1")
    at = at.button(key="admin_reset").click().run()
    assert texts(at.success) == ["已重置账号 rep1 的密码。新密码只显示这一次，首次登录后须修改。"]
    assert len(at.code[0].value) == 19
    assert audit(site, "account.deactivate") == [("boss", "rep1", None)]
    assert audit(site, "account.reset_password") == [("boss", "rep1", None)]


def test_admin_closes_the_open_round_and_the_change_is_audited(site):
    at = admin_page("boss")
    assert at.selectbox(key="admin_round_pick").value == "2025Q3"
    assert at.button(key="admin_round_lock").disabled  # an open round is closed before it is locked
    at = at.button(key="admin_round_close").click().run()
    assert texts(at.success) == ["轮次 2025Q3 已由“填报中”改为“已截止”。"]
    rounds = at.dataframe[1].value
    assert rounds.iloc[0].to_dict()["状态"] == "已截止"
    assert not at.button(key="admin_round_lock").disabled
    assert audit(site, "round.state") == [("boss", "2025Q3", "open→closed")]


def test_the_office_moves_a_due_date_and_creates_the_next_round(site):
    at = admin_page("office1")
    at.date_input(key="admin_round_due_2025Q3").set_value(dt.date(2025, 10, 20))
    at = at.button(key="admin_round_due_submit").click().run()
    assert texts(at.success) == ["轮次 2025Q3 的截止日期已由 2025-10-15 改为 2025-10-20。"]
    assert at.text_input(key="admin_round_new_code").value == "2025Q4"
    at = at.button(key="admin_round_create").click().run()
    assert texts(at.success) == ["已新建轮次 2025Q4，状态“填报中”，截止日期 2026-01-15。"]
    assert [r[0] for r in audit(site, "round.due_date") + audit(site, "round.create")] == [
        "office1",
        "office1",
    ]


def test_a_broken_registry_upload_shows_the_report_by_sheet_and_cell(site):
    book = load_workbook(io.BytesIO(export_registry_xlsx(site, ADMIN)))
    book["指标"]["A2"].value = None
    buf = io.BytesIO()
    book.save(buf)
    at = admin_page("office1")
    at.file_uploader(key="admin_registry_file").upload(
        "任务分解表.xlsx", buf.getvalue(), "application/octet-stream"
    )
    at = at.run()
    at = at.button(key="admin_registry_import").click().run()
    assert not at.exception, at.exception
    assert texts(at.error) == [L.REGISTRY_NOT_LOADED]
    registry = next(t for t in at.tabs if t.label == L.TAB_REGISTRY)
    report = registry.dataframe[-1].value
    assert list(report.columns) == ["级别", "工作表", "单元格", "列", "填写内容", "问题", "修改建议"]
    first = report.iloc[0].to_dict()
    assert (first["工作表"], first["单元格"], first["级别"]) == ("指标", "A2", "错误")
    assert [r[0] for r in audit(site, "registry.import")] == ["system"]  # nothing imported


def test_a_good_registry_upload_replaces_the_registry(site):
    at = admin_page("boss")
    at.file_uploader(key="admin_registry_file").upload(
        "任务分解表.xlsx", export_registry_xlsx(site, ADMIN), "application/octet-stream"
    )
    at = at.run()
    at = at.button(key="admin_registry_import").click().run()
    assert texts(at.success)[0].startswith(L.REGISTRY_LOADED)
    assert audit(site, "registry.import")[-1][0] == "boss"


def test_admin_makes_a_backup_and_gets_a_download_button_for_it(site):
    at = admin_page("boss")
    at.button(key="admin_backup_create").click().run()
    assert not at.exception, at.exception
    assert any(L.BACKUP_CREATED in s for s in texts(at.success))
    assert at.download_button(key="admin_backup_download_0").label == L.BACKUP_DOWNLOAD
    assert [actor for actor, _, _ in audit(site, "backup.create")] == ["boss"]


def test_a_backup_is_listed_with_the_size_of_its_zip_not_of_its_content(site):
    at = admin_page("boss")
    at.button(key="admin_backup_create").click().run()
    (made,) = (site.settings.backups_dir).glob("*.zip")
    size = L.size_text(made.stat().st_size)
    assert texts(at.success) == [f"{L.BACKUP_CREATED} {made.name}（{size}）"]
    assert any(f"·  {size}  ·" in m for m in texts(at.markdown))
    assert at.file_uploader(key="admin_backup_file").proto.max_upload_size_mb == site.settings.restore_max_mb


def test_admin_unlocks_an_account_locked_by_failed_sign_ins(site):
    from portal.accounts.auth import sign_in as sign_in_directly

    for _ in range(site.settings.max_failed_logins):
        sign_in_directly(site, "rep1", "wrong-guess")
    assert sign_in_directly(site, "rep1", "pw-rep1-123").reason == "locked"
    at = admin_page("boss")
    at.selectbox(key="admin_account_pick").set_value("rep1")
    at = at.button(key="admin_unlock").click().run()
    assert texts(at.success) == ["账号 rep1 已解除锁定，可以重新登录。"]
    assert sign_in_directly(site, "rep1", "pw-rep1-123").ok
    assert [row[:2] for row in audit(site, "account.unlock")] == [("boss", "rep1")]


def test_a_backup_from_another_deployment_restores_only_with_the_foreign_box_ticked(site, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(site.settings.home, other)
    settings = other / "settings.toml"
    kept = [line for line in settings.read_text().splitlines() if "secret_key" not in line]
    settings.write_text("\n".join([*kept, 'secret_key = "another-deployment"', ""]))
    made = create_backup(Portal.open(other))
    at = admin_page("boss")
    at.file_uploader(key="admin_backup_file").upload(
        made.path.name, made.path.read_bytes(), "application/zip"
    )
    at = at.run()
    at.checkbox(key="admin_backup_force").check()
    at = at.button(key="admin_backup_restore").click().run()

    [refused] = texts(at.error)
    assert "另一套部署" in refused and L.BACKUP_RESTORE_FOREIGN in refused
    assert not at.warning
    at = at.checkbox(key="admin_backup_foreign").check().run()
    assert texts(at.warning) == [L.BACKUP_RESTORE_FOREIGN_WARNING]
    at = at.button(key="admin_backup_restore").click().run()

    assert not at.exception, at.exception
    assert any("已从备份恢复" in s and "另一套部署" in s for s in texts(at.success)), texts(at.error)
    assert audit(site, "backup.restore")[-1][0] == "boss"
