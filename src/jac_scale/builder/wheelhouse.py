"""Downloads wheels on the host for the image's Python and platform, once per input.

Builds then install with `--no-index`: no network inside `docker build`, so intercepting
proxies, rate limits and air gaps do not matter, and rebuilds are reproducible.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

from jac_scale.abstractions.progress import NullProgress, Progress
from jac_scale.builder.probe import PythonInfo
from jac_scale.errors import DeploymentError

COMPLETE = ".complete"
REQUIREMENTS = "requirements.txt"


def default_cache_dir(configured: str | None = None) -> Path:
    """`cache_dir` from config, else $JAC_SCALE_CACHE_DIR, else ~/.cache/jac-scale."""
    if configured:
        return Path(configured).expanduser()
    if os.environ.get("JAC_SCALE_CACHE_DIR"):
        return Path(os.environ["JAC_SCALE_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "jac-scale"


def wheelhouse_key(python: PythonInfo, requirements: list[str]) -> str:
    data = {
        "python": python.version,
        "abi": python.abi,
        "platforms": python.platforms(),
        "requirements": sorted(requirements),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def pip_download_command(python: PythonInfo, requirements_file: Path, dest: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check"]
    command += ["--only-binary=:all:", "--python-version", python.version]
    command += ["--implementation", "cp", "--abi", python.abi, "--abi", "abi3", "--abi", "none"]
    for platform_tag in python.platforms():
        command += ["--platform", platform_tag]
    return [*command, "-d", str(dest), "-r", str(requirements_file), "pip"]


def prepare_wheelhouse(
    python: PythonInfo,
    requirements: list[str],
    cache_dir: Path,
    progress: Progress | None = None,
    timeout: float = 1800.0,
) -> Path:
    """Return a folder of wheels (plus pip's own) satisfying `requirements` for `python`."""
    progress = progress or NullProgress()
    target = cache_dir / "wheelhouse" / wheelhouse_key(python, requirements)
    if (target / COMPLETE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
    try:
        (work / REQUIREMENTS).write_text("\n".join(requirements) + "\n")
        command = pip_download_command(python, work / REQUIREMENTS, work)
        progress.update(f"downloading wheels for Python {python.version} ({python.machine})")
        tail: deque[str] = deque(maxlen=20)
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError as exc:
            raise DeploymentError(f"could not run pip to download wheels: {exc}") from None
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                progress.update(f"wheelhouse: {line[:100]}")
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise DeploymentError("pip download did not finish in time") from None
        if code != 0:
            raise DeploymentError(
                f"could not download wheels for Python {python.version} on "
                f"{python.platforms()[0]}:\n    " + "\n    ".join(tail),
                hint="check the requirement named above; every package needs a wheel for the "
                "image's Python and platform (sdists are not built), and pip on this machine "
                "needs access to the package index",
            )
        (work / COMPLETE).write_text(json.dumps({"requirements": requirements}))
        try:
            work.rename(target)
        except OSError:  # another build finished the same wheelhouse first
            if not (target / COMPLETE).is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


def wheel_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.whl"))


def manifest(folder: Path) -> list[str]:
    """Names and sizes of the wheels: what the tag fingerprint sees of a wheelhouse."""
    return [f"{p.name}:{p.stat().st_size}" for p in wheel_files(folder)]
