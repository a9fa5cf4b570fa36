"""Cost of the Kubernetes target per app: render, first deploy and unchanged redeploy of
1, 10 and 50 apps against the fake API server on 127.0.0.1 (tests/kubernetes), with the
number of API requests each app needs.

.venv/bin/python bench/bench_kubernetes.py [--databases] [--code-sync]

--code-sync deploys with build=False (code copied into a volume over exec) instead of an image.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "kubernetes"))

from k8s_fake_server import FakeApiServer

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget

COUNTS = (1, 10, 50)


def main() -> None:
    databases = "--databases" in sys.argv
    build = "--code-sync" not in sys.argv
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(var, None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "app"
        folder.mkdir()
        (folder / "app.jac").write_text('walker hello { can go with entry { report "hi"; } }\n')
        print(
            f"databases: {'mongodb + redis' if databases else 'none'}; "
            f"code: {'image' if build else 'synced into a volume'}"
        )
        print(
            f"{'apps':>5} {'render ms/app':>14} {'deploy ms/app':>14} {'req/app':>8}"
            f" {'redeploy ms/app':>16} {'req/app':>8} {'total s':>8}"
        )
        for count in COUNTS:
            with FakeApiServer() as server:
                kubeconfig = server.write_kubeconfig(Path(tmp) / f"kubeconfig-{count}")
                row = run(server, kubeconfig, folder, count, databases, build)
            print(
                f"{count:5d} {row[0]:14.2f} {row[1]:14.1f} {row[2]:8.1f}"
                f" {row[3]:16.1f} {row[4]:8.1f} {row[5]:8.2f}"
            )


def run(
    server: FakeApiServer,
    kubeconfig: Path,
    folder: Path,
    count: int,
    databases: bool,
    build: bool,
) -> tuple[float, float, float, float, float, float]:
    def target(index: int) -> KubernetesTarget:
        return KubernetesTarget(
            {
                "app_name": f"app-{index}",
                "namespace": "bench",
                "kubeconfig": str(kubeconfig),
                "docker_image_name": "registry.local/app:1",
                "mongodb_enabled": databases,
                "redis_enabled": databases,
                "poll_interval": 0.01,
            }
        )

    def app(index: int) -> AppConfig:
        return AppConfig(
            code_folder=str(folder), file_name="app.jac", app_name=f"app-{index}", build=build
        )

    begin = time.perf_counter()
    start = time.perf_counter()
    for i in range(count):
        target(i).render(app(i))
    render_ms = (time.perf_counter() - start) * 1000 / count

    results = []
    for phase in ("deploy", "redeploy"):
        before = len(server.cluster.requests)
        start = time.perf_counter()
        for i in range(count):
            result = target(i).deploy(app(i))
            if not result.success:
                raise SystemExit(f"{phase} of app-{i} failed: {result.message}")
        elapsed_ms = (time.perf_counter() - start) * 1000 / count
        requests = (len(server.cluster.requests) - before) / count
        results.append((elapsed_ms, requests))
    total = time.perf_counter() - begin
    (deploy_ms, deploy_req), (redeploy_ms, redeploy_req) = results
    return render_ms, deploy_ms, deploy_req, redeploy_ms, redeploy_req, total


if __name__ == "__main__":
    main()
