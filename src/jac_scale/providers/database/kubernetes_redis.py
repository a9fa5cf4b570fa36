"""Redis for an app on Kubernetes: a Deployment with a Service, a Secret, optional volume."""

from typing import Any, ClassVar

from jac_scale.targets.kubernetes.kube_database import KubernetesDatabaseProvider
from jac_scale.targets.kubernetes.labels import metadata, selector_labels


class KubernetesRedisProvider(KubernetesDatabaseProvider):
    """One Redis with a password; append-only file on a volume when persistence is on."""

    db_name: ClassVar[str] = "redis"
    workload_kind: ClassVar[str] = "Deployment"
    port: ClassVar[int] = 6379
    env_var = "REDIS_URL"

    def uri(self, password: str) -> str:
        return f"redis://:{password}@{self.host}:{self.port}/0"

    @property
    def persistent(self) -> bool:
        return bool(self.setting("persistence", "redis_persistence", False))

    def render(self) -> list[dict[str, Any]]:
        password = self.ensure_password(None)
        name, ns = self.object_name, self.namespace
        selector = selector_labels(self.app_name, "database", name=self.db_name)
        objects: list[dict[str, Any]] = [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata(self.secret_name, ns, self.retained_labels()),
                "type": "Opaque",
                "stringData": {self.password_key: password, self.env_var: self.uri(password)},
            }
        ]
        volume: dict[str, Any] = {"name": "data", "emptyDir": {}}
        if self.persistent:
            claim_spec: dict[str, Any] = {
                "accessModes": ["ReadWriteOnce"],
                "resources": {
                    "requests": {
                        "storage": str(self.setting("storage_size", "redis_storage_size", "1Gi"))
                    }
                },
            }
            storage_class = self.setting("storage_class", "storage_class", None)
            if storage_class:
                claim_spec["storageClassName"] = storage_class
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": metadata(f"{name}-data", ns, self.retained_labels()),
                    "spec": claim_spec,
                }
            )
            volume = {"name": "data", "persistentVolumeClaim": {"claimName": f"{name}-data"}}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata(name, ns, self.labels()),
                "spec": {
                    "selector": selector,
                    "ports": [{"name": "redis", "port": self.port, "targetPort": "redis"}],
                },
            }
        )
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": metadata(name, ns, self.labels()),
                "spec": {
                    "replicas": 1,
                    "strategy": {"type": "Recreate"},
                    "selector": {"matchLabels": selector},
                    "template": {
                        "metadata": {"labels": self.labels()},
                        "spec": {
                            "containers": [
                                {
                                    "name": "redis",
                                    "image": str(self.setting("image", "redis_image", "redis:7.2")),
                                    "args": [
                                        "--requirepass",
                                        "$(REDIS_PASSWORD)",
                                        "--appendonly",
                                        "yes" if self.persistent else "no",
                                        "--dir",
                                        "/data",
                                    ],
                                    "env": [
                                        {
                                            "name": "REDIS_PASSWORD",
                                            "valueFrom": {
                                                "secretKeyRef": {
                                                    "name": name,
                                                    "key": self.password_key,
                                                }
                                            },
                                        }
                                    ],
                                    "ports": [{"name": "redis", "containerPort": self.port}],
                                    "readinessProbe": {
                                        "tcpSocket": {"port": "redis"},
                                        "periodSeconds": 5,
                                    },
                                    "resources": {
                                        "requests": {"cpu": "50m", "memory": "64Mi"},
                                        "limits": {"memory": "512Mi"},
                                    },
                                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                                }
                            ],
                            "volumes": [volume],
                        },
                    },
                },
            }
        )
        return objects
