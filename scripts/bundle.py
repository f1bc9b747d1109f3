"""Build the offline install bundle (docs/deploy.md): the project's wheel and every runtime dependency as
wheels, pinned with SHA-256 hashes in requirements.lock, plus install.sh and bundle.json.

The pins are the versions installed in the running interpreter (what CI tested), walked from
pyproject.toml's dependencies through each installed distribution's requirements, so test tools
(pytest, ruff, playwright) stay out. Wheels come through pip's ordinary index and cache, so a machine
that already installed these versions downloads nothing new from the network.

Usage: python scripts/bundle.py [-o DIR] [--tar]   (scripts/bundle.sh sets up .venv and calls this)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]

# What a wheel build never needs and a working checkout may hold (setuptools reuses build/lib, so a
# module deleted from the tree would still ship from there); same list as tests/portal/test_wheel_install.py.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "build",
    "dist",
    "*.egg-info",
    "test-artifacts",
    "__pycache__",
    ".ruff_cache",
    "tests",
)

# Marks a directory as a bundle this script may replace; anything else non-empty is refused.
MARKER = "bundle.json"


class BundleError(Exception):
    """A bundle cannot be built as asked; the message is Chinese and says what to do."""


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _wanted(req: Requirement, extras: set[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({"extra": extra}) for extra in extras | {""})


def runtime_pins(dependencies: list[str]) -> dict[str, str]:
    """{canonical name: installed version} of every distribution the dependencies need at run time,
    walked through the installed distributions' own requirements (extras and markers included)."""
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset]] = set()
    todo = [(Requirement(d), set()) for d in dependencies]
    while todo:
        req, parent_extras = todo.pop()
        if not _wanted(req, parent_extras):
            continue
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError as exc:
            raise BundleError(
                f"依赖 {req} 没有安装在 {sys.executable} 中：请先运行 bash scripts/setup.sh。"
            ) from exc
        if not req.specifier.contains(dist.version, prereleases=True):
            raise BundleError(
                f"已安装的 {req.name} {dist.version} 不满足 {req}：请先运行 bash scripts/setup.sh。"
            )
        pins[name] = dist.version
        todo.extend((Requirement(r), set(req.extras)) for r in dist.requires or [])
    return pins


def _pip(*args, cwd: Path | None = None) -> None:
    command = [sys.executable, "-m", "pip", *map(str, args)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BundleError(f"pip 失败：{' '.join(command)}\n{done.stdout}\n{done.stderr}")


def build_project_wheel(wheels: Path) -> Path:
    """The project's wheel, built from a clean copy so the checkout gets no build/ or egg-info."""
    with tempfile.TemporaryDirectory(prefix="bundle-src-") as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
        _pip("wheel", "--no-deps", "-q", "-w", wheels, source, cwd=Path(tmp))
    name = project()["name"].replace("-", "_")
    (wheel,) = wheels.glob(f"{name}-*.whl")
    return wheel


def wheel_cache() -> Path:
    """Wheels of earlier bundles, reused by name and version (pip caches no wheel it did not build,
    and a file:// or intranet index has no HTTP cache): a rebuild downloads only what changed."""
    default = (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kjcx-portal" / "bundle-wheels"
    )
    return Path(os.environ.get("BUNDLE_WHEEL_CACHE") or default)


def _cached(cache: Path, name: str, version: str) -> Path | None:
    """The cached wheel of name==version this interpreter would pick first (its most specific tag)."""
    rank = {tag: i for i, tag in enumerate(tags.sys_tags())}
    best = None
    for wheel in cache.glob("*.whl"):
        n, v, _, wheel_tags = parse_wheel_filename(wheel.name)
        fit = min((rank[t] for t in wheel_tags if t in rank), default=None)
        if n == name and str(v) == version and fit is not None and (best is None or fit < best[0]):
            best = (fit, wheel)
    return best[1] if best else None


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)


def download_wheels(pins: dict[str, str], wheels: Path, cache: Path) -> int:
    """Every pin as a binary wheel for this interpreter (the target machine has no compiler to rely
    on): from the cache, else in one pip run, whose wheels then join the cache. Returns how many
    were downloaded."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, version in pins.items():
        hit = _cached(cache, name, version)
        if hit is None:
            missing.append(f"{name}=={version}")
        else:
            _link_or_copy(hit, wheels / hit.name)
    if missing:
        with tempfile.TemporaryDirectory(prefix="bundle-dl-") as tmp:
            _pip("download", "--no-deps", "-q", "--only-binary=:all:", "-d", tmp, *missing)
            for wheel in Path(tmp).glob("*.whl"):
                shutil.copy2(wheel, cache / f".{wheel.name}.tmp")
                os.replace(
                    cache / f".{wheel.name}.tmp", cache / wheel.name
                )  # never a half wheel in the cache
                _link_or_copy(cache / wheel.name, wheels / wheel.name)
    return len(missing)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lock_lines(pins: dict[str, str], wheels: Path) -> list[str]:
    """requirements.lock: each pin with the hash of exactly one wheel in wheels/ (none missing, none extra)."""
    found: dict[str, list[Path]] = {}
    for wheel in wheels.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        found.setdefault(f"{name}=={version}", []).append(wheel)
    want = {f"{n}=={v}" for n, v in pins.items()}
    wrong = sorted(set(found) ^ want)
    if wrong or any(len(w) != 1 for w in found.values()):
        raise BundleError(f"wheels/ 与锁定的版本不一致：{', '.join(wrong) or '同一版本有多个 wheel'}")
    lines = []
    for pin in sorted(want):
        (wheel,) = found[pin]
        lines += [f"{pin} \\", f"    --hash=sha256:{sha256(wheel)}"]
    return lines


INSTALL_SH = r"""#!/usr/bin/env bash
# 离线安装科技创新任务调度考核平台：新建虚拟环境，只从本目录的 wheels/ 安装 requirements.lock 中的版本，
# 逐个核对 SHA-256；不访问任何网络和软件源。用法：bash install.sh [虚拟环境目录，默认为本目录下的 venv]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/venv}"
PY="${PYTHON:-python3}"
need="@PYTHON@"
have="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
if [ "$have" != "$need" ]; then
    echo "本安装包需要 Python $need（当前 $PY：${have:-找不到}）；可用环境变量 PYTHON 指定解释器。" >&2
    exit 2
fi
machine="$("$PY" -c 'import sysconfig; print(sysconfig.get_platform())')"
if [ "$machine" != "@PLATFORM@" ]; then
    echo "本安装包为 @PLATFORM@ 构建，本机为 $machine。" >&2
    exit 2
fi
if [ -e "$venv" ] && [ -n "$(ls -A "$venv" 2>/dev/null)" ]; then
    echo "目录 $venv 已存在且不为空：请指定新的目录，或先移走它。" >&2
    exit 2
fi
# 只用本包：忽略本机 pip 的配置文件和 PIP_* 环境变量（其中的软件源或 find-links 在内网不可用，也会掩盖缺少的 wheel）。
for v in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$PY" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --no-cache-dir --find-links "$here/wheels" \
    --only-binary=:all: --require-hashes -r "$here/requirements.lock"
"$venv/bin/portal" --help >/dev/null
echo "已安装到 $venv（@NAME@ @VERSION@）。"
echo "下一步：PORTAL_HOME=/srv/portal $venv/bin/portal init；启动：PORTAL_HOME=/srv/portal $venv/bin/portal serve（见 deploy.md）。"
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_bundle(out: Path, tar: bool = False, cache: Path | None = None) -> dict:
    """Build the bundle into `out` (created, or replaced if it holds an earlier bundle)."""
    started = time.monotonic(), time.process_time(), _children_cpu()
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise BundleError(f"输出目录 {out} 不为空，也不是以前生成的安装包：请换一个目录。")
        shutil.rmtree(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True)
    meta = project()
    pins = runtime_pins(meta["dependencies"])
    project_wheel = build_project_wheel(wheels)
    downloaded = download_wheels(pins, wheels, cache or wheel_cache())
    pins[canonicalize_name(meta["name"])] = meta["version"]
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    header = [
        f"# {meta['name']} {meta['version']} 的离线安装锁定文件（scripts/bundle.py 生成，勿手改）。",
        f"# Python {py}，{sysconfig.get_platform()}。安装：bash install.sh",
    ]
    (out / "requirements.lock").write_text(
        "\n".join(header + lock_lines(pins, wheels)) + "\n", encoding="utf-8"
    )
    script = (
        INSTALL_SH.replace("@PYTHON@", py)
        .replace("@PLATFORM@", sysconfig.get_platform())
        .replace("@NAME@", meta["name"])
        .replace("@VERSION@", meta["version"])
    )
    (out / "install.sh").write_text(script, encoding="utf-8")
    (out / "install.sh").chmod(0o755)
    shutil.copy2(ROOT / "docs" / "deploy.md", out / "deploy.md")
    size = sum(p.stat().st_size for p in wheels.iterdir())
    info = {
        "name": meta["name"],
        "version": meta["version"],
        "python": py,
        "implementation": platform.python_implementation(),
        "platform": sysconfig.get_platform(),
        "project_wheel": project_wheel.name,
        "wheels": len(pins),
        "wheels_bytes": size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "downloaded": downloaded,
        "build_seconds": round(time.monotonic() - started[0], 1),
        # CPU of this process and of pip (its children), beside the wall time on a shared machine.
        "build_cpu_seconds": round(time.process_time() - started[1] + _children_cpu() - started[2], 1),
    }
    (out / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if tar:
        # Wheels are already compressed: a plain tar is as small as a gzipped one and much faster.
        with tarfile.open(out.with_name(out.name + ".tar"), "w") as t:
            t.add(out, arcname=out.name)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成离线安装包（见 docs/deploy.md）")
    parser.add_argument(
        "-o", "--output", default=str(ROOT / "dist" / "bundle"), help="输出目录（默认 dist/bundle）"
    )
    parser.add_argument(
        "--cache",
        help="wheel 缓存目录（默认 ~/.cache/kjcx-portal/bundle-wheels，或环境变量 BUNDLE_WHEEL_CACHE）",
    )
    parser.add_argument("--tar", action="store_true", help="另打包为与输出目录同名的 .tar 文件，便于拷贝")
    args = parser.parse_args(argv)
    out = Path(args.output).resolve()
    try:
        info = write_bundle(out, args.tar, Path(args.cache) if args.cache else None)
    except BundleError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(
        f"已生成离线安装包 {out}：{info['wheels']} 个 wheel，共 {info['wheels_bytes'] / 1e6:.0f} MB，"
        f"新下载 {info['downloaded']} 个，用时 {info['build_seconds']} 秒（Python {info['python']}，{info['platform']}）。"
    )
    return 0


if __name__ == "__main__":
    os.umask(0o022)  # the bundle is copied to other machines and read by the service account
    sys.exit(main())
