"""The same flow against a real cluster; runs only when KUBECONFIG points at one.

    kind create cluster --name jac-scale
    jac-scale build examples/todo/app.jac            # or any image with jaclang and the app
    kind load docker-image <image> --name jac-scale
    KUBECONFIG=~/.kube/config JAC_SCALE_TEST_IMAGE=<image> \\
        .venv/bin/python -m pytest -m cluster tests/kubernetes/test_k8s_cluster.py
"""

import os
import time
import uuid
from pathlib import Path

import pytest

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.models.resource_status import ResourceStatus

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not os.environ.get("KUBECONFIG") or not os.environ.get("JAC_SCALE_TEST_IMAGE"),
        reason="needs KUBECONFIG pointing at a real cluster and JAC_SCALE_TEST_IMAGE "
        "(an image the cluster can run that holds jaclang and the app)",
    ),
]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "todo"


def test_real_cluster_flow(tmp_path: Path) -> None:
    from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget

    namespace = f"jac-scale-test-{uuid.uuid4().hex[:6]}"
    config = {
        "app_name": "todo",
        "namespace": namespace,
        "kubeconfig": os.environ["KUBECONFIG"].split(os.pathsep)[0],
        "docker_image_name": os.environ["JAC_SCALE_TEST_IMAGE"],
        "image_pull_policy": "IfNotPresent",
        "redis_enabled": True,
        "data_persistence": False,
        "wait_timeout": 600,
        "cpu_request": "50m",
        "memory_request": "128Mi",
    }
    app = AppConfig(code_folder=str(EXAMPLE), file_name="app.jac", build=True, app_name="todo")
    target = KubernetesTarget(config)
    try:
        result = target.deploy(app)
        assert result.success, result
        assert KubernetesTarget(config).deploy(app).details["changed"] is False
        status = target.get_status("todo")
        assert status.status is ResourceStatus.RUNNING
        assert status.details["databases"]["redis"]["ready"] is True
        assert target.get_service_url("todo") == f"http://todo.{namespace}.svc.cluster.local:80"
        assert "replicas of todo to 2" in target.scale("todo", 2)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and target.get_status("todo").ready_replicas < 2:
            time.sleep(3)
        assert target.get_status("todo").ready_replicas == 2
        assert list(target.logs("todo", tail=5))
    finally:
        target.destroy("todo", purge=True)
    assert target.get_status("todo").status is ResourceStatus.NOT_FOUND
    namespace_left = target.kube().get("Namespace", namespace)
    assert namespace_left is None or namespace_left["status"].get("phase") == "Terminating"
