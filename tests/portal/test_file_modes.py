"""Everything the portal creates is readable by the account running it only (0600 files, 0700 folders)."""

import os
import stat

from portal.core import filestore
from tests.conftest import run_cli


def _modes(root):
    for path in [root, *sorted(root.rglob("*"))]:
        yield path, stat.S_IMODE(os.stat(path).st_mode)


def test_the_cli_creates_the_warehouse_and_its_folders_private(tmp_path):
    home = tmp_path / "home"  # created by the portal itself
    done = run_cli("init", home=home)
    assert done.returncode == 0, done.stderr.decode()
    modes = dict(_modes(home))
    assert any(p.suffix == ".duckdb" for p in modes), modes
    assert {str(p): m for p, m in modes.items() if m & 0o077} == {}
    assert all(m == 0o700 for p, m in modes.items() if p.is_dir())


def test_stored_uploads_are_private_under_the_portal_umask(tmp_path):
    old = os.umask(0o022)  # a typical login shell's umask, world-readable by default
    try:
        filestore.keep_files_private()
        digest, path = filestore.store(tmp_path / "uploads", b"workbook bytes")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
