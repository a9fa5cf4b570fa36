"""Creates image registries by name; the seed's `ImageRegistryFactory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jac_scale.factories.component_registry import ComponentRegistry, ComponentSpec

if TYPE_CHECKING:
    from jac_scale.abstractions.image_registry import ImageRegistry


_REG = "jac_scale.providers.registry"

REGISTRIES = ComponentRegistry(
    kind="registry",
    group="jac_scale.registries",
    builtins={
        "dockerhub": ComponentSpec(
            "dockerhub",
            f"{_REG}.dockerhub:DockerHubRegistry",
            extra="docker",
            requires=("docker",),
            description="Docker Hub (docker.io)",
        ),
        "registry": ComponentSpec(
            "registry",
            f"{_REG}.oci_registry:OCIRegistry",
            extra="docker",
            requires=("docker",),
            description="any OCI / distribution v2 registry at a URL",
        ),
        "ecr": ComponentSpec(
            "ecr",
            f"{_REG}.ecr:ECRRegistry",
            extra="aws",
            requires=("docker", "boto3"),
            description="Amazon Elastic Container Registry",
        ),
        "gcr": ComponentSpec(
            "gcr",
            f"{_REG}.gcr:GCRRegistry",
            extra="gcp",
            requires=("docker", "google.auth"),
            description="Google Artifact Registry / Container Registry",
        ),
    },
)


class ImageRegistryFactory:
    """`create('dockerhub' | 'registry' | 'ecr' | 'gcr' | <plugin>, config)`."""

    registry = REGISTRIES

    @staticmethod
    def create(registry_type: str, config: Any = None) -> ImageRegistry:
        registry_class: type[ImageRegistry] = REGISTRIES.load(registry_type)
        if config is not None and not isinstance(config, dict):
            config = config.model_dump() if hasattr(config, "model_dump") else dict(config)
        return registry_class(config=config or {})

    @staticmethod
    def register(name: str, target: str | type, **kwargs: Any) -> None:
        REGISTRIES.register(name, target, **kwargs)
