#!/usr/bin/env bash
# Creates .venv with Python 3.11+ and installs the project (and, with "test", the test tools).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    found=$("$PY" --version 2>&1) || found="$PY 无法运行"
    echo "需要 Python 3.11 或更高版本（当前：$found）" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
stamp=".venv/.installed${extra}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
    touch "$stamp"
fi
if [ "${1:-}" = "test" ]; then
    # Test tools kept out of the venv's own packages (pyproject.toml [tool.kjcx-portal]): frictionless.
    tools=$(.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["kjcx-portal"]["isolated-test-tools"])')
    stamp=".venv/.installed-isolated"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        for tool in $tools; do
            dir=".venv/isolated/${tool%%[=<>!~]*}"
            rm -rf "$dir"
            .venv/bin/python -m pip install --quiet --disable-pip-version-check --target "$dir" "$tool"
        done
        touch "$stamp"
    fi
fi
