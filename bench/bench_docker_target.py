"""Docker target: time from a code change to the new version serving, and failed requests.

For 1 and 3 replicas, deploys the docker_stack example once, then makes RUNS code changes
while a steady, bounded stream of requests goes through nginx on 127.0.0.1. Each run reports
the wall time from starting `deploy` to the first reply of the new version (build + start +
switch) and how many requests failed meanwhile. Needs the engine and base image of
`bash scripts/services.sh start`.

    .venv/bin/python bench/bench_docker_target.py [--runs 3] [--replicas 1 3]
"""

import argparse
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "docker_target"))

import docker  # noqa: E402
from dockerkit import EXAMPLE, cleanup_app, write_config  # noqa: E402
from standins import build_standins  # noqa: E402

from jac_scale import operations  # noqa: E402
from jac_scale.utilities.ports import port_is_free  # noqa: E402


def free_port() -> int:
    for port in range(20800, 21000):
        if port_is_free(port, ("127.0.0.1",)):
            return port
    raise SystemExit("no free port in 20800-20999")


def greet(url: str) -> str:
    request = urllib.request.Request(
        f"{url}/function/greet",
        data=b'{"name": "bench"}',
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())["data"]["result"]


class Stream:
    """Requests back to back (bounded in count and time); records when `wanted` first shows."""

    def __init__(self, url: str, wanted: str, max_requests: int = 50_000, max_s: float = 900):
        self.url, self.wanted = url, wanted
        self.max_requests, self.max_s = max_requests, max_s
        self.ok = self.failed = 0
        self.first_new: float | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        deadline = time.monotonic() + self.max_s
        for _ in range(self.max_requests):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            try:
                reply = greet(self.url)
                self.ok += 1
                if self.first_new is None and reply == self.wanted:
                    self.first_new = time.monotonic()
            except (urllib.error.URLError, OSError, KeyError, ValueError):
                self.failed += 1


def bench(replicas: int, runs: int, images: dict[str, str], client: docker.DockerClient) -> list:
    name = f"jst-docker-bench-{secrets.token_hex(3)}"
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    app = folder / "app.jac"
    shutil.copy(EXAMPLE / "app.jac", app)
    port = free_port()
    write_config(
        folder,
        name,
        {
            "port": port,
            "replicas": replicas,
            "lb_image": images["nginx"],
            "mongodb_image": images["mongo"],
            "redis_image": images["redis"],
        },
    )
    rows = []
    try:
        first = operations.deploy(operations.open_app(app, target="docker"))
        assert first["success"], first
        url = first["service_url"]
        text = app.read_text()
        for run in range(1, runs + 1):
            reply = f"Hello v{run}, bench!"
            app.write_text(text.replace('f"Hello, {name}!"', f'f"Hello v{run}, {{name}}!"'))
            stream = Stream(url, reply)
            stream.thread.start()
            started = time.monotonic()
            result = operations.deploy(operations.open_app(app, target="docker"))
            deployed = time.monotonic()
            for _ in range(600):  # until the new reply shows (bounded: 60 s)
                if stream.first_new is not None:
                    break
                time.sleep(0.1)
            stream.stop.set()
            stream.thread.join(timeout=120)
            serving = (stream.first_new or float("nan")) - started
            rows.append((replicas, run, result["success"], deployed - started, serving, stream))
            print(
                f"replicas={replicas} run={run} deploy_s={deployed - started:.1f} "
                f"new_version_serving_s={serving:.1f} requests={stream.ok + stream.failed} "
                f"failed={stream.failed}",
                flush=True,
            )
    finally:
        cleanup_app(client, name)
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    client = docker.from_env(timeout=120)
    images = build_standins(client)
    summary = []
    for replicas in args.replicas:
        rows = bench(replicas, args.runs, images, client)
        serving = [r[4] for r in rows]
        summary.append(
            f"replicas={replicas}: runs={len(rows)} "
            f"serving_s median={statistics.median(serving):.1f} "
            f"min={min(serving):.1f} max={max(serving):.1f} "
            f"failed_requests={sum(r[5].failed for r in rows)} "
            f"of {sum(r[5].ok + r[5].failed for r in rows)}"
        )
    print("\n".join(["", "summary (code change -> new version serving):", *summary]))


if __name__ == "__main__":
    main()
