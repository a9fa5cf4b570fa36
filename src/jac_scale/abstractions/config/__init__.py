"""Config models shared by every target."""

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.config.base_config import AppRuntimeConfig, BaseConfig

__all__ = ["AppConfig", "AppRuntimeConfig", "BaseConfig"]
