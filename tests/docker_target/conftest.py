"""Fixtures for the Docker target: the engine, stand-in images, private app copies, cleanup."""

import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib: make this suite's helper modules importable.
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from dockerkit import EXAMPLE, cleanup_app, write_config  # noqa: E402
from testkit import free_port  # noqa: E402


@pytest.fixture(scope="session")
def docker_client():
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        pytest.fail(f"no Docker engine: {exc}; start one with: bash scripts/services.sh start")
    yield client
    client.close()


@pytest.fixture(scope="session")
def standin_images(docker_client) -> dict[str, str]:
    from standins import build_standins

    return build_standins(docker_client)


@pytest.fixture(scope="module")
def app_factory(tmp_path_factory, docker_client, standin_images) -> Iterator:
    """Make private copies of the docker_stack example; everything they create is removed."""
    made: list[str] = []

    def make(**docker_settings: object) -> tuple[Path, str, int]:
        name = f"jst-docker-{secrets.token_hex(3)}"
        folder = tmp_path_factory.mktemp(name)
        shutil.copy(EXAMPLE / "app.jac", folder / "app.jac")
        port = free_port(20000 + 100 * (os.getpid() % 9), 21000)
        settings = {
            "port": port,
            "mongodb_image": standin_images["mongo"],
            "redis_image": standin_images["redis"],
            "lb_image": standin_images["nginx"],
            **docker_settings,
        }
        write_config(folder, name, settings)
        made.append(name)
        return folder / "app.jac", name, int(settings["port"])  # type: ignore[arg-type]

    yield make
    for name in made:
        cleanup_app(docker_client, name)
