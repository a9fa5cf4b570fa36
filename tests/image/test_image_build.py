"""The builder on a real Docker engine: build, run, rebuild, layer reuse, own Dockerfile."""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from imagekit import PREFIX, Recorder, local_images
from testkit import free_port, post_json

from jac_scale.builder.build_config import BuildConfig
from jac_scale.builder.image_builder import ImageBuilder
from jac_scale.errors import DeploymentError, UsageError

pytestmark = pytest.mark.docker


def wait_for_http(url: str, timeout: float = 90.0) -> None:
    """GET `url` until it answers (bounded in time)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3):
                return
        except (OSError, urllib.error.URLError) as exc:
            last = exc
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last}")


@pytest.fixture
def running(docker_client: Any, todo_build: tuple[str, Any]) -> Any:
    reference, _ = todo_build
    port = free_port(21000, 21100)
    container = docker_client.containers.run(
        reference,
        detach=True,
        name=f"{PREFIX}run-{port}",
        ports={"8000/tcp": ("127.0.0.1", port)},
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/")
        yield container, port
    finally:
        container.remove(force=True)


def test_built_image_serves_walker_calls(running: Any) -> None:
    _container, port = running
    added = post_json(f"http://127.0.0.1:{port}/walker/AddTodo", {"title": "buy milk"})
    assert added["ok"] is True
    listed = post_json(f"http://127.0.0.1:{port}/walker/ListTodos", {})
    titles = [r["title"] for r in listed["data"]["reports"]]
    assert "buy milk" in titles
    greeting = post_json(f"http://127.0.0.1:{port}/function/greet", {"name": "Ada"})
    assert greeting["data"]["result"] == "Hello, Ada!"


def test_image_runs_as_non_root_with_the_jac_scale_runtime(
    docker_client: Any, todo_build: tuple[str, Any]
) -> None:
    reference, _ = todo_build
    image = docker_client.images.get(reference)
    config = image.attrs["Config"]
    assert config["User"] == "10001:10001"
    assert "8000/tcp" in config["ExposedPorts"]
    assert config["Cmd"] == ["jac", "start", "app.jac", "--port", "8000"]
    script = (
        "import importlib.metadata as m, json, pymongo, redis, jac_scale;"
        "d = m.distribution('jac-scale');"
        "print(json.dumps({'version': d.version, 'eps': d.read_text('entry_points.txt') or ''}))"
    )
    out = docker_client.containers.run(reference, ["python3", "-c", script], remove=True)
    inside = json.loads(out.decode().strip().splitlines()[-1])
    from importlib import metadata

    host = metadata.distribution("jac-scale")
    assert inside["version"] == host.version
    assert inside["eps"] == (host.read_text("entry_points.txt") or "")


def test_default_dockerignore_keeps_local_files_out(
    docker_client: Any, todo_build: tuple[str, Any]
) -> None:
    reference, _ = todo_build
    out = docker_client.containers.run(
        reference, ["sh", "-c", "ls -A /app; ls -A /app/.jac"], remove=True
    ).decode()
    names = set(out.split())
    assert {"app.jac", "jac.toml"} <= names
    assert not names & {".env", ".git", ".venv", ".jac-scale", "data"}, names
    assert "cache" in names  # compiled during the build


def test_unchanged_rebuild_builds_nothing(
    docker_client: Any,
    build_config: BuildConfig,
    todo_app: Path,
    runtime_wheel: Path,
    todo_build: tuple[str, Any],
) -> None:
    reference, _ = todo_build
    before = local_images(docker_client, f"{PREFIX}todo")
    progress = Recorder()
    builder = ImageBuilder(
        build_config, docker_client=docker_client, progress=progress, runtime_wheel=runtime_wheel
    )
    again = builder.build(str(todo_app), "app.jac", f"{PREFIX}todo")
    assert again == reference
    assert builder.last_report is not None and builder.last_report.built is False
    assert builder.last_report.steps_run == 0
    assert not any("Step" in m for m in progress.messages)
    assert local_images(docker_client, f"{PREFIX}todo") == before


def test_one_line_change_reuses_the_dependency_layers(
    docker_client: Any,
    build_config: BuildConfig,
    app_copy: Path,
    base_image: str,
    runtime_wheel: Path,
    todo_build: tuple[str, Any],
) -> None:
    reference, _ = todo_build
    app = app_copy / "app.jac"
    app.write_text(app.read_text().replace("Hello, {name}!", "Hi, {name}!"))
    builder = ImageBuilder(
        build_config, docker_client=docker_client, progress=Recorder(), runtime_wheel=runtime_wheel
    )
    changed = builder.build(str(app_copy), "app.jac", f"{PREFIX}todo")
    assert changed != reference
    assert builder.last_report is not None and builder.last_report.built
    assert builder.last_report.steps_cached >= 5

    old = docker_client.images.get(reference).attrs["RootFS"]["Layers"]
    new = docker_client.images.get(changed).attrs["RootFS"]["Layers"]
    base = len(docker_client.images.get(base_image).attrs["RootFS"]["Layers"])
    # base, user, dependencies (venv), jac-scale runtime: identical digests
    assert new[: base + 3] == old[: base + 3]
    # the app's code layer differs
    assert new[base + 3] != old[base + 3]


def test_own_dockerfile_is_used_with_the_default_ignores(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    app = tmp_path / "own"
    app.mkdir()
    (app / "app.jac").write_text('with entry { print("hi"); }\n')
    (app / ".env").write_text("SECRET=1\n")
    (app / "Dockerfile").write_text(
        f'FROM {base_image}\nCOPY . /srv/\nLABEL made-by=own-dockerfile\nCMD ["ls", "-A", "/srv"]\n'
    )
    builder = ImageBuilder(BuildConfig(base_image=base_image), docker_client=docker_client)
    reference = builder.build(str(app), "app.jac", f"{PREFIX}own")
    image = docker_client.images.get(reference)
    assert image.labels.get("made-by") == "own-dockerfile"
    listing = docker_client.containers.run(reference, remove=True).decode().split()
    assert "app.jac" in listing and ".env" not in listing


def test_failing_build_names_the_step_and_its_error(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    app = tmp_path / "broken"
    app.mkdir()
    (app / "app.jac").write_text('with entry { print("hi"); }\n')
    (app / "Dockerfile").write_text(
        f"FROM {base_image}\nRUN echo preparing\nRUN echo the-step-broke >&2 && exit 3\n"
    )
    builder = ImageBuilder(BuildConfig(base_image=base_image), docker_client=docker_client)
    with pytest.raises(DeploymentError) as caught:
        builder.build(str(app), "app.jac", f"{PREFIX}broken")
    message = str(caught.value)
    assert "RUN echo the-step-broke" in message
    assert "non-zero code: 3" in message
    assert "the-step-broke" in caught.value.details["error"] + "\n".join(
        caught.value.details["log_tail"]
    )
    assert not local_images(docker_client, f"{PREFIX}broken")


def test_bad_input_gives_clear_errors(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    builder = ImageBuilder(BuildConfig(base_image=base_image), docker_client=docker_client)
    with pytest.raises(UsageError, match="no such folder"):
        builder.build(str(tmp_path / "missing"), "app.jac", f"{PREFIX}x")
    (tmp_path / "app.jac").write_text("")
    with pytest.raises(UsageError, match=r"no such \.jac file"):
        builder.build(str(tmp_path), "other.jac", f"{PREFIX}x")
    with pytest.raises(UsageError, match="not a valid image repository"):
        builder.build(str(tmp_path), "app.jac", "Upper/Case")


def test_missing_base_image_is_a_clear_error(docker_client: Any, tmp_path: Path) -> None:
    (tmp_path / "app.jac").write_text("")
    config = BuildConfig(base_image=f"{PREFIX}absent:never", pull_base=False)
    builder = ImageBuilder(config, docker_client=docker_client)
    with pytest.raises(DeploymentError, match="not present locally") as caught:
        builder.build(str(tmp_path), "app.jac", f"{PREFIX}x")
    assert "base_image" in (caught.value.hint or "")


def test_probe_finds_the_base_image_python(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    from jac_scale.builder.probe import probe_python

    image_id = docker_client.images.get(base_image).id
    info = probe_python(docker_client, base_image, image_id, tmp_path)
    actual = docker_client.containers.run(
        base_image,
        ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        remove=True,
    )
    assert info.version == actual.decode().strip()
    assert info.libc == "glibc" and info.has_venv
    assert probe_python(docker_client, base_image, image_id, tmp_path) == info  # cached
    assert len(list((tmp_path / "probes").iterdir())) == 1


def test_probe_of_an_image_without_python_is_a_clear_error(
    docker_client: Any, tmp_path: Path
) -> None:
    import io

    from imagekit import tiny_context

    from jac_scale.builder.probe import probe_python

    reference = f"{PREFIX}nopython:1"
    docker_client.images.build(
        fileobj=io.BytesIO(tiny_context("no python here")),
        custom_context=True,
        tag=reference,
        rm=True,
        forcerm=True,
    )
    image_id = docker_client.images.get(reference).id
    with pytest.raises(DeploymentError, match="python3") as caught:
        probe_python(docker_client, reference, image_id, tmp_path)
    assert "3.12" in (caught.value.hint or "")
    left = docker_client.api.containers(all=True, filters={"ancestor": reference})
    assert left == []  # the probe container is removed even when it cannot start
