"""The `[plugins.scale.registry]` table, validated; the password is a secret."""

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from jac_scale.errors import ConfigError
from jac_scale.utilities.redaction import register_secret

ENV_USERNAME = "JAC_SCALE_REGISTRY__USERNAME"
ENV_PASSWORD = "JAC_SCALE_REGISTRY__PASSWORD"


class RegistrySettings(BaseModel):
    """Keys every registry understands; each registry reads the ones it needs."""

    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, description="dockerhub, registry, ecr or gcr")
    url: str | None = Field(
        default=None, description="registry host[/path], e.g. 127.0.0.1:5000 or ghcr.io/team"
    )
    username: str | None = None
    password: SecretStr | None = None
    namespace: str | None = Field(
        default=None, description="Docker Hub account or organisation (default: username)"
    )
    image_name: str | None = Field(default=None, description="repository (default: app name)")
    file_name: str | None = Field(default=None, description="the app's .jac file")
    push_retries: int = Field(default=3, ge=1, le=10, description="attempts, 1-10")
    retry_wait: float = Field(default=2.0, ge=0, le=60, description="seconds, 0-60")
    region: str | None = Field(default=None, description="AWS region (ecr)")
    account_id: str | None = Field(default=None, description="AWS account id (ecr)")
    endpoint_url: str | None = Field(default=None, description="ECR API endpoint (ecr)")
    create_repository: bool = Field(default=True, description="create a missing ECR repository")
    project: str | None = Field(default=None, description="Google Cloud project (gcr)")
    credentials_file: str | None = Field(
        default=None, description="service-account JSON file (gcr; default: ADC)"
    )
    build: dict[str, Any] | None = Field(
        default=None, description="[plugins.scale.build] keys; default: read from jac.toml"
    )


def load_settings(config: dict[str, Any] | None) -> RegistrySettings:
    """Validate the table; fill credentials from the environment; remember the password."""
    data = dict(config or {})
    if not data.get("username") and os.environ.get(ENV_USERNAME):
        data["username"] = os.environ[ENV_USERNAME]
    if not data.get("password") and os.environ.get(ENV_PASSWORD):
        data["password"] = os.environ[ENV_PASSWORD]
    try:
        settings = RegistrySettings.model_validate(data)
    except ValidationError as exc:
        known = ", ".join(sorted(RegistrySettings.model_fields))
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"])
            if error["type"] == "extra_forbidden":
                problems.append(f"{key}: unknown key (known keys: {known})")
            else:
                problems.append(f"{key}: {error['msg']}")
        raise ConfigError(
            "invalid [plugins.scale.registry]:\n  " + "\n  ".join(problems),
            hint="fix the key in jac.toml or the JAC_SCALE_REGISTRY__<KEY> variable",
        ) from None
    if settings.password is not None:
        register_secret(settings.password.get_secret_value())
    return settings
