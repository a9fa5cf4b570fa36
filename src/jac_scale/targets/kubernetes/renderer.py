"""App + config -> the full set of Kubernetes objects, as plain dicts (no cluster needed)."""

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from jac_scale.errors import ConfigError
from jac_scale.targets.kubernetes.kube_database import KubernetesDatabaseProvider
from jac_scale.targets.kubernetes.kubernetes_config import KubernetesConfig
from jac_scale.targets.kubernetes.labels import (
    CODE_FINGERPRINT,
    CONFIG_HASH,
    RETAIN_LABEL,
    app_labels,
    metadata,
    selector_labels,
)

CODE_MOUNT = "/code"
STARTUP_PERIOD = 5


@dataclass
class RenderRequest:
    """Everything the renderer needs; `replicas`/`min_replicas` carry a recorded `scale`."""

    config: KubernetesConfig
    file_name: str
    image: str
    build: bool = True
    databases: list[KubernetesDatabaseProvider] = field(default_factory=list)
    replicas: int | None = None
    min_replicas: int | None = None
    code_fingerprint: str | None = None


@dataclass
class Plan:
    """Objects in apply order: databases first (waited for), then the app."""

    database_objects: list[dict[str, Any]]
    app_objects: list[dict[str, Any]]

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [*self.database_objects, *self.app_objects]


def has_shared_store(config: KubernetesConfig, databases: list[KubernetesDatabaseProvider]) -> bool:
    """With MongoDB the runtime store keeps the graph there; replicas share it."""
    return config.mongodb_uri is not None or any(db.db_name == "mongodb" for db in databases)


#: How to run several replicas without losing data; shown by deploy, render and scale.
SHARED_STORE_FIX = (
    "set mongodb_enabled = true (or an external mongodb_uri) in [plugins.scale.kubernetes] so "
    "the replicas share MongoDB; or set data_persistence = false there to accept that each "
    "replica keeps its own graph on a scratch volume that every rollout or restart empties; "
    "or run one replica (replicas = 1, autoscaling = false)"
)


def many_replicas(config: KubernetesConfig, replicas: int | None = None) -> bool:
    """More than one pod may run at once (autoscaling counts as many)."""
    if config.autoscaling:
        return True
    return (replicas if replicas is not None else config.replicas) > 1


def keeps_data_volume(
    config: KubernetesConfig,
    databases: list[KubernetesDatabaseProvider],
    replicas: int | None = None,
) -> bool:
    """`.jac/data` on a claim: only with one replica at most and no shared store."""
    return (
        config.data_persistence
        and not many_replicas(config, replicas)
        and not has_shared_store(config, databases)
    )


def check_data_safety(
    config: KubernetesConfig,
    databases: list[KubernetesDatabaseProvider],
    replicas: int | None = None,
) -> None:
    """Refuse several replicas without a shared store unless data_persistence = false says
    the user accepts data that does not survive a restart (never one SQLite file shared)."""
    if (
        not config.data_persistence
        or not many_replicas(config, replicas)
        or has_shared_store(config, databases)
    ):
        return
    count = (
        f"autoscaling (up to {config.max_replicas} replicas)"
        if config.autoscaling
        else f"{replicas if replicas is not None else config.replicas} replicas"
    )
    raise ConfigError(
        f"{count} with no shared store would put each replica's .jac/data (the graph and the "
        "users) on a scratch volume that every rollout or pod restart empties; one SQLite "
        "volume cannot be shared by several replicas",
        hint=SHARED_STORE_FIX,
    )


def app_secret_name(app: str) -> str:
    return f"{app}-env"


def config_hash(config: KubernetesConfig) -> str:
    """Changes when environment or secrets change, so pods roll; reveals no value."""
    digest = hashlib.sha256()
    for key, value in sorted(config.app_environment().items()):
        digest.update(f"{key}\0{value}\1".encode())
    return digest.hexdigest()[:16]


def _resources(config: KubernetesConfig) -> dict[str, Any]:
    return {
        "requests": {"cpu": config.cpu_request, "memory": config.memory_request},
        "limits": {"cpu": config.cpu_limit, "memory": config.memory_limit},
    }


def _probes(config: KubernetesConfig) -> dict[str, Any]:
    http = {"path": config.health_check_path, "port": "http"}
    return {
        # Jac compiles the app on first start (10-25 s, more on a small node).
        "startupProbe": {
            "httpGet": http,
            "periodSeconds": STARTUP_PERIOD,
            "timeoutSeconds": 3,
            "failureThreshold": math.ceil(config.startup_timeout_seconds / STARTUP_PERIOD),
        },
        "readinessProbe": {
            "httpGet": http,
            "periodSeconds": config.readiness_period_seconds,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "httpGet": http,
            "periodSeconds": config.liveness_period_seconds,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
    }


def _claim(
    name: str, ns: str, labels: dict[str, str], size: str, storage_class: str | None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(name, ns, labels),
        "spec": spec,
    }


def _deployment(req: RenderRequest, has_secret: bool) -> dict[str, Any]:
    config = req.config
    app, ns = config.app_name, config.namespace
    workdir = config.app_dir if req.build else f"{CODE_MOUNT}/{req.code_fingerprint}"
    # The runtime store names its MongoDB database after the app.
    env = [{"name": "JAC_SCALE_APP_NAME", "value": app}, *(db.env_source() for db in req.databases)]
    env_from: list[dict[str, Any]] = [{"configMapRef": {"name": f"{app}-env"}}]
    if has_secret:
        env_from.append({"secretRef": {"name": app_secret_name(app)}})
    mounts = [{"name": "data", "mountPath": f"{workdir}/.jac/data"}]
    volumes: list[dict[str, Any]] = [
        {"name": "data", "persistentVolumeClaim": {"claimName": f"{app}-data"}}
        if keeps_data_volume(config, req.databases, req.replicas)
        else {"name": "data", "emptyDir": {}}
    ]
    if not req.build:
        mounts.append({"name": "code", "mountPath": CODE_MOUNT})
        volumes.append({"name": "code", "persistentVolumeClaim": {"claimName": f"{app}-code"}})
    container: dict[str, Any] = {
        "name": "app",
        "image": req.image,
        "imagePullPolicy": config.image_pull_policy,
        "workingDir": workdir,
        "command": ["jac", "start", req.file_name, "--port", str(config.container_port)],
        "ports": [{"name": "http", "containerPort": config.container_port}],
        "envFrom": env_from,
        "resources": _resources(config),
        **_probes(config),
        # Let the Service drop this pod before the single-threaded server stops.
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        "volumeMounts": mounts,
    }
    container["env"] = env
    annotations = {CONFIG_HASH: config_hash(config)}
    if req.code_fingerprint:
        annotations[CODE_FINGERPRINT] = req.code_fingerprint
    pod_spec: dict[str, Any] = {
        "serviceAccountName": app,
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 30,
        "containers": [container],
        "volumes": volumes,
    }
    if config.fs_group is not None:
        pod_spec["securityContext"] = {"fsGroup": config.fs_group}
    if config.image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": s} for s in config.image_pull_secrets]
    spec: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(app, "app")},
        # Never below the serving replicas: add one new pod, then retire one old pod.
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        },
        "revisionHistoryLimit": 5,
        "template": {
            "metadata": {"labels": app_labels(app, "app"), "annotations": annotations},
            "spec": pod_spec,
        },
    }
    if not config.autoscaling:
        spec["replicas"] = req.replicas if req.replicas is not None else config.replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(app, ns, app_labels(app, "app")),
        "spec": spec,
    }


def _service(config: KubernetesConfig) -> dict[str, Any]:
    app = config.app_name
    port: dict[str, Any] = {
        "name": "http",
        "port": config.service_port,
        "targetPort": "http",
        "protocol": "TCP",
    }
    if config.node_port is not None:
        port["nodePort"] = config.node_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(app, config.namespace, app_labels(app, "app")),
        "spec": {
            "type": config.service_type,
            "selector": selector_labels(app, "app"),
            "ports": [port],
        },
    }


def _ingress(config: KubernetesConfig) -> dict[str, Any]:
    app = config.app_name
    annotations = (
        {"cert-manager.io/cluster-issuer": config.ingress_cert_issuer}
        if config.ingress_cert_issuer
        else None
    )
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": config.ingress_host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {
                                "service": {"name": app, "port": {"number": config.service_port}}
                            },
                        }
                    ]
                },
            }
        ]
    }
    if config.ingress_class:
        spec["ingressClassName"] = config.ingress_class
    if config.ingress_tls:
        spec["tls"] = [
            {
                "hosts": [config.ingress_host],
                "secretName": config.ingress_tls_secret or f"{app}-tls",
            }
        ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(app, config.namespace, app_labels(app, "app"), annotations),
        "spec": spec,
    }


def _autoscaler(config: KubernetesConfig, min_replicas: int | None) -> dict[str, Any]:
    app = config.app_name
    low = min_replicas if min_replicas is not None else config.min_replicas
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(app, config.namespace, app_labels(app, "app")),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
            "minReplicas": low,
            "maxReplicas": max(config.max_replicas, low),
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": config.cpu_utilization_target,
                        },
                    },
                }
            ],
        },
    }


def _disruption_budget(config: KubernetesConfig) -> dict[str, Any]:
    app = config.app_name
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(app, config.namespace, app_labels(app, "app")),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(app, "app")}},
    }


def render(req: RenderRequest) -> Plan:
    """Every object for the app and its databases; secret values only inside Secrets."""
    config = req.config
    check_data_safety(config, req.databases, req.replicas)
    app, ns = config.app_name, config.namespace
    labels = app_labels(app, "app")
    database_objects = [obj for db in req.databases for obj in db.render()]
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(app, ns, labels),
            "automountServiceAccountToken": False,
        }
    ]
    secret_values = {k: v.get_secret_value() for k, v in config.secrets.items()}
    if config.mongodb_uri is not None:
        secret_values["MONGODB_URI"] = config.mongodb_uri.get_secret_value()
    if config.redis_url is not None:
        secret_values["REDIS_URL"] = config.redis_url.get_secret_value()
    if secret_values:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata(app_secret_name(app), ns, labels),
                "type": "Opaque",
                "stringData": secret_values,
            }
        )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(f"{app}-env", ns, labels),
            "data": dict(config.environment),
        }
    )
    if keeps_data_volume(config, req.databases, req.replicas):
        objects.append(
            _claim(
                f"{app}-data",
                ns,
                {**app_labels(app, "data"), RETAIN_LABEL: "data"},
                config.data_storage_size,
                config.storage_class,
            )
        )
    if not req.build:
        objects.append(
            _claim(
                f"{app}-code",
                ns,
                app_labels(app, "code"),
                config.code_storage_size,
                config.storage_class,
            )
        )
    objects.append(_deployment(req, has_secret=bool(secret_values)))
    objects.append(_service(config))
    if config.ingress_host:
        objects.append(_ingress(config))
    if config.autoscaling:
        objects.append(_autoscaler(config, req.min_replicas))
    many = (config.autoscaling and config.max_replicas > 1) or (
        not config.autoscaling and (req.replicas or config.replicas) > 1
    )
    if many:
        objects.append(_disruption_budget(config))
    return Plan(database_objects, objects)


def to_yaml(objects: list[dict[str, Any]], *, show_secrets: bool = False) -> str:
    """Multi-document YAML for `kubectl apply -f -`; Secrets left out unless `show_secrets`."""
    import yaml

    shown = [o for o in objects if show_secrets or o["kind"] != "Secret"]
    hidden = [o["metadata"]["name"] for o in objects if o not in shown]
    header = "# Rendered by jac-scale; apply with: kubectl apply --server-side -f -\n"
    if hidden:
        header += (
            f"# Secrets left out so applying this never overwrites real passwords: "
            f"{', '.join(hidden)} (use --show-secrets to include them)\n"
        )
    return header + yaml.safe_dump_all(shown, sort_keys=False, explicit_start=True)
