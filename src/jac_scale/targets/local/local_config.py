"""Settings of the local target, from `[plugins.scale.local]`."""

from pydantic import Field

from jac_scale.abstractions.config.base_config import AppRuntimeConfig


class LocalConfig(AppRuntimeConfig):
    """One `jac start` process on this machine."""

    port: int = Field(default=8000, ge=1, le=65535, description="a TCP port, 1-65535")
    startup_timeout: float = Field(
        default=180.0, gt=0, le=3600, description="seconds, > 0 and <= 3600"
    )
    stop_timeout: float = Field(default=10.0, gt=0, le=600, description="seconds, > 0 and <= 600")
    jac_command: str | None = Field(
        default=None, description="path of the jac executable (default: the one beside Python)"
    )
    state_dir: str | None = Field(
        default=None, description="folder for pid, port and logs (default: <app>/.jac-scale)"
    )
