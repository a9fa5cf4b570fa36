"""Throughput and p50/p95 of a write-heavy and a read-heavy walker: SQLite store vs MongoDB store.

Runs real `jac start` processes of tests/runtime/app on 127.0.0.1 (one with core SQLite, one
with MONGODB_URI pointing at the Mongo-wire stand-in from scripts/mongo_standin.sh) and
drives each with locust (PyPI), headless, for a bounded time. locust lives in its own venv
(/tmp/jac-scale-ci/bench-venv) so the project's venv stays as the tests expect it.

    .venv/bin/python bench/bench_runtime_store.py --users 4 --seconds 20

The stand-in is mongoeco (Python, SQLite-backed) speaking the wire protocol, not mongod:
its figures say what the store's round trips cost here, not what a real MongoDB would do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from jac_scale.utilities.ports import port_is_free

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "tests" / "runtime" / "app"
STANDIN = REPO / "scripts" / "mongo_standin.sh"
JAC = Path(sys.executable).with_name("jac")
BENCH_VENV = Path(os.environ.get("JAC_SCALE_CI_STATE", "/tmp/jac-scale-ci")) / "bench-venv"
LOCUST_VERSION = "2.47.0"

LOCUSTFILE = """
import itertools, os
from locust import HttpUser, constant, task

_names = itertools.count()

class WalkerUser(HttpUser):
    wait_time = constant(0)

    @task
    def call(self):
        body = {"name": f"w{next(_names)}", "qty": 1} if os.environ["BENCH_WRITE"] == "1" else {}
        self.client.post(
            os.environ["BENCH_PATH"], json=body,
            headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]},
        )
"""


def free_port(start: int, stop: int) -> int:
    for port in range(start, stop):
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port in {start}-{stop}")


def post(port: int, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(), headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def register(port: int, name: str) -> str:
    """A user of its own for each scenario, so writes do not grow the read scenario's graph."""
    creds = {
        "identities": [{"type": "username", "value": name}],
        "credential": {"type": "password", "password": f"{name}-pw-1"},
    }
    return post(port, "/user/register", creds)["data"]["token"]


def ensure_locust() -> Path:
    locust = BENCH_VENV / "bin" / "locust"
    if not locust.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        pip = str(BENCH_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", f"locust=={LOCUST_VERSION}"], check=True, timeout=600)
    return locust


def start_jac(folder: Path, port: int, mongodb_uri: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    if mongodb_uri:
        env["MONGODB_URI"] = mongodb_uri
    log = (folder / "jac.log").open("ab")
    proc = subprocess.Popen(
        [str(JAC), "start", "app.jac", "--port", str(port)],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jac start exited; see {folder / 'jac.log'}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("jac start did not come up in 180 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run_locust(
    locust: Path, workdir: Path, port: int, token: str, write: bool, users: int, seconds: int
) -> dict:
    prefix = workdir / ("write" if write else "read")
    env = dict(
        os.environ,
        BENCH_TOKEN=token,
        BENCH_WRITE="1" if write else "0",
        BENCH_PATH="/walker/AddItem" if write else "/walker/ListItems",
    )
    subprocess.run(
        [
            str(locust), "-f", str(workdir / "locustfile.py"), "--headless", "--only-summary",
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
            "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
        ],
        env=env, check=False, timeout=seconds + 120, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
    }


def bench_store(locust: Path, root: Path, label: str, uri: str | None, args) -> dict:
    folder = root / label
    shutil.copytree(APP, folder)
    port = free_port(19850, 19950)
    proc = start_jac(folder, port, uri)
    try:
        writer = register(port, "writer")
        reader = register(port, "reader")
        for i in range(args.preload):
            post(port, "/walker/AddItem", {"name": f"p{i}", "qty": i}, reader)
        return {
            "write-heavy AddItem": run_locust(
                locust, root, port, writer, True, args.users, args.seconds
            ),
            "read-heavy ListItems": run_locust(
                locust, root, port, reader, False, args.users, args.seconds
            ),
        }
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=4, help="concurrent locust users")
    parser.add_argument("--seconds", type=int, default=20, help="run time per scenario")
    parser.add_argument("--preload", type=int, default=20, help="items the reader lists")
    args = parser.parse_args()
    locust = ensure_locust()
    with tempfile.TemporaryDirectory(prefix="bench-runtime-") as tmp:
        root = Path(tmp)
        (root / "locustfile.py").write_text(LOCUSTFILE)
        mongo_port = free_port(19950, 20000)
        pid_file = root / "mongo.pid"
        subprocess.run(
            ["bash", str(STANDIN), "start", str(mongo_port), str(root / "mongo.db"), str(pid_file)],
            check=True,
            timeout=600,
        )
        try:
            uri = f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true"
            results = {
                "sqlite": bench_store(locust, root, "sqlite", None, args),
                "mongodb (mongoeco stand-in)": bench_store(locust, root, "mongo", uri, args),
            }
        finally:
            subprocess.run(["bash", str(STANDIN), "stop", str(pid_file)], check=False, timeout=60)
    print(f"locust {LOCUST_VERSION}, {args.users} users, {args.seconds}s per scenario, 127.0.0.1")
    print(f"{'store':30} {'scenario':22} {'req':>6} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6}")
    for store, scenarios in results.items():
        for scenario, r in scenarios.items():
            print(
                f"{store:30} {scenario:22} {r['requests']:>6} {r['failures']:>5} "
                f"{r['rps']:>7.1f} {r['p50']:>5.0f}ms {r['p95']:>5.0f}ms"
            )


if __name__ == "__main__":
    main()
