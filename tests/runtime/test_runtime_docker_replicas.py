"""Two replicas behind the Docker load balancer, with the stand-in MongoDB, share one graph.

Reuses the Docker target's test helpers (stand-in images, config writer, cleanup by label).
The image is built by the real builder, which installs this package's `runtime` extra, so
the replicas run the runtime store exactly as a user's deployment does.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DOCKER_TESTS = str(Path(__file__).resolve().parent.parent / "docker_target")
if DOCKER_TESTS not in sys.path:
    sys.path.insert(0, DOCKER_TESTS)

from dockerkit import EXAMPLE, call, cleanup_app, write_config  # noqa: E402
from testkit import free_port  # noqa: E402

from jac_scale import operations  # noqa: E402

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import docker
    from docker.errors import DockerException
    from standins import build_standins

    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        pytest.fail(f"no Docker engine: {exc}; start one with: bash scripts/services.sh start")
    images = build_standins(client)
    name = f"jst-runtime-{secrets.token_hex(3)}"
    folder = tmp_path_factory.mktemp(name)
    shutil.copy(EXAMPLE / "app.jac", folder / "app.jac")
    port = free_port(21000, 21500)
    write_config(
        folder,
        name,
        {
            "port": port,
            "replicas": 2,
            "mongodb_enabled": True,
            "redis_enabled": False,
            "mongodb_image": images["mongo"],
            "lb_image": images["nginx"],
        },
    )
    try:
        result = operations.deploy(operations.open_app(folder / "app.jac", target="docker"))
        assert result["success"], result
        yield {"url": result["service_url"], "result": result}
    finally:
        cleanup_app(client, name)
        client.close()


def test_two_replicas_share_one_graph(deployed: dict[str, Any]) -> None:
    url = deployed["url"]
    hosts = {call(url, "hostname") for _ in range(12)}
    assert len(hosts) == 2, hosts  # the balancer really spreads calls over two replicas
    titles = {f"t{i}" for i in range(6)}
    for title in sorted(titles):
        call(url, "AddTodo", {"title": title}, kind="walker")
    for _ in range(6):  # every replica answers with every to-do, whoever stored it
        seen = {r["title"] for r in call(url, "ListTodos", kind="walker")}
        assert seen == titles
    assert "separate graphs" not in str(deployed["result"])
