#!/usr/bin/env bash
# Quick start 1: set up, build the demo warehouse (first run only) and launch the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PORTAL_HOME=${PORTAL_HOME:-$PWD/var/demo}
ready="$PORTAL_HOME/.demo-ready"
if [ -f "$PORTAL_HOME/warehouse.duckdb" ] && [ ! -f "$ready" ] && [ "$PORTAL_HOME" = "$PWD/var/demo" ]; then
    # The first run was interrupted while the demo was being filled: build it again from scratch.
    echo "上次生成演示数据未完成，重新生成 $PORTAL_HOME"
    rm -rf "$PORTAL_HOME"
fi
if [ ! -f "$PORTAL_HOME/warehouse.duckdb" ]; then
    .venv/bin/portal init --demo
    touch "$ready"
else
    echo "使用已有的演示数据 $PORTAL_HOME（删除该目录可重新生成演示数据和账号）"
fi
exec .venv/bin/portal serve "$@"
