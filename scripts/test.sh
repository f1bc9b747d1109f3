#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite (lint and import layering first).
# Arguments go to pytest: `bash scripts/test.sh -m "not slow"` is the quick run (README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/lint-imports  # the import layering (pyproject.toml [tool.importlinter], docs/architecture.md)
exec .venv/bin/python -m pytest "$@"
