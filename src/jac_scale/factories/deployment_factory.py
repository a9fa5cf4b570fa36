"""Creates deployment targets by name; the seed's `DeploymentTargetFactory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jac_scale.factories.component_registry import ComponentRegistry, ComponentSpec

if TYPE_CHECKING:
    from jac_scale.abstractions.config.base_config import BaseConfig
    from jac_scale.abstractions.deployment_target import DeploymentTarget
    from jac_scale.abstractions.logger import Logger


TARGETS = ComponentRegistry(
    kind="target",
    group="jac_scale.targets",
    builtins={
        "local": ComponentSpec(
            "local",
            "jac_scale.targets.local.local_target:LocalTarget",
            description="jac start as a background process on this machine (default)",
        ),
        "docker": ComponentSpec(
            "docker",
            "jac_scale.targets.docker.docker_target:DockerTarget",
            extra="docker",
            requires=("docker",),
            description="app replicas, databases and nginx as containers on a Docker engine",
        ),
        "kubernetes": ComponentSpec(
            "kubernetes",
            "jac_scale.targets.kubernetes.kubernetes_target:KubernetesTarget",
            extra="kubernetes",
            requires=("kubernetes", "yaml"),
            description="Deployment, Service, HPA and databases in a Kubernetes cluster",
        ),
    },
)


class DeploymentTargetFactory:
    """`create('local' | 'docker' | 'kubernetes' | <plugin>, config, logger)`."""

    registry = TARGETS

    @staticmethod
    def create(
        target_type: str,
        config: BaseConfig | dict[str, Any] | None = None,
        logger: Logger | None = None,
        **kwargs: Any,
    ) -> DeploymentTarget:
        target_class: type[DeploymentTarget] = TARGETS.load(target_type)
        return target_class(config=config or {}, logger=logger, **kwargs)

    @staticmethod
    def register(name: str, target: str | type, **kwargs: Any) -> None:
        TARGETS.register(name, target, **kwargs)

    @staticmethod
    def available() -> list[str]:
        return TARGETS.names()
