"""Start, identify and stop one background process without ever touching someone else's."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from jac_scale.utilities.ports import port_is_free

__all__ = [
    "is_ours",
    "owns_port",
    "port_is_free",
    "process_start_time",
    "start_background",
    "stop_process",
]


def process_start_time(pid: int) -> int | None:
    """Kernel start time of `pid` (clock ticks), to tell our process from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 counts after the command name, which may itself contain spaces.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19])


def is_ours(pid: int, start_time: int | None) -> bool:
    """True when `pid` is alive and is still the process we started."""
    current = process_start_time(pid)
    if current is None:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z" and (start_time is None or current == start_time)


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            next(handle, None)
            for line in handle:
                parts = line.split()
                local, state, inode = parts[1], parts[3], parts[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo and len(found) < 1000:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def owns_port(pid: int, port: int) -> bool | None:
    """Whether `pid` or a child listens on `port`; None when /proc cannot tell."""
    if not Path("/proc/net/tcp").exists():
        return None
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    for member in _descendants(pid):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{member}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return True
    return False


def start_background(
    argv: list[str], cwd: Path, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session so it outlives the CLI; output goes to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(pid: int, start_time: int | None, timeout: float) -> bool:
    """SIGTERM our process group, then SIGKILL after `timeout`; True if it was running."""
    if not is_ours(pid, start_time):
        return False
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return False
    # Signal the whole group only when the process leads it (we started it in its own session).
    kill = (lambda sig: os.killpg(pgid, sig)) if pgid == pid else (lambda sig: os.kill(pid, sig))
    with contextlib.suppress(ProcessLookupError):
        kill(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_ours(pid, start_time):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        kill(signal.SIGKILL)
    for _ in range(50):
        _reap(pid)
        if not is_ours(pid, start_time):
            break
        time.sleep(0.1)
    return True


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our child (tests, same-process deploys)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
