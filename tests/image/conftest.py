"""Fixtures of the image suite: a Docker client, the base image, one shared build per session.

Every image and container made here is named `jac-scale-test-image-*` and removed at the end.
"""

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testkit import copy_example

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest runs with --import-mode=importlib
    sys.path.insert(0, HERE)

from imagekit import PREFIX, Recorder, ci_settings, local_images, make_ca_bundle  # noqa: E402


@pytest.fixture(scope="session")
def settings() -> dict[str, str]:
    return ci_settings()


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(
            f"the docker tests need a Docker engine (bash scripts/services.sh start): {exc}"
        )
    yield client
    for tag in local_images(client, PREFIX):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag, noprune=False)
    client.close()


@pytest.fixture(scope="session")
def base_image(docker_client: Any, settings: dict[str, str]) -> str:
    image = settings["JAC_SCALE_TEST_BASE_IMAGE"]
    docker_client.images.get(image)  # fails clearly when services.sh has not made it
    return image


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's wheelhouse cache (so reruns are fast), unless JAC_SCALE_CACHE_DIR says."""
    return Path(os.environ.get("JAC_SCALE_CACHE_DIR", Path.home() / ".cache" / "jac-scale"))


@pytest.fixture(scope="session")
def ca_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "extra-ca.pem"
    path.write_bytes(make_ca_bundle(f"jac-scale-test-ca-{os.getpid()}"))
    return path


@pytest.fixture(scope="session")
def build_config(base_image: str, ca_bundle: Path, cache_dir: Path) -> Any:
    from jac_scale.builder.build_config import BuildConfig

    return BuildConfig(
        app_name="todo",
        base_image=base_image,
        extra_ca_bundle=str(ca_bundle),
        cache_dir=str(cache_dir),
    )


@pytest.fixture(scope="session")
def todo_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app plus files the default .dockerignore must keep out of the image."""
    app_file = copy_example(tmp_path_factory.mktemp("todo") / "todo")
    folder = app_file.parent
    (folder / ".env").write_text("APP_SECRET=dotenv-must-not-be-in-image\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "python").write_text("#!/bin/sh\n")
    (folder / ".jac-scale").mkdir()
    (folder / ".jac-scale" / "deployment.json").write_text("{}")
    return folder


@pytest.fixture(scope="session")
def todo_build(
    docker_client: Any, build_config: Any, todo_app: Path, runtime_wheel: Path
) -> tuple[str, Any]:
    """One cold build of the example app, shared by the suite: (reference, builder)."""
    from jac_scale.builder.image_builder import ImageBuilder

    builder = ImageBuilder(
        build_config, docker_client=docker_client, progress=Recorder(), runtime_wheel=runtime_wheel
    )
    reference = builder.build(str(todo_app), "app.jac", f"{PREFIX}todo")
    return reference, builder


@pytest.fixture(scope="session")
def runtime_wheel(cache_dir: Path) -> Path:
    """The jac-scale wheel of this session, so edits made meanwhile do not change tags."""
    from jac_scale.builder.self_wheel import build_self_wheel

    return build_self_wheel(cache_dir)


@pytest.fixture
def app_copy(todo_app: Path, tmp_path: Path) -> Path:
    destination = tmp_path / "todo"
    shutil.copytree(todo_app, destination)
    return destination
