"""`jac-scale ... --target kubernetes` through the CLI, against the fake API server."""

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from k8s_fake_server import FakeApiServer
from typer.testing import CliRunner

from jac_scale.cli import app

TOML = """\
[project]
name = "todo"

[plugins.scale]
target = "kubernetes"

[plugins.scale.kubernetes]
namespace = "apps"
docker_image_name = "registry.local/todo:1"
service_type = "NodePort"
node_port = 30080
mongodb_enabled = true
poll_interval = 0.01
wait_timeout = 10
api_retry_delay = 0

[plugins.scale.secrets]
API_KEY = "k-very-secret-123"
"""


@pytest.fixture
def project(app_dir: Path) -> Path:
    (app_dir / "jac.toml").write_text(TOML)
    return app_dir / "app.jac"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env or {}, catch_exceptions=False)


def test_render_prints_yaml_for_kubectl_without_secrets(project: Path) -> None:
    result = run("render", str(project), "--target", "kubernetes")
    assert result.exit_code == 0, result.output
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    kinds = {d["kind"] for d in documents}
    assert {"Deployment", "Service", "StatefulSet", "ConfigMap"} <= kinds
    assert "Secret" not in kinds
    assert "k-very-secret-123" not in result.output

    shown = run("render", str(project), "--target", "kubernetes", "--show-secrets")
    assert shown.exit_code == 0
    secrets = [d for d in yaml.safe_load_all(shown.stdout) if d and d["kind"] == "Secret"]
    assert {s["metadata"]["name"] for s in secrets} == {"todo-env", "todo-mongodb"}
    assert "k-very-secret-123" in shown.stdout


def test_dry_run_without_a_cluster_renders(project: Path, tmp_path: Path) -> None:
    result = run("deploy", str(project), "--dry-run", env={"KUBECONFIG": str(tmp_path / "missing")})
    assert result.exit_code == 0, result.output
    assert "no cluster reachable" in result.stdout
    assert "kind: Deployment" in result.stdout
    assert not (project.parent / ".jac-scale" / "deployment.json").exists()


def test_cli_flow_against_the_fake_server(
    project: Path, kubeconfig: Path, fake_api: FakeApiServer
) -> None:
    env = {"KUBECONFIG": str(kubeconfig)}
    dry = run("deploy", str(project), "--dry-run", env=env)
    assert dry.exit_code == 0, dry.output
    assert "server dry run in context 'fake'" in dry.stdout
    assert "deployment/todo: create" in dry.stdout
    assert fake_api.cluster.names("Deployment") == []  # nothing changed

    deployed = run("deploy", str(project), "--output", "json", env=env)
    assert deployed.exit_code == 0, deployed.output
    data = json.loads(deployed.stdout)
    assert data["success"] and data["service_url"] == "http://127.0.0.1:30080"
    assert "k-very-secret-123" not in deployed.output

    dry = run("deploy", str(project), "--dry-run", env=env)
    assert "deployment/todo: unchanged" in dry.stdout
    assert "secret/todo-mongodb: unchanged" in dry.stdout

    status = run("status", str(project), "--output", "json", env=env)
    assert json.loads(status.stdout)["status"] == "running"
    assert run("url", str(project), env=env).stdout.strip() == "http://127.0.0.1:30080"
    scaled = run("scale", str(project), "0", env=env)
    assert scaled.exit_code == 0 and "replicas of todo to 0" in scaled.stdout
    assert json.loads(run("status", str(project), "-o", "json", env=env).stdout)["status"] == (
        "stopped"
    )
    logs = run("logs", str(project), env=env)
    assert logs.exit_code == 1 and "no pods" in logs.output

    refused = run("destroy", str(project), env=env)
    assert refused.exit_code == 2 and fake_api.cluster.names("Deployment", "apps") == ["todo"]
    destroyed = run("destroy", str(project), "--yes", env=env)
    assert destroyed.exit_code == 0, destroyed.output
    assert fake_api.cluster.names("Deployment", "apps") == []
    assert fake_api.cluster.names("PersistentVolumeClaim", "apps") == ["data-todo-mongodb-0"]


def test_no_kubeconfig_is_a_clear_error(project: Path, tmp_path: Path) -> None:
    result = run("deploy", str(project), env={"KUBECONFIG": str(tmp_path / "nope")})
    assert result.exit_code == 2
    assert "no kubeconfig found" in result.output and "kind create cluster" in result.output
    assert "Traceback" not in result.output


def test_unknown_context_names_it_and_the_known_ones(project: Path, kubeconfig: Path) -> None:
    env = {"KUBECONFIG": str(kubeconfig), "JAC_SCALE_KUBERNETES__CONTEXT": "prod"}
    result = run("status", str(project), env=env)
    assert result.exit_code == 2
    assert "'prod'" in result.output and "known contexts: fake" in result.output


def test_unreachable_cluster_names_the_context(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    server = FakeApiServer.__new__(FakeApiServer)
    server.url = f"http://127.0.0.1:{port}"
    kubeconfig = server.write_kubeconfig(tmp_path / "dead", context="dead-cluster")
    result = run("deploy", str(project), env={"KUBECONFIG": str(kubeconfig)})
    assert result.exit_code == 1
    assert "cannot reach the cluster of context 'dead-cluster'" in result.output
    assert "Traceback" not in result.output


def test_missing_rbac_permission_is_explained(
    project: Path, kubeconfig: Path, fake_api: FakeApiServer
) -> None:
    fake_api.cluster.forbid("PATCH", "statefulsets")
    result = run("deploy", str(project), env={"KUBECONFIG": str(kubeconfig)})
    assert result.exit_code == 1
    assert "permission denied in context 'fake'" in result.output
    assert "statefulsets" in result.output
    assert (
        fake_api.cluster.labelled("app.kubernetes.io/instance=todo")
        == [
            "Secret/todo-mongodb",
            "Service/todo-mongodb",
        ]
        or "removed" in result.output
    )


def test_bad_config_value_is_a_clear_error(project: Path) -> None:
    project.parent.joinpath("jac.toml").write_text(
        TOML.replace('service_type = "NodePort"', 'service_type = "Nodeport"')
    )
    result = run("render", str(project))
    assert result.exit_code == 2
    assert "service_type" in result.output and "Traceback" not in result.output


class RecordingRegistry:
    """A registry plugin that builds nothing: it hands out fixed references and records calls."""

    calls: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = dict(config or {})

    def build_image(
        self, code_folder: str, image_name: str | None = None, *, file_name: str | None = None
    ) -> str:
        self.calls.append(("build", f"{Path(code_folder).name}/{file_name}"))
        return "127.0.0.1:5000/todo:0123abcd"

    def push_image(self, image_name: str) -> None:
        self.calls.append(("push", image_name))

    def get_image_url(self, image_name: str) -> str:
        self.calls.append(("url", image_name))
        return "127.0.0.1:5000/todo@sha256:" + "cd" * 32


def test_configured_registry_builds_pushes_and_the_deployment_runs_that_reference(
    project: Path, kubeconfig: Path, fake_api: FakeApiServer
) -> None:
    from jac_scale.abstractions.image_registry import ImageRegistry
    from jac_scale.factories.registry_factory import REGISTRIES, ImageRegistryFactory

    plugin = type("RecordingImageRegistry", (RecordingRegistry, ImageRegistry), {})
    ImageRegistryFactory.register("k8s-test-recording", plugin)
    RecordingRegistry.calls.clear()
    try:
        toml = project.parent / "jac.toml"
        toml.write_text(
            toml.read_text() + '\n[plugins.scale.registry]\ntype = "k8s-test-recording"\n'
        )
        result = run("deploy", str(project), "-o", "json", env={"KUBECONFIG": str(kubeconfig)})
    finally:
        REGISTRIES._registered.pop("k8s-test-recording", None)
    assert result.exit_code == 0, result.output
    assert [c[0] for c in RecordingRegistry.calls] == ["build", "push", "url"]
    assert RecordingRegistry.calls[0][1] == "todo/app.jac"
    assert RecordingRegistry.calls[1][1] == "127.0.0.1:5000/todo:0123abcd"
    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "127.0.0.1:5000/todo@sha256:" + "cd" * 32
    assert json.loads(result.stdout)["details"]["image"] == image
