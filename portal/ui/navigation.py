"""The app shell as data: which pages exist, which a role gets, and what the sidebar says.

portal/ui/app.py turns `pages_for_account(...)` into one `st.navigation`; tests call these functions
without Streamlit. Only pages that exist are listed: a page is added here when its file lands.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.permissions import Grant, grant
from portal.core.readcache import cached_read
from schemas.enums import Role
from warehouse import lookups, rounds
from warehouse.rounds import RoundInfo


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to the `pages` package (installed with the wheel)
    title: str
    icon: str
    actions: tuple[str, ...]  # the page is listed for a role that may do at least one of these
    url_path: str


LOGIN = PageSpec("login.py", L.PAGE_LOGIN, ":material/login:", (), "login")
ACCOUNT = PageSpec("account.py", L.PAGE_ACCOUNT, ":material/key:", ("account.change_password",), "account")

# In menu order; the first page a role gets is its landing page.
PAGES: list[PageSpec] = [
    PageSpec("home.py", L.PAGE_HOME, ":material/home:", ("overview.view",), "home"),
    PageSpec("report.py", L.PAGE_REPORT, ":material/upload_file:", ("upload.submit",), "report"),
    PageSpec("signoff.py", L.PAGE_SIGNOFF, ":material/approval:", ("submission.sign_off",), "signoff"),
    PageSpec("review.py", L.PAGE_REVIEW, ":material/fact_check:", ("submission.review",), "review"),
    PageSpec("problems.py", L.PAGE_PROBLEMS, ":material/assignment_late:", ("problem.view",), "problems"),
    PageSpec("completion.py", L.PAGE_COMPLETION, ":material/checklist:", ("completion.view",), "completion"),
    PageSpec("monitoring.py", L.PAGE_MONITORING, ":material/monitoring:", ("kpi.view",), "monitoring"),
    PageSpec("rollup.py", L.PAGE_ROLLUP, ":material/account_tree:", ("rollup.view",), "rollup"),
    PageSpec("outbox.py", L.PAGE_OUTBOX, ":material/outgoing_mail:", ("outbox.view",), "outbox"),
    PageSpec(
        "assessment.py",
        L.PAGE_ASSESSMENT,
        ":material/military_tech:",
        ("assessment.view", "assessment.publicity"),  # units: their own result during 公示
        "assessment",
    ),
    PageSpec(
        "selfscore.py",
        L.PAGE_SELF_SCORE,
        ":material/rate_review:",
        ("assessment.self_score",),
        "selfscore",
    ),
    PageSpec(
        "admin.py",
        L.PAGE_ADMIN,
        ":material/admin_panel_settings:",
        ("account.manage", "round.manage", "registry.import"),
        "admin",
    ),
    ACCOUNT,
]


def pages_for(role: Role | str) -> list[PageSpec]:
    role = Role(role)
    return [p for p in PAGES if any(grant(role, a) is not Grant.NO for a in p.actions)]


def pages_for_account(account) -> list[PageSpec]:
    """Signed out: the sign-in page; with a one-time password: only 我的账号 until it is changed."""
    if account is None:
        return [LOGIN]
    if account.must_change_password:
        return [ACCOUNT]
    return pages_for(account.role)


# A page name worth answering with our own page: a page address ours could be (not a path, not a file).
_PAGE_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


def other_addresses(specs: list[PageSpec], asked: str | None) -> list[str]:
    """Addresses to register besides `specs` (hidden), so no address the browser may ask for
    meets Streamlit's English "Page not found": every page of the app (signed out it shows the
    sign-in form at that address, and after sign-in the same address is the page itself), and
    an unknown name that was asked for (answered in Chinese)."""
    own = {s.url_path for s in specs}
    known = [p.url_path for p in PAGES]
    extra = [path for path in known if path not in own]
    # The sign-in page's own address only when it is asked for by name (a typed /login): the run
    # after signing in asks for it by its hash, and finding nothing there falls back, silently and
    # without another run, to the landing page.
    if asked and asked not in own and asked not in known and _PAGE_NAME.match(asked):
        extra.append(asked)
    return extra


def page_modules(pages_dir: Path) -> list[str]:
    """What the page scripts import (read from their source, never run), for warming: each
    module, and each `from package import name` as `package.name` (a submodule, or nothing)."""
    found: dict[str, None] = {}
    for file in sorted(pages_dir.glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found[node.module] = None
                found.update(dict.fromkeys(f"{node.module}.{alias.name}" for alias in node.names))
            elif isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
    return list(found)


def page_titled(url_path: str) -> PageSpec | None:
    """The page at `url_path` whoever may open it; None for an address the app does not have."""
    return next((p for p in (LOGIN, *PAGES) if p.url_path == url_path), None)


@dataclass(frozen=True)
class SidebarInfo:
    display_name: str
    role_label: str
    unit: str | None
    unit_name: str | None
    today: dt.date
    round: RoundInfo | None


@cached_read
def sidebar_info(portal: Portal, account) -> SidebarInfo:
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        name = lookups.unit_name(con, account.unit)
        rnd = rounds.current(con, today)
    return SidebarInfo(
        display_name=account.display_name,
        role_label=Role(account.role).label,
        unit=account.unit,
        unit_name=name,
        today=today,
        round=rnd,
    )
