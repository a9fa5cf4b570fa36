"""What the Kubernetes MongoDB and Redis providers share: settings, password, apply, cleanup."""

import base64
import secrets
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from jac_scale.abstractions.database_provider import DatabaseProvider
from jac_scale.errors import UsageError
from jac_scale.targets.kubernetes.labels import RETAIN_LABEL, app_labels, instance_selector
from jac_scale.utilities.redaction import mask_url, register_secret

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient
    from jac_scale.targets.kubernetes.kubernetes_target import KubernetesTarget


class KubernetesDatabaseProvider(DatabaseProvider):
    """A database beside the app in the same namespace; password kept in its own Secret."""

    #: Short name used in object names and the `app.kubernetes.io/name` label.
    db_name: ClassVar[str] = ""
    #: Kind of the workload whose readiness means "available".
    workload_kind: ClassVar[str] = ""
    port: ClassVar[int] = 0
    password_key: ClassVar[str] = "password"

    def __init__(
        self, target: "KubernetesTarget | None" = None, config: dict[str, Any] | None = None
    ) -> None:
        super().__init__(target=target, config=config)
        self._password: str | None = None

    # -- settings -----------------------------------------------------------------
    def setting(self, key: str, target_key: str, default: Any) -> Any:
        """Provider config first, then the target's config, then the default."""
        if key in self.config and self.config[key] is not None:
            return self.config[key]
        target_config = getattr(self.target, "config", None)
        value = getattr(target_config, target_key, None) if target_config else None
        return default if value is None else value

    @property
    def app_name(self) -> str:
        return str(self.setting("app_name", "app_name", "jac-app"))

    @property
    def namespace(self) -> str:
        return str(self.setting("namespace", "namespace", "default"))

    @property
    def object_name(self) -> str:
        return f"{self.app_name}-{self.db_name}"

    @property
    def secret_name(self) -> str:
        return self.object_name

    @property
    def host(self) -> str:
        return f"{self.object_name}.{self.namespace}.svc.cluster.local"

    def labels(self, component: str = "database") -> dict[str, str]:
        return app_labels(self.app_name, component, name=self.db_name)

    def retained_labels(self) -> dict[str, str]:
        return {**self.labels(), RETAIN_LABEL: "data"}

    def selector(self) -> str:
        return instance_selector(self.app_name, {"app.kubernetes.io/name": self.db_name})

    # -- password -----------------------------------------------------------------
    def ensure_password(self, client: "KubeClient | None") -> str:
        """Reuse the password kept in the cluster's Secret; generate one only the first time."""
        if self._password is None and client is not None:
            secret = client.get("Secret", self.secret_name, self.namespace)
            encoded = ((secret or {}).get("data") or {}).get(self.password_key)
            if encoded:
                self._password = base64.b64decode(encoded).decode()
        if self._password is None:
            self._password = secrets.token_urlsafe(24)
        register_secret(self._password)
        return self._password

    # -- what subclasses describe -------------------------------------------------
    @abstractmethod
    def uri(self, password: str) -> str:
        """The in-cluster connection string."""

    @abstractmethod
    def render(self) -> list[dict[str, Any]]:
        """Every object of this database (Secret first), with the current password."""

    def env_source(self) -> dict[str, Any]:
        """How the app's Deployment reads the connection string: a secretKeyRef, no value."""
        return {
            "name": self.env_var,
            "valueFrom": {"secretKeyRef": {"name": self.secret_name, "key": self.env_var}},
        }

    # -- the seed's interface -------------------------------------------------------
    def _target(self) -> "KubernetesTarget":
        if self.target is None or not hasattr(self.target, "kube"):
            raise UsageError(
                f"the {self.db_name} provider needs a Kubernetes target",
                hint="DatabaseProviderFactory.create(..., target=<KubernetesTarget>)",
            )
        return self.target  # type: ignore[return-value]

    def deploy(self, config: dict[str, Any]) -> dict[str, Any]:
        """Apply this database's objects (password reused from the cluster if it exists)."""
        self.config.update(config or {})
        client = self._target().kube()
        client.ensure_namespace(self.namespace, self.app_name)
        self.ensure_password(client)
        applied = [client.apply(obj) for obj in self.render()]
        return {
            "objects": [f"{o['kind']}/{o['metadata']['name']}" for o in applied],
            "secret": self.secret_name,
            "host": self.host,
            "port": self.port,
            "connection_string": mask_url(self.get_connection_string()),
        }

    def get_connection_string(self) -> str:
        target = self.target if self.target is not None and hasattr(self.target, "kube") else None
        password = self.ensure_password(target.kube() if target and not self._password else None)
        return self.uri(password)

    def is_available(self) -> bool:
        workload = self._target().kube().get(self.workload_kind, self.object_name, self.namespace)
        status = (workload or {}).get("status") or {}
        return int(status.get("readyReplicas") or 0) >= 1

    def cleanup(self, *, purge: bool = False) -> None:
        """Delete this database's objects; its volume and password are kept unless purge."""
        self._target().delete_selected(self.selector(), purge=purge)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app={self.app_name!r}, namespace={self.namespace!r})"
