"""AppTest helpers: drive the real app (portal/ui/app.py) as a person would, find widgets by key."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from schemas.enums import Role

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "portal" / "ui" / "app.py"
UNIT = "JZKF-CXCY"

# username: (role, unit); each signs in with password f"pw-{username}-123" (see conftest.make_account).
PEOPLE = {
    "rep1": (Role.UNIT_REPORTER, UNIT),
    # another unit than rep1's: a unit with an active sign-off account holds rep1's uploads for it
    "lead1": (Role.UNIT_LEADER, "JZKF-YQB"),
    "office1": (Role.OFFICE_REVIEWER, None),
    "eval1": (Role.EVALUATOR, None),
    "boss": (Role.ADMIN, None),
}
BY_ROLE = {role: name for name, (role, _) in PEOPLE.items()}


def open_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60).run()


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password or f"pw-{username}-123")
    return at.button(key="login_submit").click().run()


def signed_in(username: str) -> AppTest:
    at = sign_in(open_app(), username)
    assert not at.exception, at.exception
    assert "portal_session" in at.session_state, [e.value for e in at.error]
    return at


def page(at: AppTest, file: str) -> AppTest:
    """Go to a page by its file under pages/ (paths are relative to portal/ui/app.py)."""
    return at.switch_page(f"../../pages/{file}").run()


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def audit(portal, action: str) -> list[tuple]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()
