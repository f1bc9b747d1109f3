"""Pages are tested with AppTest on a private copy of the demo warehouse, one account per role."""

import pytest
from apptest_support import PEOPLE
from board_support import copy_reported, reported_home

from tests.conftest import _built_once


@pytest.fixture
def site(demo_portal, make_account):
    """The demo portal with one account per role, known passwords, PORTAL_HOME pointing at it."""
    for username, (role, unit) in PEOPLE.items():
        make_account(demo_portal, username, role, unit)
    return demo_portal


@pytest.fixture(scope="session")
def _reported(_demo_home, tmp_path_factory):
    """The demo with board_support's two reports, built once per test run (shared by the xdist
    workers like the demo itself); every test gets a private copy (reported_site)."""
    return _built_once(tmp_path_factory, "reported-demo-home", lambda home: reported_home(_demo_home, home))


@pytest.fixture
def reported_site(_reported, portal_home, make_account):
    """The demo portal as `site`, with the two real reports of board_support in its warehouse
    (built once per test run); the board pages' modules use it as their `site`."""
    return copy_reported(_reported, portal_home, make_account, PEOPLE)
