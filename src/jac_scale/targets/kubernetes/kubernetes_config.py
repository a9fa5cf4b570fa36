"""Settings of the Kubernetes target, from `[plugins.scale.kubernetes]`."""

from typing import Literal, Self

from pydantic import Field, model_validator

from jac_scale.abstractions.config.base_config import AppRuntimeConfig

_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
#: StatefulSet `<app>-mongodb` plus the controller's 11-character revision hash must fit 63.
MAX_APP_NAME = 40
_QUANTITY_HELP = "a Kubernetes quantity such as 250m, 1, 512Mi or 5Gi"


class KubernetesConfig(AppRuntimeConfig):
    """One app in one namespace; defaults give an HPA CPU requests to measure."""

    # -- where ------------------------------------------------------------------
    context: str | None = Field(default=None, description="kube context (default: current)")
    kubeconfig: str | None = Field(
        default=None, description="kubeconfig path (default: $KUBECONFIG, then ~/.kube/config)"
    )
    namespace: str = Field(
        default="default",
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        max_length=63,
        description="a DNS-1123 label: lower-case letters, digits and '-', at most 63",
    )

    # -- what runs ----------------------------------------------------------------
    docker_image_name: str | None = Field(
        default=None, description="image to run (default: <app_name>:latest)"
    )
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    image_pull_secrets: list[str] = Field(default_factory=list)
    app_dir: str = Field(default="/app", pattern=r"^/", description="the app's folder in the image")
    code_sync_image: str | None = Field(
        default=None, description="image with tar for build=False sync (default: the app image)"
    )
    code_storage_size: str = Field(default="1Gi", pattern=_QUANTITY, description=_QUANTITY_HELP)
    fs_group: int | None = Field(
        default=10001, ge=0, description="group owning mounted volumes (the image's app user)"
    )
    container_port: int = Field(default=8000, ge=1, le=65535, description="1-65535")

    # -- how it is reached --------------------------------------------------------
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    service_port: int = Field(default=80, ge=1, le=65535, description="1-65535")
    node_port: int | None = Field(default=None, ge=30000, le=32767, description="30000-32767")
    ingress_host: str | None = None
    ingress_class: str | None = None
    ingress_tls_secret: str | None = None
    ingress_cert_issuer: str | None = Field(
        default=None, description="cert-manager ClusterIssuer name; implies TLS"
    )

    # -- how many, how big -------------------------------------------------------
    replicas: int = Field(default=1, ge=0, le=1000, description="0-1000")
    autoscaling: bool = False
    min_replicas: int = Field(default=1, ge=1, le=1000, description="1-1000")
    max_replicas: int = Field(default=3, ge=1, le=1000, description="1-1000")
    cpu_utilization_target: int = Field(default=70, ge=1, le=100, description="percent, 1-100")
    cpu_request: str = Field(default="250m", pattern=_QUANTITY, description=_QUANTITY_HELP)
    cpu_limit: str = Field(default="1", pattern=_QUANTITY, description=_QUANTITY_HELP)
    memory_request: str = Field(default="512Mi", pattern=_QUANTITY, description=_QUANTITY_HELP)
    memory_limit: str = Field(default="1Gi", pattern=_QUANTITY, description=_QUANTITY_HELP)

    # -- probes -------------------------------------------------------------------
    readiness_period_seconds: int = Field(default=10, ge=1, le=300)
    liveness_period_seconds: int = Field(default=20, ge=1, le=300)
    startup_timeout_seconds: int = Field(
        default=600, ge=10, le=3600, description="how long the first compile may take, 10-3600"
    )

    # -- data ---------------------------------------------------------------------
    data_persistence: bool = Field(
        default=True, description="keep .jac/data on a PersistentVolumeClaim (single replica)"
    )
    data_storage_size: str = Field(default="1Gi", pattern=_QUANTITY, description=_QUANTITY_HELP)
    storage_class: str | None = None
    mongodb_enabled: bool = False
    mongodb_image: str = "mongo:7.0"
    mongodb_storage_size: str = Field(default="5Gi", pattern=_QUANTITY, description=_QUANTITY_HELP)
    redis_enabled: bool = False
    redis_image: str = "redis:7.2"
    redis_persistence: bool = False
    redis_storage_size: str = Field(default="1Gi", pattern=_QUANTITY, description=_QUANTITY_HELP)

    # -- waiting ------------------------------------------------------------------
    wait_timeout: float = Field(default=900.0, gt=0, le=7200, description="seconds, 0-7200")
    poll_interval: float = Field(default=2.0, gt=0, le=60, description="seconds, 0-60")
    keep_on_failure: bool = Field(
        default=False, description="keep what a failed first install created, for debugging"
    )
    api_retries: int = Field(default=4, ge=1, le=20, description="attempts per API call, 1-20")
    api_retry_delay: float = Field(default=0.5, ge=0, le=30, description="first backoff, seconds")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.app_name) > MAX_APP_NAME:
            raise ValueError(
                f"app_name {self.app_name!r} has {len(self.app_name)} characters; the Kubernetes "
                f"target allows at most {MAX_APP_NAME}, because it derives names such as "
                f"'{self.app_name}-mongodb-0' that Kubernetes limits to 63 with a controller "
                "hash appended"
            )
        if self.min_replicas > self.max_replicas:
            raise ValueError(
                f"min_replicas ({self.min_replicas}) is above max_replicas ({self.max_replicas})"
            )
        if self.node_port is not None and self.service_type == "ClusterIP":
            raise ValueError("node_port needs service_type NodePort or LoadBalancer")
        if self.ingress_tls_secret and not self.ingress_host:
            raise ValueError("ingress_tls_secret needs ingress_host")
        if self.ingress_cert_issuer and not self.ingress_host:
            raise ValueError("ingress_cert_issuer needs ingress_host")
        return self

    @property
    def image(self) -> str:
        return self.docker_image_name or f"{self.app_name}:latest"

    @property
    def ingress_tls(self) -> bool:
        return bool(self.ingress_tls_secret or self.ingress_cert_issuer)

    @property
    def single_writer(self) -> bool:
        """One replica at most, so one SQLite file on one volume is safe."""
        return not self.autoscaling and self.replicas <= 1
