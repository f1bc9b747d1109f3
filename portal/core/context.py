"""What every service gets: the settings and the warehouse they point at."""

from __future__ import annotations

import os
from dataclasses import dataclass

from portal.core.settings import Settings, load_settings
from warehouse import audit
from warehouse.db import Warehouse


@dataclass(frozen=True)
class Portal:
    settings: Settings
    warehouse: Warehouse

    @classmethod
    def open(cls, home: str | os.PathLike | None = None, **overrides) -> Portal:
        settings = load_settings(home, **overrides)
        warehouse = Warehouse(
            settings.warehouse_path,
            lock_timeout=settings.lock_timeout_seconds,
            backups_dir=settings.backups_dir,
        )
        return cls(settings, warehouse)

    def audit(
        self, con, actor: str, action: str, target: str | None = None, detail: str | None = None
    ) -> None:
        """One line in the audit log, written on the caller's connection (inside its transaction)."""
        audit.write(con, self.settings.now(), actor, action, target, detail)
