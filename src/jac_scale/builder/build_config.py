"""Settings of the image builder, from `[plugins.scale.build]`."""

from pydantic import Field, field_validator

from jac_scale.abstractions.config.base_config import AppName, ConfigModel


class BuildConfig(ConfigModel):
    """How an app becomes an image: base, port, dependencies, proxies. Unknown keys are errors."""

    app_name: AppName = Field(default="jac-app", description="DNS-1123 label naming the app")
    base_image: str = Field(
        default="python:3.12-slim",
        min_length=1,
        description="an image with python3 >= 3.12, e.g. python:3.12-slim",
    )
    image_name: str | None = Field(
        default=None, description="repository of the built image (default: the app name)"
    )
    container_port: int = Field(default=8000, ge=1, le=65535, description="a TCP port, 1-65535")
    extra_ca_bundle: str | None = Field(
        default=None,
        description="path of a PEM file with extra CA certificates (used while building only)",
    )
    jaclang_version: str | None = Field(
        default=None, description="jaclang version for the image (default: the one you run)"
    )
    requirements: list[str] = Field(
        default_factory=list, description="extra pip requirements, e.g. ['requests>=2']"
    )
    include_runtime: bool = Field(
        default=True, description="install jac-scale[runtime] in the image (true/false)"
    )
    dockerfile: str | None = Field(
        default=None,
        description="the app's own Dockerfile, relative to the app (default: Dockerfile if any)",
    )
    python_version: str | None = Field(
        default=None,
        pattern=r"^3\.\d+$",
        description="Python of the base image as X.Y (default: asked from the image)",
    )
    user_id: int = Field(default=10001, ge=1, le=2**31 - 1, description="uid of the app user")
    warmup: bool = Field(
        default=True, description="start the app once during the build so it compiles"
    )
    warmup_timeout: float = Field(
        default=180.0, gt=0, le=3600, description="seconds, > 0 and <= 3600"
    )
    pull_base: bool = Field(
        default=True, description="pull the base image when it is not present locally"
    )
    no_cache: bool = Field(
        default=False, description="rebuild every layer, ignoring Docker's layer cache"
    )
    cache_dir: str | None = Field(
        default=None, description="wheelhouse cache folder (default: ~/.cache/jac-scale)"
    )

    @field_validator("image_name")
    @classmethod
    def _check_image_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value or value != value.lower() or ":" in value.rsplit("/", 1)[-1]:
            raise ValueError("must be a lower-case repository name without a tag, e.g. myteam/todo")
        return value

    @property
    def repository(self) -> str:
        """The repository the image is tagged in when none is given."""
        return self.image_name or self.app_name
