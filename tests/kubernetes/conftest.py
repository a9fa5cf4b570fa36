"""Fixtures: a fake API server on 127.0.0.1, a kubeconfig for it, and targets wired to it."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from k8s_fake_server import FakeApiServer

pytest.importorskip("kubernetes")

FAST = {"poll_interval": 0.01, "wait_timeout": 10, "api_retry_delay": 0}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApiServer]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    with FakeApiServer() as server:
        yield server


@pytest.fixture
def kubeconfig(fake_api: FakeApiServer, tmp_path: Path) -> Path:
    return fake_api.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "todo"
    folder.mkdir()
    (folder / "app.jac").write_text('walker hello { can go with entry { report "hi"; } }\n')
    return folder


@pytest.fixture
def make_target(kubeconfig: Path) -> Callable[..., Any]:
    from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget

    def make(**overrides: Any) -> KubernetesTarget:
        config = {
            "app_name": "todo",
            "namespace": "apps",
            "kubeconfig": str(kubeconfig),
            "docker_image_name": "registry.local/todo:1",
            **FAST,
            **overrides,
        }
        return KubernetesTarget(config)

    return make


@pytest.fixture
def app_config(app_dir: Path) -> Any:
    from jac_scale.abstractions.config.app_config import AppConfig

    return AppConfig(code_folder=str(app_dir), file_name="app.jac", build=True, app_name="todo")
