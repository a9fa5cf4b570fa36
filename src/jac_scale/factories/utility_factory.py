"""Creates loggers (and later monitors) by name; the seed's `UtilityFactory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jac_scale.factories.component_registry import ComponentRegistry, ComponentSpec

if TYPE_CHECKING:
    from jac_scale.abstractions.logger import Logger


LOGGERS = ComponentRegistry(
    kind="logger",
    group="jac_scale.loggers",
    builtins={
        "standard": ComponentSpec(
            "standard",
            "jac_scale.utilities.loggers.standard_logger:StandardLogger",
            description="Python logging, text or JSON, secrets masked",
        ),
    },
)


class UtilityFactory:
    """`create_logger('standard' | <plugin>, config)`."""

    registry = LOGGERS

    @staticmethod
    def create_logger(
        logger_type: str = "standard", config: dict[str, Any] | None = None
    ) -> Logger:
        logger_class: type[Logger] = LOGGERS.load(logger_type)
        return logger_class(config=config or {})

    @staticmethod
    def register_logger(name: str, target: str | type, **kwargs: Any) -> None:
        LOGGERS.register(name, target, **kwargs)
