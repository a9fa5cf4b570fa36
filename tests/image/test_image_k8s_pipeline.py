"""build -> push -> deploy with real parts: the image builder, a real registry on 127.0.0.1,
and the Kubernetes target against the suite's fake API server. The Deployment must run
exactly the digest that the registry holds."""

import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from imagekit import PREFIX, Recorder

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.builder.build_config import BuildConfig

pytestmark = pytest.mark.docker

K8S_TESTS = str(Path(__file__).resolve().parent.parent / "kubernetes")


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Any:
    pytest.importorskip("kubernetes")
    if K8S_TESTS not in sys.path:
        sys.path.insert(0, K8S_TESTS)
    from k8s_fake_server import FakeApiServer

    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    with FakeApiServer() as server:
        yield server


def test_deployment_runs_the_digest_that_was_pushed(
    fake_api: Any,
    tmp_path: Path,
    settings: dict[str, str],
    build_config: BuildConfig,
    runtime_wheel: Path,
    todo_app: Path,
    todo_build: tuple[str, Any],
) -> None:
    from jac_scale.providers.registry.oci_registry import OCIRegistry
    from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget

    url = settings["JAC_SCALE_TEST_REGISTRY"]
    registry = OCIRegistry({"url": url, "build": build_config.model_dump()}, progress=Recorder())
    registry.runtime_wheel = runtime_wheel
    target = KubernetesTarget(
        {
            "app_name": "todo",
            "namespace": "apps",
            "kubeconfig": str(fake_api.write_kubeconfig(tmp_path / "kubeconfig")),
            "docker_image_name": f"{PREFIX}k8s",
            "poll_interval": 0.01,
            "wait_timeout": 30,
            "api_retry_delay": 0,
        }
    )
    target.image_registry = registry
    app = AppConfig(code_folder=str(todo_app), file_name="app.jac", build=True, app_name="todo")

    result = target.deploy(app)
    assert result.success, result.message

    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    repository, _, digest = image.partition("@")
    assert repository == f"{url}/{PREFIX}k8s" and digest.startswith("sha256:")
    # the registry serves exactly that digest
    request = urllib.request.Request(
        f"http://{url}/v2/{PREFIX}k8s/manifests/{digest}",
        method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.headers["Docker-Content-Digest"] == digest
    # and it is the image built from this app (same fingerprint as the suite's build)
    assert registry.last_build_report is not None
    assert registry.last_build_report.reference.rsplit(":", 1)[1] == todo_build[0].rsplit(":", 1)[1]
