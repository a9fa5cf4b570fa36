"""Fields every target's config shares, and the seed's `from_dict` constructor."""

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from jac_scale.errors import ConfigError
from jac_scale.naming import clean_app_name


class BaseConfig(BaseModel):
    """Common to all targets: which app, in which namespace; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    app_name: str = Field(default="jac-app", description="DNS-1123 label naming the app")
    namespace: str = Field(default="default", description="where the target keeps the app")

    @field_validator("app_name")
    @classmethod
    def _clean_app_name(cls, value: str) -> str:
        try:
            return clean_app_name(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None

    @classmethod
    def from_dict(cls, *args: Any) -> Self:
        """`Cfg.from_dict(data)` or, as the seed writes it, `Cfg.from_dict(Cfg, data)`."""
        if len(args) == 2:
            model, data = args
        elif len(args) == 1:
            model, data = cls, args[0]
        else:
            raise TypeError("from_dict takes (data) or (ConfigClass, data)")
        if isinstance(data, model):
            return data
        if isinstance(data, BaseModel):
            data = data.model_dump()
        return model.model_validate(dict(data or {}))


class AppRuntimeConfig(BaseConfig):
    """What reaches the app's process on every target: environment, secrets, database URLs."""

    environment: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, SecretStr] = Field(default_factory=dict)
    mongodb_uri: SecretStr | None = None
    redis_url: SecretStr | None = None
    health_check_path: str = Field(default="/", pattern=r"^/")

    def register_app_secrets(self) -> None:
        """Make every secret value of this config masked wherever Jac-Scale prints text."""
        from urllib.parse import urlsplit

        from jac_scale.utilities.redaction import register_secret

        for value in self.secrets.values():
            register_secret(value.get_secret_value())
        for url in (self.mongodb_uri, self.redis_url):
            if url is not None:
                register_secret(urlsplit(url.get_secret_value()).password)

    def app_environment(self) -> dict[str, str]:
        """The variables the app process receives, secrets included (never print this)."""
        env = dict(self.environment)
        env.update({k: v.get_secret_value() for k, v in self.secrets.items()})
        if self.mongodb_uri is not None:
            env["MONGODB_URI"] = self.mongodb_uri.get_secret_value()
        if self.redis_url is not None:
            env["REDIS_URL"] = self.redis_url.get_secret_value()
        return env
