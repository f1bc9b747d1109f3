#!/usr/bin/env bash
# Quick start 1: set up, build the demo warehouse (first run only) and launch the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PORTAL_HOME=${PORTAL_HOME:-$PWD/var/demo}
if [ ! -f "$PORTAL_HOME/warehouse.duckdb" ]; then
    .venv/bin/portal init --demo
else
    echo "使用已有的演示数据 $PORTAL_HOME(删除该目录可重新生成演示数据和账号)"
fi
exec .venv/bin/portal serve "$@"
