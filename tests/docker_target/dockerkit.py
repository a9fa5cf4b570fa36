"""Helpers for the Docker target's tests: config files, bounded request loops, cleanup."""

import contextlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "docker_stack"
BASE_IMAGE = os.environ.get("JAC_SCALE_TEST_BASE_IMAGE", "jac-scale-test/base:trixie")
JAC_SCALE = str(Path(os.sys.executable).parent / "jac-scale")
MANAGED = "app.kubernetes.io/managed-by=jac-scale"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def write_config(folder: Path, app_name: str, docker: dict[str, Any], extra: str = "") -> None:
    """jac.toml for a test app: the local base image for builds, `docker` as its table."""
    lines = [
        "[project]",
        f'name = "{app_name}"',
        "",
        "[plugins.scale]",
        'target = "docker"',
        "",
        "[plugins.scale.build]",
        f'base_image = "{BASE_IMAGE}"',
        "pull_base = false",
        "",
        "[plugins.scale.docker]",
        *(f"{key} = {_toml_value(value)}" for key, value in docker.items()),
        "",
    ]
    (folder / "jac.toml").write_text("\n".join(lines) + extra)


def call(url: str, name: str, body: dict[str, Any] | None = None, kind: str = "function") -> Any:
    """POST to a walker or function on 127.0.0.1 and return `data.result` (or reports)."""
    assert url.startswith("http://127.0.0.1:"), url
    request = urllib.request.Request(
        f"{url}/{kind}/{name}",
        data=json.dumps(body or {}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        data = json.loads(reply.read())["data"]
    assert "error" not in data, data
    return data["result"] if kind == "function" else data["reports"]


@dataclass
class Load:
    """A steady, bounded stream of greet calls through the load balancer, in a thread."""

    url: str
    max_requests: int = 20_000
    max_seconds: float = 600
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    replies: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        for _ in range(self.max_requests):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            try:
                self.replies.add(call(self.url, "greet", {"name": "load"}))
                self.ok += 1
            except (urllib.error.URLError, OSError, AssertionError, KeyError, ValueError) as exc:
                self.failures.append(repr(exc))

    def __enter__(self) -> "Load":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=120)


def labelled(client: Any, kind: str, app_name: str) -> list[Any]:
    """Containers, networks or volumes that carry jac-scale's labels for `app_name`."""
    filters = {"label": [MANAGED, f"app.kubernetes.io/instance={app_name}"]}
    if kind == "containers":
        return client.containers.list(all=True, filters=filters)
    return getattr(client, kind).list(filters=filters)


def cleanup_app(client: Any, app_name: str) -> None:
    """Remove, by label and id, everything a test app made, and the images built for it."""
    from docker.errors import DockerException

    for container in labelled(client, "containers", app_name):
        with contextlib.suppress(DockerException):
            container.remove(force=True)
    for kind in ("networks", "volumes"):
        for item in labelled(client, kind, app_name):
            with contextlib.suppress(DockerException):
                item.remove()
    for image in client.images.list(name=app_name):
        with contextlib.suppress(DockerException):
            client.images.remove(image.id, force=True)
