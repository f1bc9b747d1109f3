"""What a py-spy raw profile of `portal serve` says about what limits it (bench_load.py --profile).

    python bench/profile_summary.py DIR/protocol-25-gil.txt DIR/protocol-25-all.txt --seconds 60

`*-gil.txt` holds only samples of the thread holding the GIL: their count over rate × seconds is
how busy the GIL was (near 1.0: one Python process is the limit, whatever the cores), and their
stacks say with what. `*-all.txt` holds every thread, idle or not: the share of script-run
threads waiting for the warehouse (before session 10 the lock `_locked`; since, admission to the
shared instance, the write lock or the file lock) says how much waiting, not the CPU, queues the pages.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# Leaf frames of a thread with nothing to do (pool workers, Streamlit's config/pages file pollers)
IDLE_LEAVES = ("wait ", "_wait_for_tstate_lock", "get ", "_worker ", "PollingPathWatcher")
# Where a run waits for the warehouse since one instance is shared (session 10): admission to the
# instance, the write lock, the file lock (a leaf there is a wait in C: the lock's acquire).
WAREHOUSE_WAITS = (
    "Warehouse._join ",
    "_writing ",
    "Warehouse.connect ",
    "Warehouse.exclusive ",
    "_Shared.take_file ",
)
OURS = ("portal/", "warehouse/", "pages/", "validators/", "templates_xlsx/", "schemas/")


def samples(path: Path) -> list[tuple[list[str], int]]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


def category(frames: list[str]) -> str:
    """One label per sample, the first that fits, from the most specific."""
    text = ";".join(frames)
    leaf = frames[-1] if frames else ""
    if "_locked (warehouse/db.py" in text and ("_locked (warehouse/db.py" in leaf or "filelock/" in leaf):
        return "等待仓库锁（warehouse/db.py _locked）"
    if any(f in text for f in WAREHOUSE_WAITS) and (
        leaf.startswith(WAREHOUSE_WAITS) or leaf.startswith("wait ") or "filelock/" in leaf
    ):
        return "等待仓库（warehouse/db.py 接入共享实例、写锁、文件锁）"
    if "argon2" in text:
        return "argon2 口令校验（登录）"
    if "ScriptRunner" in text or "script_runner" in text:
        if "warehouse/" in text and ("duckdb" in leaf or "warehouse/" in leaf):
            return "脚本运行：仓库查询"
        if "isolation" in text or "validators/" in text or "templates_xlsx/" in text:
            return "脚本运行：上传校验与读取"
        return "脚本运行：页面其余（Streamlit、Polars、页面代码）"
    if "run_forever" in text or "_run_once" in text:
        if leaf.startswith(("select ", "poll ", "_poll ")) or "selectors.py" in leaf:
            return "事件循环：空闲"
        return "事件循环：忙（websocket、HTTP、消息序列化）"
    if leaf.startswith(IDLE_LEAVES) or "threading.py" in leaf or "queue.py" in leaf:
        return "其他线程：等待"
    return "其他"


def ours(frames: list[str]) -> str | None:
    for frame in reversed(frames):
        where = frame[frame.rfind("(") + 1 :]
        if where.startswith(OURS):
            return frame
    return None


def summarise(path: Path, rate: float, seconds: float | None) -> list[str]:
    found = samples(path)
    total = sum(c for _, c in found)
    lines = [f"## {path.name}: {total} samples"]
    if seconds and path.name.endswith("-gil.txt"):
        lines.append(
            f"GIL held {total / (rate * seconds):.0%} of the wall time ({total} / {rate:g} Hz × {seconds:g} s)"
        )
    by = Counter()
    for frames, count in found:
        by[category(frames)] += count
    lines += [f"- {name}: {count} ({count / total:.0%})" for name, count in by.most_common()]
    mine = Counter()
    for frames, count in found:
        frame = ours(frames)
        if frame and category(frames) not in ("事件循环：空闲", "其他线程：等待"):
            mine[frame] += count
    if mine:
        lines.append("deepest frame of ours (busy samples):")
        lines += [f"  {count:5d}  {frame}" for frame, count in mine.most_common(12)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, help="the wall seconds sampled (for the GIL share)")
    args = parser.parse_args()
    for path in args.files:
        print("\n".join(summarise(path, args.rate, args.seconds)))


if __name__ == "__main__":
    main()
