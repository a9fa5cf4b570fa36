"""The contract every deployment target (local, docker, kubernetes, clouds) fulfils."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.config.base_config import AppRuntimeConfig, BaseConfig
from jac_scale.abstractions.logger import Logger, NullLogger
from jac_scale.abstractions.models.deployment_result import DeploymentResult
from jac_scale.abstractions.models.resource_status import ResourceStatusInfo
from jac_scale.abstractions.progress import NullProgress, Progress
from jac_scale.errors import NotSupportedError

if TYPE_CHECKING:
    from jac_scale.abstractions.database_provider import DatabaseProvider
    from jac_scale.abstractions.image_registry import ImageRegistry


class DeploymentTarget(ABC):
    """Deploys, inspects, scales and removes one app; config, logger and providers injected."""

    #: Name this target is registered under (`local`, `docker`, `kubernetes`, ...).
    name: ClassVar[str] = ""
    #: The config model that `from_dict` builds from a plain dict.
    config_class: ClassVar[type[BaseConfig]] = BaseConfig
    #: Whether `scale` accepts counts other than one.
    can_scale: ClassVar[bool] = True

    def __init__(
        self,
        config: BaseConfig | dict[str, Any],
        logger: Logger | None = None,
        image_registry: "ImageRegistry | None" = None,
        database_providers: "list[DatabaseProvider] | None" = None,
        progress: Progress | None = None,
    ) -> None:
        self.config = self.config_class.from_dict(config)
        if isinstance(self.config, AppRuntimeConfig):
            self.config.register_app_secrets()
        self.logger: Logger = logger or NullLogger()
        self.image_registry = image_registry
        self.database_providers: list[DatabaseProvider] = list(database_providers or [])
        self.progress: Progress = progress or NullProgress()

    @abstractmethod
    def deploy(self, app_config: AppConfig) -> DeploymentResult:
        """Create or update the app; unchanged input changes nothing."""

    @abstractmethod
    def destroy(self, app_name: str, *, purge: bool = False) -> None:
        """Remove what this target made for the app; data is kept unless `purge`."""

    @abstractmethod
    def get_status(self, app_name: str) -> ResourceStatusInfo:
        """What is really running now."""

    @abstractmethod
    def scale(self, app_name: str, replicas: int) -> None:
        """Set the number of replicas."""

    @abstractmethod
    def get_service_url(self, app_name: str) -> str | None:
        """Where the app answers, or None when it is not deployed."""

    def logs(self, app_name: str, *, follow: bool = False, tail: int = 100) -> Iterator[str]:
        """Lines the app wrote; targets that keep logs override this."""
        raise NotSupportedError(f"the {self.name or type(self).__name__} target has no logs")

    def render(self, app_config: AppConfig, *, show_secrets: bool = False) -> str:
        """What deploy would create, as text, without touching anything."""
        raise NotSupportedError(
            f"the {self.name or type(self).__name__} target cannot render: it creates no "
            "declarative objects",
            hint="use --target kubernetes or --target docker to see a rendered plan",
        )
