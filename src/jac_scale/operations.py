"""What each command does, shared by the `jac-scale` CLI and the `jac` plugin.

Each function takes plain arguments, returns plain data and raises `JacScaleError`s; how it
is shown (text, JSON, spinner) is the caller's business.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.deployment_target import DeploymentTarget
from jac_scale.abstractions.progress import Progress
from jac_scale.config_loader import ScaleConfig, get_scale_config
from jac_scale.errors import ConfigError, UsageError

RECORD_FILE = "deployment.json"


@dataclass
class AppContext:
    """An app file resolved to its config, the target to use and that target."""

    scale_config: ScaleConfig
    app_config: AppConfig
    target_name: str
    target: DeploymentTarget

    @property
    def app_name(self) -> str:
        return self.scale_config.app_name


def _record_path(scale_config: ScaleConfig) -> Path:
    return scale_config.state_dir / RECORD_FILE


def recorded_target(scale_config: ScaleConfig, *, include_destroyed: bool = True) -> str | None:
    """The target the app was last deployed with, so later commands need no --target.

    A plain `destroy` keeps the record (marked inactive) so that a later `destroy --purge`
    or `status` still goes to the target that holds the app's data, while a new `deploy`
    follows the config again.
    """
    try:
        record = json.loads(_record_path(scale_config).read_text())
    except (OSError, ValueError):
        return None
    if not include_destroyed and not record.get("active", True):
        return None
    return record.get("target")


def record_target(scale_config: ScaleConfig, target: str, *, active: bool = True) -> None:
    path = _record_path(scale_config)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    record = {"target": target, "app_name": scale_config.app_name, "active": active}
    path.write_text(json.dumps(record))


def forget_target(scale_config: ScaleConfig) -> None:
    path = _record_path(scale_config)
    if path.exists():
        path.unlink()


def _logger_level() -> str:
    return os.environ.get("JAC_SCALE_LOG_LEVEL", "warn").lower()


def open_app(
    app_file: str | os.PathLike[str],
    *,
    target: str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
    build: bool | None = None,
    must_exist: bool = True,
    deploying: bool = False,
) -> AppContext:
    """Resolve FILE, its config and its target (flag > recorded deployment > config > local)."""
    path = Path(app_file).expanduser()
    if path.suffix != ".jac":
        raise UsageError(f"{app_file}: expected a .jac file", hint="for example: app.jac")
    if must_exist and not path.is_file():
        raise UsageError(f"{app_file}: no such file", hint="pass the path of your app's .jac file")
    scale_config = get_scale_config(path)
    recorded = recorded_target(scale_config, include_destroyed=not deploying)
    target_name = target or recorded or scale_config.target

    from jac_scale.factories.deployment_factory import DeploymentTargetFactory
    from jac_scale.factories.utility_factory import UtilityFactory

    clean = {k: v for k, v in (overrides or {}).items() if v is not None}
    if target_name == "local":
        target_config = scale_config.get_local_config(**clean)
    else:
        target_config = scale_config.get_target_config(target_name, **clean)
    logger = UtilityFactory.create_logger("standard", {"level": _logger_level()})
    deployment_target = DeploymentTargetFactory.create(
        target_name, target_config, logger, progress=progress
    )
    if hasattr(deployment_target, "attach_scale_config"):
        deployment_target.attach_scale_config(scale_config)
    try:
        app_config = AppConfig(
            code_folder=str(scale_config.app_folder),
            file_name=path.name,
            build=bool(build) if build is not None else target_name != "local",
            app_name=scale_config.app_name,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return AppContext(scale_config, app_config, target_name, deployment_target)


def deploy(ctx: AppContext) -> dict[str, Any]:
    record_target(ctx.scale_config, ctx.target_name)
    result = ctx.target.deploy(ctx.app_config)
    return {"app": ctx.app_name, "target": ctx.target_name, **result.to_dict()}


def status(ctx: AppContext) -> dict[str, Any]:
    info = ctx.target.get_status(ctx.app_name)
    return {"app": ctx.app_name, "target": ctx.target_name, **info.to_dict()}


def url(ctx: AppContext) -> dict[str, Any]:
    return {
        "app": ctx.app_name,
        "target": ctx.target_name,
        "url": ctx.target.get_service_url(ctx.app_name),
    }


def scale(ctx: AppContext, replicas: int) -> dict[str, Any]:
    if replicas < 0:
        raise UsageError(f"replicas must be 0 or more, got {replicas}")
    message = ctx.target.scale(ctx.app_name, replicas)
    return {
        "app": ctx.app_name,
        "target": ctx.target_name,
        "replicas": replicas,
        "message": message if isinstance(message, str) else f"scaled to {replicas}",
    }


def destroy(ctx: AppContext, *, purge: bool) -> dict[str, Any]:
    ctx.target.destroy(ctx.app_name, purge=purge)
    if purge:
        forget_target(ctx.scale_config)
    else:
        record_target(ctx.scale_config, ctx.target_name, active=False)
    return {"app": ctx.app_name, "target": ctx.target_name, "destroyed": True, "purged": purge}


def render(ctx: AppContext, *, show_secrets: bool) -> str:
    return ctx.target.render(ctx.app_config, show_secrets=show_secrets)


def dry_run(ctx: AppContext) -> str:
    """What deploy would change: the target's own dry run if it has one, else its rendering."""
    if hasattr(ctx.target, "dry_run"):
        return ctx.target.dry_run(ctx.app_config)
    return render(ctx, show_secrets=False)


def list_components() -> list[dict[str, Any]]:
    """Every registered target, database provider, registry and logger, with availability."""
    from jac_scale.factories.catalog import list_components as catalog

    return catalog()
