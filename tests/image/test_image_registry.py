"""Pushing to real registries (distribution v2 on 127.0.0.1): auth, digests, failures, secrets."""

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imagekit import PREFIX, Recorder, local_images, tiny_context
from testkit import free_port

from jac_scale.builder.build_config import BuildConfig
from jac_scale.errors import DeploymentError
from jac_scale.factories.registry_factory import ImageRegistryFactory

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def auth_registry(settings: dict[str, str]) -> dict[str, str]:
    password = Path(settings["JAC_SCALE_TEST_REGISTRY_PASSWORD_FILE"]).read_text().strip()
    return {
        "url": settings["JAC_SCALE_TEST_AUTH_REGISTRY"],
        "username": settings["JAC_SCALE_TEST_REGISTRY_USER"],
        "password": password,
    }


@pytest.fixture(scope="module")
def tiny_image(docker_client: Any) -> str:
    reference = f"{PREFIX}tiny:{os.getpid()}"
    stream = io.BytesIO(tiny_context(f"hello from {os.getpid()}\n"))
    docker_client.images.build(
        fileobj=stream, custom_context=True, tag=reference, rm=True, forcerm=True
    )
    return reference


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A registry process of our own on 127.0.0.1 (so that the test may stop it)."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is missing: run bash scripts/services.sh start")
    port = free_port(21100, 21200)
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp_path / 'data'}}}}}\n"
        f"http: {{addr: 127.0.0.1:{port}}}\n"
    )
    log = (tmp_path / "registry.log").open("wb")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(
                        f"own registry did not start: {(tmp_path / 'registry.log').read_text()}"
                    )
                time.sleep(0.3)
        yield f"127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def registry_manifest(url: str, repository: str, digest: str, auth: tuple[str, str] | None) -> Any:
    request = urllib.request.Request(
        f"http://{url}/v2/{repository}/manifests/{digest}",
        headers={
            "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
            "application/vnd.oci.image.manifest.v1+json"
        },
    )
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    return urllib.request.urlopen(request, timeout=10)


def test_push_with_basic_auth_then_pull_by_digest(
    docker_client: Any,
    auth_registry: dict[str, str],
    build_config: BuildConfig,
    todo_app: Path,
    runtime_wheel: Path,
) -> None:
    progress = Recorder()
    registry = ImageRegistryFactory.create(
        "registry", {**auth_registry, "build": build_config.model_dump()}
    )
    registry.progress = progress
    registry.runtime_wheel = runtime_wheel
    reference = registry.build_image(str(todo_app), f"{PREFIX}todo")
    assert reference.startswith(f"{auth_registry['url']}/{PREFIX}todo:")

    registry.push_image(reference)
    url = registry.get_image_url(reference)
    repository, _, digest = url.partition("@")
    assert repository == f"{auth_registry['url']}/{PREFIX}todo"
    assert digest.startswith("sha256:") and len(digest) == 71
    assert any("layers" in m for m in progress.messages)
    assert auth_registry["password"] not in progress.text()

    # the registry itself serves that digest, and only with credentials
    path = repository.split("/", 1)[1]
    credentials = (auth_registry["username"], auth_registry["password"])
    with registry_manifest(auth_registry["url"], path, digest, credentials) as reply:
        assert reply.headers["Docker-Content-Digest"] == digest
    with pytest.raises(urllib.error.HTTPError) as denied:
        registry_manifest(auth_registry["url"], path, digest, None)
    assert denied.value.code == 401

    pulled = docker_client.images.pull(
        url, auth_config={"username": credentials[0], "password": credentials[1]}
    )
    assert pulled.id == docker_client.images.get(reference).id


def test_wrong_password_is_a_clear_error_and_leaves_no_tag(
    docker_client: Any, auth_registry: dict[str, str], tiny_image: str
) -> None:
    wrong = "not-the-password-" + str(os.getpid())
    registry = ImageRegistryFactory.create(
        "registry", {**auth_registry, "password": wrong, "push_retries": 2, "retry_wait": 0.1}
    )
    with pytest.raises(DeploymentError) as caught:
        registry.push_image(tiny_image)
    message = str(caught.value)
    assert "rejected" in message and auth_registry["url"] in message
    assert "password" in (caught.value.hint or "")
    assert wrong not in message
    qualified = f"{auth_registry['url']}/{tiny_image}"
    assert qualified not in local_images(docker_client, PREFIX)


def test_stopped_registry_fails_after_bounded_retries(
    docker_client: Any, own_registry: tuple[str, Any], tiny_image: str
) -> None:
    url, process = own_registry
    registry = ImageRegistryFactory.create(
        "registry", {"url": f"http://{url}/", "push_retries": 3, "retry_wait": 0.1}
    )
    progress = Recorder()
    registry.progress = progress
    registry.push_image(tiny_image)
    assert "@sha256:" in registry.get_image_url(tiny_image)

    process.terminate()
    process.wait(timeout=30)
    with pytest.raises(DeploymentError) as caught:
        registry.push_image(tiny_image)
    message = str(caught.value)
    assert "after 3 attempts" in message and url in message
    assert "running and reachable" in (caught.value.hint or "")
    assert sum("retry" in m for m in progress.messages) == 2


def _needles(ca_bundle: Path, password: str) -> dict[str, bytes]:
    body = [line for line in ca_bundle.read_text().splitlines() if "-----" not in line]
    return {"password": password.encode(), "ca": max(body, key=len).encode()}


def test_password_and_ca_bundle_absent_from_history_and_layers(
    docker_client: Any,
    auth_registry: dict[str, str],
    build_config: BuildConfig,
    ca_bundle: Path,
    todo_build: tuple[str, Any],
) -> None:
    reference, builder = todo_build
    assert builder.config.extra_ca_bundle == str(ca_bundle)
    needles = _needles(ca_bundle, auth_registry["password"])
    image = docker_client.images.get(reference)

    history = json.dumps(image.history()) + json.dumps(image.attrs)
    for name, needle in needles.items():
        assert needle.decode() not in history, name
    assert "extra-ca" not in json.dumps(image.history())

    scanned = 0
    with tarfile.open(fileobj=_saved(image), mode="r|") as saved:
        for member in saved:
            data = saved.extractfile(member)
            if data is None:
                continue
            content = data.read()
            scanned += 1
            if member.name.endswith(".tar") or member.name.endswith("layer.tar"):
                content = _layer_files(content)
            for name, needle in needles.items():
                assert needle not in content, f"{name} found in {member.name}"
    assert scanned > 3


def _saved(image: Any) -> io.BytesIO:
    buffer = io.BytesIO()
    for chunk in image.save(named=True):
        buffer.write(chunk)
    buffer.seek(0)
    return buffer


def _layer_files(layer: bytes) -> bytes:
    """All file contents of a layer tar, concatenated (names too)."""
    parts: list[bytes] = []
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r:*") as tar:
        for member in tar:
            parts.append(member.name.encode())
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                parts.append(handle.read())
    return b"\0".join(parts)


def test_cli_build_and_push_prints_the_digest_and_no_password(
    auth_registry: dict[str, str],
    build_config: BuildConfig,
    ca_bundle: Path,
    todo_app: Path,
    todo_build: tuple[str, Any],
) -> None:
    env = {
        **os.environ,
        "JAC_SCALE_REGISTRY__URL": auth_registry["url"],
        "JAC_SCALE_REGISTRY__USERNAME": auth_registry["username"],
        "JAC_SCALE_REGISTRY__PASSWORD": auth_registry["password"],
        "JAC_SCALE_BUILD__IMAGE_NAME": f"{PREFIX}cli",
        "JAC_SCALE_BUILD__EXTRA_CA_BUNDLE": str(ca_bundle),
        "JAC_SCALE_BUILD__CACHE_DIR": str(build_config.cache_dir),
    }
    command = [sys.executable, "-m", "jac_scale.cli", "build", str(todo_app / "app.jac")]
    command += ["--base-image", build_config.base_image, "--registry", "registry", "--push"]
    result = subprocess.run(
        [*command, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pushed"] is True
    assert data["url"].startswith(f"{auth_registry['url']}/{PREFIX}cli@sha256:")
    assert auth_registry["password"] not in result.stdout + result.stderr

    env["JAC_SCALE_REGISTRY__PASSWORD"] = "wrong-" + auth_registry["password"]
    failed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
    )
    assert failed.returncode == 1
    assert "rejected" in failed.stderr and "Traceback" not in failed.stderr
    assert auth_registry["password"] not in failed.stdout + failed.stderr


def test_credentials_from_the_users_docker_config(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    auth_registry: dict[str, str],
    tiny_image: str,
) -> None:
    import docker

    from jac_scale.providers.registry.oci_registry import OCIRegistry

    user, password = auth_registry["username"], auth_registry["password"]
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {auth_registry["url"]: {"auth": token}}})
    )
    monkeypatch.delenv("JAC_SCALE_REGISTRY__USERNAME", raising=False)
    monkeypatch.delenv("JAC_SCALE_REGISTRY__PASSWORD", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(empty))
    anonymous = docker.from_env(timeout=300)
    try:
        with pytest.raises(DeploymentError, match="rejected"):
            OCIRegistry({"url": auth_registry["url"]}, docker_client=anonymous).push_image(
                tiny_image
            )
    finally:
        anonymous.close()

    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    client = docker.from_env(timeout=300)
    try:
        registry = OCIRegistry({"url": auth_registry["url"]}, docker_client=client)
        assert registry.auth_config() is None  # nothing in config: Docker's own login is used
        registry.push_image(tiny_image)
        assert "@sha256:" in registry.get_image_url(tiny_image)
    finally:
        client.close()
