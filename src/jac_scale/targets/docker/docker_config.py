"""Settings of the Docker target, from `[plugins.scale.docker]`."""

from pydantic import Field

from jac_scale.abstractions.config.base_config import AppRuntimeConfig


class DockerConfig(AppRuntimeConfig):
    """App replicas behind nginx, with optional MongoDB and Redis, on one Docker engine."""

    docker_host: str | None = Field(
        default=None,
        description="engine address such as unix:///var/run/docker.sock or tcp://host:2375 "
        "(default: the Docker environment, DOCKER_HOST)",
    )
    replicas: int = Field(default=1, ge=0, le=50, description="an integer, 0-50")
    port: int = Field(default=8000, ge=1, le=65535, description="a TCP port, 1-65535")
    bind_address: str = Field(
        default="127.0.0.1", description="host address nginx's port is published on"
    )
    container_port: int = Field(
        default=8000, ge=1, le=65535, description="port jac start listens on inside replicas"
    )
    docker_image_name: str | None = Field(
        default=None,
        description="app image; built as <name>:<fingerprint> when build is on "
        "(default: [plugins.scale.build] image_name, else the app name)",
    )
    mongodb_enabled: bool = False
    redis_enabled: bool = False
    mongodb_image: str = Field(default="mongo:7", description="image run as MongoDB")
    redis_image: str = Field(default="redis:7", description="image run as redis-server ARGS")
    lb_image: str = Field(default="nginx:stable", description="image run as the load balancer")
    startup_timeout: float = Field(
        default=300.0, gt=0, le=3600, description="seconds for new replicas to become healthy"
    )
    health_interval: float = Field(
        default=1.0, gt=0, le=60, description="seconds between health probes while waiting"
    )
    drain_timeout: float = Field(
        default=60.0, gt=0, le=3600, description="seconds in-flight requests get to finish"
    )
    stop_timeout: int = Field(
        default=10, ge=0, le=600, description="seconds between SIGTERM and SIGKILL"
    )
    state_dir: str | None = Field(
        default=None, description="folder for the state file (default: <app>/.jac-scale)"
    )

    def image_repository(self) -> str:
        """The repository the builder tags into (its own default: the app name)."""
        return self.docker_image_name or self.app_name
