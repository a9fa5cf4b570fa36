"""MongoDB for an app on Kubernetes: a StatefulSet with a headless Service and a Secret."""

from typing import Any, ClassVar

from jac_scale.targets.kubernetes.kube_database import KubernetesDatabaseProvider
from jac_scale.targets.kubernetes.labels import metadata, selector_labels


class KubernetesMongoProvider(KubernetesDatabaseProvider):
    """One-member MongoDB; the root password lives in `<app>-mongodb`, the volume survives."""

    db_name: ClassVar[str] = "mongodb"
    workload_kind: ClassVar[str] = "StatefulSet"
    port: ClassVar[int] = 27017
    env_var = "MONGODB_URI"

    @property
    def host(self) -> str:
        return f"{self.object_name}-0.{self.object_name}.{self.namespace}.svc.cluster.local"

    def uri(self, password: str) -> str:
        return f"mongodb://root:{password}@{self.host}:{self.port}/?authSource=admin"

    def render(self) -> list[dict[str, Any]]:
        password = self.ensure_password(None)
        name, ns = self.object_name, self.namespace
        selector = selector_labels(self.app_name, "database", name=self.db_name)
        storage_class = self.setting("storage_class", "storage_class", None)
        claim_spec: dict[str, Any] = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {
                "requests": {
                    "storage": str(self.setting("storage_size", "mongodb_storage_size", "5Gi"))
                }
            },
        }
        if storage_class:
            claim_spec["storageClassName"] = storage_class
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata(self.secret_name, ns, self.retained_labels()),
            "type": "Opaque",
            "stringData": {
                "MONGO_INITDB_ROOT_USERNAME": "root",
                self.password_key: password,
                self.env_var: self.uri(password),
            },
        }
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(name, ns, self.labels()),
            "spec": {
                "clusterIP": "None",
                "selector": selector,
                "ports": [{"name": "mongodb", "port": self.port, "targetPort": "mongodb"}],
            },
        }

        def from_secret(var: str, key: str) -> dict[str, Any]:
            return {"name": var, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}

        statefulset = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": metadata(name, ns, self.labels()),
            "spec": {
                "serviceName": name,
                "replicas": 1,
                "selector": {"matchLabels": selector},
                "template": {
                    "metadata": {"labels": self.labels()},
                    "spec": {
                        "containers": [
                            {
                                "name": "mongodb",
                                "image": str(self.setting("image", "mongodb_image", "mongo:7.0")),
                                "ports": [{"name": "mongodb", "containerPort": self.port}],
                                "env": [
                                    from_secret(
                                        "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_USERNAME"
                                    ),
                                    from_secret("MONGO_INITDB_ROOT_PASSWORD", self.password_key),
                                ],
                                "readinessProbe": {
                                    "tcpSocket": {"port": "mongodb"},
                                    "periodSeconds": 5,
                                },
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "256Mi"},
                                    "limits": {"memory": "1Gi"},
                                },
                                "volumeMounts": [{"name": "data", "mountPath": "/data/db"}],
                            }
                        ]
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data", "labels": self.retained_labels()},
                        "spec": claim_spec,
                    }
                ],
            },
        }
        return [secret, service, statefulset]
