"""Creates database providers by name; the seed's `DatabaseProviderFactory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jac_scale.factories.component_registry import ComponentRegistry, ComponentSpec

if TYPE_CHECKING:
    from jac_scale.abstractions.database_provider import DatabaseProvider
    from jac_scale.abstractions.deployment_target import DeploymentTarget


_DB = "jac_scale.providers.database"

DATABASES = ComponentRegistry(
    kind="database provider",
    group="jac_scale.databases",
    builtins={
        "kubernetes_mongo": ComponentSpec(
            "kubernetes_mongo",
            f"{_DB}.kubernetes_mongo:KubernetesMongoProvider",
            extra="kubernetes",
            requires=("kubernetes",),
            description="MongoDB StatefulSet with a headless Service and a Secret",
        ),
        "kubernetes_redis": ComponentSpec(
            "kubernetes_redis",
            f"{_DB}.kubernetes_redis:KubernetesRedisProvider",
            extra="kubernetes",
            requires=("kubernetes",),
            description="Redis Deployment with a Service and a Secret",
        ),
        "docker_mongo": ComponentSpec(
            "docker_mongo",
            f"{_DB}.docker_mongo:DockerMongoProvider",
            extra="docker",
            requires=("docker",),
            description="MongoDB container with a named volume",
        ),
        "docker_redis": ComponentSpec(
            "docker_redis",
            f"{_DB}.docker_redis:DockerRedisProvider",
            extra="docker",
            requires=("docker",),
            description="Redis container with a named volume",
        ),
    },
)


class DatabaseProviderFactory:
    """`create('kubernetes_mongo' | 'kubernetes_redis' | ..., target=..., config=...)`."""

    registry = DATABASES

    @staticmethod
    def create(
        provider_type: str,
        target: DeploymentTarget | None = None,
        config: dict[str, Any] | None = None,
    ) -> DatabaseProvider:
        provider_class: type[DatabaseProvider] = DATABASES.load(provider_type)
        return provider_class(target=target, config=config or {})

    @staticmethod
    def register(name: str, target: str | type, **kwargs: Any) -> None:
        DATABASES.register(name, target, **kwargs)
