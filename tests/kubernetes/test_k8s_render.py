"""Every rendered object validates against the official schemas (strict), and fits together."""

from typing import Any

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

from jac_scale.abstractions.config.app_config import AppConfig  # noqa: E402
from jac_scale.providers.database.kubernetes_mongo import KubernetesMongoProvider  # noqa: E402
from jac_scale.providers.database.kubernetes_redis import KubernetesRedisProvider  # noqa: E402
from jac_scale.targets.kubernetes.kubernetes_config import KubernetesConfig  # noqa: E402
from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget  # noqa: E402
from jac_scale.targets.kubernetes.renderer import RenderRequest, render, to_yaml  # noqa: E402

VERSIONS = ["1.30.0", kubernetes_validate.utils.latest_version()]

CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "databases": {"mongodb_enabled": True, "redis_enabled": True, "redis_persistence": True},
    # several replicas need a shared store (MongoDB) or the data_persistence = false opt-in
    "autoscaling": {
        "autoscaling": True,
        "min_replicas": 2,
        "max_replicas": 5,
        "mongodb_enabled": True,
    },
    "ingress-tls": {
        "ingress_host": "todo.example.com",
        "ingress_class": "nginx",
        "ingress_tls_secret": "todo-tls",
        "secrets": {"API_KEY": "s3cr3t-value"},
        "environment": {"MODE": "prod"},
    },
    "cert-manager": {"ingress_host": "todo.example.com", "ingress_cert_issuer": "letsencrypt"},
    "nodeport": {
        "service_type": "NodePort",
        "node_port": 30080,
        "replicas": 3,
        "data_persistence": False,
    },
    "loadbalancer": {
        "service_type": "LoadBalancer",
        "mongodb_enabled": True,
        "image_pull_secrets": ["regcred"],
        "storage_class": "fast",
        "mongodb_uri": "mongodb://u:external-pw@db.example.com/x",
    },
}


def _plan(overrides: dict[str, Any], *, build: bool = True) -> list[dict[str, Any]]:
    config = KubernetesConfig(app_name="todo", namespace="apps", **overrides)
    target = KubernetesTarget(config)
    databases = target.databases()
    plan = render(
        RenderRequest(
            config=config,
            file_name="app.jac",
            image="registry.example.com/todo:abc",
            build=build,
            databases=databases,
            code_fingerprint=None if build else "0123456789abcdef",
        )
    )
    return plan.objects


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_object_validates_strictly(name: str, version: str) -> None:
    objects = _plan(CONFIGS[name])
    assert objects
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_code_volume_mode_validates(version: str) -> None:
    objects = _plan({"mongodb_enabled": True}, build=False)
    claims = {o["metadata"]["name"] for o in _by_kind(objects, "PersistentVolumeClaim")}
    assert "todo-code" in claims
    container = _by_kind(objects, "Deployment")[-1]["spec"]["template"]["spec"]["containers"][0]
    assert container["workingDir"] == "/code/0123456789abcdef"
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)


def test_bad_object_is_rejected_by_the_validator() -> None:
    """The validation above can fail: a misspelt field is an error in strict mode."""
    deployment = _by_kind(_plan({}), "Deployment")[0]
    deployment["spec"]["replicaz"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_service_selects_the_pod_template(name: str) -> None:
    objects = _plan(CONFIGS[name])
    app_deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "todo"
    )
    app_service = next(
        o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "todo"
    )
    pod_labels = app_deployment["spec"]["template"]["metadata"]["labels"]
    selector = app_service["spec"]["selector"]
    assert selector and all(pod_labels.get(k) == v for k, v in selector.items())
    assert app_deployment["spec"]["selector"]["matchLabels"] == selector
    # and no database pod is selected by the app's Service
    for other in objects:
        if other["kind"] in ("StatefulSet", "Deployment") and other is not app_deployment:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert not all(labels.get(k) == v for k, v in selector.items())


def test_autoscaler_targets_the_deployment_and_replicas_are_left_out() -> None:
    objects = _plan(CONFIGS["autoscaling"])
    hpa = _by_kind(objects, "HorizontalPodAutoscaler")[0]
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "todo"
    )
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == (
        deployment["apiVersion"],
        "Deployment",
        deployment["metadata"]["name"],
    )
    assert "replicas" not in deployment["spec"]
    assert hpa["spec"]["minReplicas"] == 2 and hpa["spec"]["maxReplicas"] == 5
    assert _by_kind(objects, "PodDisruptionBudget")
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"]["cpu"]  # the HPA has something to measure


def test_labels_on_every_object() -> None:
    for obj in _plan(CONFIGS["databases"]):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == "todo"
        assert labels["app.kubernetes.io/managed-by"] == "jac-scale"
        assert labels["app.kubernetes.io/name"]


def test_rolling_update_never_drops_serving_replicas() -> None:
    strategy = _by_kind(_plan({"replicas": 2, "data_persistence": False}), "Deployment")[0]["spec"][
        "strategy"
    ]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_no_secret_value_outside_secrets() -> None:
    objects = _plan(
        CONFIGS["ingress-tls"]
        | CONFIGS["databases"]
        | {"mongodb_uri": "mongodb://a:zz-ext-pw@h/db"}
    )
    secrets = _by_kind(objects, "Secret")
    values = [v for s in secrets for v in s["stringData"].values() if len(v) > 6]
    assert "s3cr3t-value" in values
    non_secret = yaml.safe_dump_all([o for o in objects if o["kind"] != "Secret"])
    for value in values:
        assert value not in non_secret
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "todo"
    )
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["MONGODB_URI"]["valueFrom"]["secretKeyRef"]["name"] == "todo-mongodb"
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "todo-redis"


def test_yaml_leaves_secrets_out_unless_asked() -> None:
    objects = _plan(CONFIGS["ingress-tls"])
    hidden = to_yaml(objects)
    assert "s3cr3t-value" not in hidden
    assert "kind: Secret" not in hidden and "todo-env" in hidden and "--show-secrets" in hidden
    shown = to_yaml(objects, show_secrets=True)
    assert "s3cr3t-value" in shown
    documents = [d for d in yaml.safe_load_all(shown) if d]
    assert len(documents) == len(objects)


def test_database_password_stays_the_same_within_a_provider() -> None:
    provider = KubernetesMongoProvider(config={"app_name": "todo", "namespace": "apps"})
    first = provider.render()[0]["stringData"]["password"]
    assert provider.render()[0]["stringData"]["password"] == first
    assert first in provider.get_connection_string()
    assert first not in repr(provider)
    other = KubernetesRedisProvider(config={"app_name": "todo"})
    assert other.get_connection_string().startswith("redis://:")


def test_target_render_text(tmp_path: Any) -> None:
    (tmp_path / "app.jac").write_text('with entry { print("hi"); }\n')
    target = KubernetesTarget({"app_name": "todo", "redis_enabled": True})
    text = target.render(AppConfig(code_folder=str(tmp_path), file_name="app.jac", build=True))
    kinds = [d["kind"] for d in yaml.safe_load_all(text) if d]
    assert "Secret" not in kinds
    assert {"Deployment", "Service", "ServiceAccount", "ConfigMap"} <= set(kinds)


@pytest.mark.parametrize(
    ("overrides", "claim"),
    [
        ({}, True),  # one replica, SQLite on a claim
        # never one SQLite file shared by several replicas (opted in to scratch data)
        ({"replicas": 3, "data_persistence": False}, False),
        ({"autoscaling": True, "data_persistence": False}, False),
        ({"replicas": 3, "mongodb_uri": "mongodb://u:p@db.example.com/x"}, False),
        ({"mongodb_enabled": True}, False),  # the graph lives in MongoDB
        ({"data_persistence": False}, False),
    ],
)
def test_data_claim_only_for_a_single_sqlite_writer(overrides: dict[str, Any], claim: bool) -> None:
    objects = _plan(overrides)
    claims = {o["metadata"]["name"] for o in _by_kind(objects, "PersistentVolumeClaim")}
    app = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "todo")
    data = next(v for v in app["spec"]["template"]["spec"]["volumes"] if v["name"] == "data")
    assert ("todo-data" in claims) is claim
    assert ("persistentVolumeClaim" in data) is claim


@pytest.mark.parametrize(
    "overrides",
    [{"replicas": 2}, {"autoscaling": True}, {"autoscaling": True, "max_replicas": 1}],
)
def test_several_replicas_without_a_shared_store_are_refused(overrides: dict[str, Any]) -> None:
    """An emptyDir would silently lose every graph and user at each rollout or restart."""
    from jac_scale.errors import ConfigError

    with pytest.raises(ConfigError, match="no shared store") as caught:
        _plan(overrides)
    assert caught.value.hint and "mongodb_enabled = true" in caught.value.hint
    assert "mongodb_uri" in caught.value.hint and "data_persistence = false" in caught.value.hint


def test_a_recorded_scale_counts_as_several_replicas() -> None:
    """A `scale` recorded on the cluster must not put several replicas on one SQLite claim."""
    from jac_scale.errors import ConfigError

    config = KubernetesConfig(app_name="todo", namespace="apps")
    request = RenderRequest(config=config, file_name="app.jac", image="x:1", replicas=3)
    with pytest.raises(ConfigError, match="3 replicas"):
        render(request)


def test_render_needs_no_kubernetes_import(tmp_path: Any) -> None:
    """The client is imported only when a cluster is contacted, never for --help or render."""
    import subprocess
    import sys

    (tmp_path / "app.jac").write_text("with entry { print(1); }\n")
    code = (
        "import sys\n"
        "from jac_scale.abstractions.config.app_config import AppConfig\n"
        "from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget\n"
        f"app = AppConfig(code_folder={str(tmp_path)!r}, file_name='app.jac', build=True)\n"
        "text = KubernetesTarget({'app_name': 'x', 'mongodb_enabled': True}).render(app)\n"
        "assert 'kind: StatefulSet' in text\n"
        "print('kubernetes' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"
