"""Run inside `unshare -n` (a network namespace with only a loopback): install an offline bundle into
a fresh venv, `portal init --demo`, `portal serve`, fetch the page and the health check, and print
what happened as one JSON object for tests/scripts/test_bundle.py to judge. Standard library only.

Usage: unshare -n python offline_install.py BUNDLE_DIR WORK_DIR
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    """`ip link set lo up` without needing iproute2: a new namespace's lo starts down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sh", b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def outside_reachable() -> str:
    """What happens when something tries the network: an error text, or "connected" (a failure)."""
    for host in ("pypi.org", "1.1.1.1"):
        try:
            socket.create_connection((host, 443), timeout=3).close()
            return f"connected to {host}"
        except OSError as exc:
            last = f"{host}: {exc}"
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(step: dict, args: list, **kw) -> subprocess.CompletedProcess:
    """Run a command and record its wall and CPU seconds (children's CPU; the machine is shared)."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, timeout=1200, **kw)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    step.update(
        seconds=round(time.monotonic() - t0, 1),
        cpu_seconds=round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
        returncode=done.returncode,
        stdout=done.stdout[-3000:],
        stderr=done.stderr[-3000:],
    )
    return done


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def main(bundle: Path, work: Path) -> dict:
    out: dict = {}
    loopback_up()
    out["interfaces"] = sorted(name for _, name in socket.if_nameindex())
    out["outside"] = outside_reachable()
    venv, home, elsewhere = work / "venv", work / "home", work / "elsewhere"
    elsewhere.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PORTAL_", "VIRTUAL_ENV"))}
    env |= {"PYTHON": sys.executable, "PORTAL_HOME": str(home)}
    # The machine's own pip sources stay in the environment on purpose: install.sh must ignore them.
    out["install"] = {}
    if timed(out["install"], ["bash", bundle / "install.sh", venv], cwd=elsewhere, env=env).returncode:
        return out
    env.pop("PYTHON")
    code = "import pages, portal, streamlit; print(portal.__file__); print(pages.__file__)"
    out["modules"] = subprocess.run(
        [venv / "bin" / "python", "-c", code], capture_output=True, text=True, cwd=elsewhere, env=env
    ).stdout.split()
    out["init"] = {}
    if timed(out["init"], [venv / "bin" / "portal", "init", "--demo"], cwd=elsewhere, env=env).returncode:
        return out
    port = free_port()
    t0 = time.monotonic()
    server = subprocess.Popen(
        [venv / "bin" / "portal", "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = get(f"{url}/_stcore/health")
                out["health"] = [status, body.decode(errors="replace")]
                break
            except OSError:
                time.sleep(0.3)
        out["serve_seconds"] = round(time.monotonic() - t0, 1)
        if "health" in out:
            status, body = get(f"{url}/")
            out["page"] = [status, body.decode(errors="replace")[:2000]]
    finally:
        server.terminate()
        out["serve_output"] = server.communicate(timeout=30)[0].decode(errors="replace")[-3000:]
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False))
