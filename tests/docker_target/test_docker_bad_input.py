"""Bad input gets a clear message (what, where, how to fix), a non-zero exit, no traceback,
and leaves nothing behind on the engine."""

import socket
import subprocess
from pathlib import Path

import pytest
from dockerkit import BASE_IMAGE, EXAMPLE, JAC_SCALE, labelled, write_config


def _app(tmp_path: Path, name: str, **docker: object) -> Path:
    (tmp_path / "app.jac").write_text((EXAMPLE / "app.jac").read_text())
    write_config(tmp_path, name, docker)
    return tmp_path / "app.jac"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [JAC_SCALE, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _nothing_left(client, name: str) -> None:
    for kind in ("containers", "networks", "volumes"):
        assert labelled(client, kind, name) == [], kind


def test_engine_not_running(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "jst-docker-noengine",
        docker_host="unix:///tmp/jst-docker-none.sock",
        docker_image_name=BASE_IMAGE,
    )
    for command in (
        ["deploy", str(app)],
        ["deploy", str(app), "--no-build"],
        ["status", str(app)],
        ["destroy", str(app), "--yes"],
    ):
        result = _run(*command, "--target", "docker")
        assert result.returncode == 1, result.stderr
        assert "cannot reach the Docker engine at unix:///tmp/jst-docker-none.sock" in (
            result.stderr
        )
        assert "hint:" in result.stderr


@pytest.mark.docker
def test_port_already_in_use(tmp_path: Path, docker_client, standin_images) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        name = "jst-docker-porttaken"
        app = _app(
            tmp_path,
            name,
            port=port,
            docker_image_name=BASE_IMAGE,
            lb_image=standin_images["nginx"],
            redis_enabled=True,
            redis_image=standin_images["redis"],
        )
        result = _run("deploy", str(app), "--target", "docker", "--no-build")
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "choose another port" in result.stderr
    _nothing_left(docker_client, name)


@pytest.mark.docker
def test_image_that_does_not_exist(tmp_path: Path, docker_client) -> None:
    name = "jst-docker-noimage"
    app = _app(
        tmp_path,
        name,
        port=20990,
        docker_image_name="jst-docker-missing/app:none",
        lb_image="jst-docker-missing/lb:none",
    )
    result = _run("deploy", str(app), "--target", "docker", "--no-build")
    assert result.returncode == 1
    assert "not found on the Docker engine" in result.stderr
    assert "jst-docker-missing/app:none" in result.stderr
    assert "jst-docker-missing/lb:none" in result.stderr
    _nothing_left(docker_client, name)


def test_no_image_and_no_build(tmp_path: Path) -> None:
    app = _app(tmp_path, "jst-docker-noname", docker_host="unix:///tmp/jst-docker-none.sock")
    result = _run("deploy", str(app), "--target", "docker", "--no-build")
    assert result.returncode == 2
    assert "build is off and [plugins.scale.docker] docker_image_name is not set" in (result.stderr)


def test_unknown_and_invalid_keys(tmp_path: Path) -> None:
    app = _app(tmp_path, "jst-docker-badkey", replicaz=2)
    result = _run("render", str(app), "--target", "docker")
    assert result.returncode == 2
    assert "unknown key (did you mean 'replicas'?)" in result.stderr
    app = _app(tmp_path, "jst-docker-badport", port=70000)
    result = _run("render", str(app), "--target", "docker")
    assert result.returncode == 2
    assert "port" in result.stderr and "1-65535" in result.stderr


@pytest.mark.docker
def test_scale_before_deploy(tmp_path: Path) -> None:
    app = _app(tmp_path, "jst-docker-notdeployed")
    result = _run("scale", str(app), "2", "--target", "docker")
    assert result.returncode == 1
    assert "is not deployed on docker" in result.stderr


@pytest.mark.docker
def test_first_deploy_that_crashes_leaves_nothing_running(app_factory, docker_client) -> None:
    app, name, _ = app_factory(redis_enabled=True)
    toml = app.parent / "jac.toml"
    toml.write_text(
        toml.read_text() + '[plugins.scale.environment]\nJAC_SCALE_EXAMPLE_CRASH = "1"\n'
    )
    result = _run("deploy", str(app), "--target", "docker")
    assert result.returncode == 1
    assert "did not become healthy" in result.stderr
    assert "example app asked to crash at start" in result.stderr
    assert labelled(docker_client, "containers", name) == []
    assert labelled(docker_client, "networks", name) == []
