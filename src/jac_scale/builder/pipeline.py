"""Build (and optionally push) an app's image from its config: what `jac-scale build` and the
docker/kubernetes targets' `deploy --build` share."""

import inspect
from pathlib import Path
from typing import Any

from jac_scale.abstractions.logger import Logger
from jac_scale.abstractions.progress import Progress
from jac_scale.config_loader import ScaleConfig
from jac_scale.errors import UsageError


def build_app_image(
    scale_config: ScaleConfig,
    file_name: str,
    *,
    base_image: str | None = None,
    registry: str | None = None,
    push: bool = False,
    progress: Progress | None = None,
    logger: Logger | None = None,
    docker_client: Any = None,
) -> dict[str, Any]:
    """Returns {image, url, pushed, built, registry}; `url` is what a cluster should pull."""
    from jac_scale.builder.image_builder import ImageBuilder

    build_config = scale_config.get_build_config(base_image=base_image)
    registry_config = scale_config.get_registry_config()
    registry_type = registry or registry_config.pop("type", None)
    registry_config.pop("type", None)
    folder = str(scale_config.app_folder)
    file_name = Path(file_name).name
    if registry_type is None:
        if push:
            raise UsageError(
                "--push needs a registry to push to",
                hint="add --registry registry (with [plugins.scale.registry] url) or set "
                "[plugins.scale.registry] type",
            )
        builder = ImageBuilder(
            build_config, docker_client=docker_client, progress=progress, logger=logger
        )
        image = builder.build(folder, file_name, build_config.repository)
        report = builder.last_report
        return {
            "image": image,
            "url": image,
            "pushed": False,
            "built": bool(report and report.built),
            "registry": None,
        }

    from jac_scale.factories.registry_factory import ImageRegistryFactory

    registry_config["build"] = build_config.model_dump()
    registry_config.setdefault("image_name", build_config.repository)
    target = ImageRegistryFactory.create(registry_type, registry_config)
    if hasattr(target, "progress") and progress is not None:
        target.progress = progress
    if hasattr(target, "logger") and logger is not None:
        target.logger = logger
    if hasattr(target, "_client") and docker_client is not None:
        target._client = docker_client
    if "file_name" in inspect.signature(target.build_image).parameters:
        image = target.build_image(folder, file_name=file_name)
    else:  # a plugin registry with the seed's two-argument signature
        image = target.build_image(folder)
    if push:
        target.push_image(image)
    report = getattr(target, "last_build_report", None)
    return {
        "image": image,
        "url": target.get_image_url(image) if push else image,
        "pushed": push,
        "built": bool(report.built) if report is not None else True,
        "registry": registry_type,
    }
