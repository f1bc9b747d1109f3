#!/usr/bin/env bash
# Builds the offline install bundle (docs/deploy.md): the project's wheel and every runtime dependency
# as wheels pinned by SHA-256, install.sh and bundle.json. Usage: bash scripts/bundle.sh [-o DIR] [--tar]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    bash scripts/setup.sh  # the pins are the versions installed in .venv (what the tests ran on)
fi
exec .venv/bin/python scripts/bundle.py "$@"
