"""Fields every target's config shares, and the seed's `from_dict` constructor."""

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from jac_scale.errors import ConfigError
from jac_scale.naming import clean_app_name


def _app_name(value: str) -> str:
    try:
        return clean_app_name(value)
    except ConfigError as exc:
        raise ValueError(exc.message) from None


#: An app name, cleaned to a DNS-1123 label (an error when nothing usable is left).
AppName = Annotated[str, AfterValidator(_app_name)]


class ConfigModel(BaseModel):
    """Base of every config table: unknown keys are errors; the seed's `from_dict`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

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


class BaseConfig(ConfigModel):
    """Common to all targets: which app, in which namespace."""

    app_name: AppName = Field(default="jac-app", description="DNS-1123 label naming the app")
    namespace: str = Field(default="default", description="where the target keeps the app")


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
