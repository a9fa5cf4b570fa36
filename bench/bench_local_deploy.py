"""Local target: command to first successful walker call (cold and warm), unchanged redeploy.

Cold: a fresh copy of the example and an empty jac compile cache (XDG_CACHE_HOME).
Warm: a fresh copy with the compile cache already filled.

    .venv/bin/python bench/bench_local_deploy.py [runs]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JAC_SCALE = str(Path(sys.executable).parent / "jac-scale")
PORT = 18990


def first_walker_call(url: str, deadline: float) -> None:
    body = json.dumps({"title": "bench"}).encode()
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{url}/walker/AddTodo", body, {"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                if json.loads(reply.read()).get("ok"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("no successful walker call before the deadline")


def deploy_to_first_call(app: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [JAC_SCALE, "deploy", str(app), "--port", str(PORT)],
        env=env,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    first_walker_call(f"http://127.0.0.1:{PORT}", time.monotonic() + 120)
    return time.perf_counter() - start


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=600
    )
    return time.perf_counter() - start


def fresh_copy(root: Path, name: str) -> Path:
    folder = root / name
    shutil.copytree(REPO / "examples" / "todo", folder, ignore=shutil.ignore_patterns(".jac*"))
    return folder / "app.jac"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results: dict[str, list[float]] = {"cold": [], "warm": [], "unchanged redeploy": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for run in range(runs):
            for kind in ("cold", "warm"):
                env = dict(os.environ)
                if kind == "cold":
                    env["XDG_CACHE_HOME"] = str(root / f"cache-{run}")
                app = fresh_copy(root, f"{kind}-{run}")
                results[kind].append(deploy_to_first_call(app, env))
                if kind == "warm":
                    deploy = [JAC_SCALE, "deploy", str(app), "--port", str(PORT)]
                    results["unchanged redeploy"].append(timed(deploy, env))
                timed([JAC_SCALE, "destroy", str(app), "--yes"], env)
    print(f"{'local target':26} {'median s':>9} {'min s':>7} {'max s':>7}  ({runs} runs)")
    for name, times in results.items():
        print(f"{name:26} {statistics.median(times):9.2f} {min(times):7.2f} {max(times):7.2f}")


if __name__ == "__main__":
    main()
