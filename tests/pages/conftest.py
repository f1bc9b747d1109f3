"""Pages are tested with AppTest on a private copy of the demo warehouse, one account per role."""

import pytest
from apptest_support import PEOPLE


@pytest.fixture
def site(demo_portal, make_account):
    """The demo portal with one account per role, known passwords, PORTAL_HOME pointing at it."""
    for username, (role, unit) in PEOPLE.items():
        make_account(demo_portal, username, role, unit)
    return demo_portal
